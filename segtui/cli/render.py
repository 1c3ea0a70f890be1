"""Human-readable rendering of a run summary with rich (CLI only)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def net_returners_note(summary: dict[str, Any]) -> str:
    """ ", N net returners" for the header when the run has any (else nothing)."""
    size = (summary.get("net_returners") or {}).get("size", 0)
    return f", {size:,} net returners" if size else ""


def render_summary(summary: dict[str, Any], console: Console) -> None:
    """Print counts, features, metrics, the segment table and warnings."""
    from segtui.engine import UNCLUSTERED_WHY, unclustered_groups

    m = summary["metrics"]
    dq = summary.get("data_quality", {})
    console.print(
        f"[bold]segtui[/] · {summary['source']} · as of {summary['as_of']}\n"
        f"{summary['n_customers']:,} customers ({summary['n_clustered']:,} clustered, "
        f"{summary['no_purchases']['size']:,} without purchases"
        f"{net_returners_note(summary)}) · "
        f"{dq.get('transaction_rows', 0):,} transaction rows"
    )
    params = summary["params"]
    logged = [f for f, how in summary.get("transforms", {}).items() if how == "log1p"]
    log = f" + log1p ({', '.join(logged)})" if logged else ""
    console.print(
        f"k = {summary['k']} · features: {', '.join(summary['features'])} · "
        f"scaling {params['scaling']}{log} (--log {params['log']}) · seed {params['seed']}"
    )
    console.print(
        f"Davies-Bouldin [bold]{m['davies_bouldin']:.3f}[/] (lower is better) · "
        f"silhouette {m['silhouette']:.3f} (n={m['silhouette_sample_size']:,}) · "
        f"Calinski-Harabasz {m['calinski_harabasz']:,.1f} · inertia {m['inertia']:,.1f}"
    )
    table = Table(show_lines=False, pad_edge=False)
    table.add_column("id", justify="right")
    table.add_column("segment")
    table.add_column("customers", justify="right")
    table.add_column("share", justify="right")
    table.add_column("revenue", justify="right")
    table.add_column("how it differs")
    for seg in summary["segments"]:
        table.add_row(
            str(seg["id"]),
            seg["name"],
            f"{seg['size']:,}",
            f"{seg['share']:.0%}",
            f"{seg['revenue_share']:.0%}",
            ", ".join(seg["evidence"][:2]),
        )
    for group in unclustered_groups(summary):
        table.add_row(
            str(group["id"]),
            group["name"],
            f"{group['size']:,}",
            "",
            "",
            UNCLUSTERED_WHY[group["id"]],
        )
    console.print(table)
    for seg in summary["segments"]:
        console.print(f"[bold]{seg['id']}. {seg['name']}[/]: {seg['description']}")
        console.print(f"   → {seg['action']}")
        render_identity(seg, console)
    like = summary.get("like")
    if like:
        vanished = ", ".join(f"{v['id']} {v['name']}" for v in like["vanished"]) or "none"
        console.print(
            f"ids continue {like['model']}: {like['persisting']} persisting, new: "
            f"{', '.join(map(str, like['new'])) or 'none'}, vanished: {vanished} "
            f"(threshold {like['threshold']:.3f})",
            markup=False,
        )
    render_trust(summary, console)
    render_rfm_cells(summary, console)
    render_value(summary.get("clv"), console)
    for warning in summary.get("warnings", []):
        console.print(f"[yellow]warning:[/] {warning}")


def render_identity(seg: dict[str, Any], console: Console) -> None:
    """Print a segment's --like match and its best rule (with precision and recall)."""
    match = seg.get("match")
    if match and match["status"] == "persisting":
        console.print(f"   = segment {match['previous_id']} before (drift {match['drift']:.3f})")
    elif match:
        console.print("   = new segment")
    rules = (seg.get("rules") or {}).get("rules") or []
    if rules:
        best = rules[0]
        more = f" (+{len(rules) - 1} more)" if len(rules) > 1 else ""
        console.print(
            f"   rule: {best['rule']} · precision {best['precision']:.0%}, "
            f"recall {best['recall']:.0%}{more}",
            markup=False,
        )


def render_trust(summary: dict[str, Any], console: Console) -> None:
    """Print how k was chosen (k = auto), the stability and the separating features."""
    selection = summary.get("k_selection")
    if selection:
        console.print(f"k chosen automatically: {selection['rule']}")
    diag = summary.get("diagnostics") or {}
    stable = diag.get("stability")
    if stable and stable.get("stability") is not None:
        console.print(
            f"stability of k = {stable['k']}: {stable['stability']:.2f} "
            "(mean adjusted Rand index of resampled fits; 1 = fully reproducible)"
        )
    separation = diag.get("separation") or []
    if separation:
        ranked = ", ".join(f"{r['feature']} {r['eta_squared']:.0%}" for r in separation)
        console.print(f"separating features (variance explained by segment): {ranked}")


def verdict(clv: dict[str, Any]) -> str:
    """The fits' verdict of a --clv summary (older summaries: from ``converged``)."""
    return str(
        clv.get("verdict") or ("fits converged" if clv["converged"] else "fits NOT converged")
    )


def render_value(clv: dict[str, Any] | None, console: Console) -> None:
    """Print the --clv headline: totals, CLV per segment, stage counts, holdout error."""
    if not clv:
        return
    console.print(
        f"value over {clv['horizon_days']} days: {clv['total_expected_purchases']:,.1f} "
        f"expected purchases, CLV {clv['total_clv']:,.2f} "
        f"({verdict(clv)})"
    )
    for row in clv["segments"]:
        console.print(
            f"   {row['id']}. mean CLV {row['mean_clv']:,.2f} · total {row['total_clv']:,.2f} · "
            f"mean P(alive) {row['mean_p_alive']:.2f}"
        )
    counts = clv["lifecycle"]["counts"]
    console.print("stages: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    holdout = clv.get("holdout")
    if holdout and holdout["aggregate_error"] is not None:
        console.print(
            f"holdout to {holdout['end']}: {holdout['actual']:,} actual vs "
            f"{holdout['predicted']:,.1f} predicted repeat purchases "
            f"(error {holdout['aggregate_error']:+.1%})"
        )


def render_rfm_cells(summary: dict[str, Any], console: Console) -> None:
    """Print where each segment sits in the RFM R x F grid (its three largest cells)."""
    from segtui.engine import top_cells

    grid = (summary.get("diagnostics") or {}).get("rfm_grid") or {}
    rows = grid.get("segments") or {}
    if not rows or summary.get("params", {}).get("method") == "rfm":
        return
    console.print("in the RFM grid (largest cells):")
    for segment, counts in rows.items():
        console.print(f"   {segment}. {top_cells(counts)}", markup=False)

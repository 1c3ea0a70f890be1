"""The Markdown report: the summary in words an analyst can paste into a ticket."""

from __future__ import annotations

from typing import Any


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def markdown_report(summary: dict[str, Any]) -> str:
    """Render a run summary (as produced by ``SegmentationResult.summary()``)."""
    m = summary["metrics"]
    lines = [
        "# Customer segments",
        "",
        f"Source: `{summary['source']}` · as of {summary['as_of']} · segtui {summary['version']}",
        "",
        f"{summary['n_customers']:,} customers, {summary['n_clustered']:,} clustered into "
        f"k = {summary['k']} segments on: {', '.join(summary['features'])} "
        f"(scaling {summary['params']['scaling']}"
        f"{', log' if summary['params']['log'] else ''}, seed {summary['params']['seed']}).",
        "",
        "## Quality",
        "",
        "| metric | value | reading |",
        "|---|---|---|",
        f"| Davies-Bouldin | {_fmt(m['davies_bouldin'], 3)} | lower is better |",
        f"| Silhouette | {_fmt(m['silhouette'], 3)} | −1…1, higher is better "
        f"(n = {m['silhouette_sample_size']:,}) |",
        f"| Calinski-Harabasz | {_fmt(m['calinski_harabasz'], 1)} | higher is better |",
        f"| Inertia | {_fmt(m['inertia'], 1)} | within-segment sum of squares |",
        "",
        "## Segments",
        "",
        "| id | name | customers | share | revenue share |",
        "|---|---|---|---|---|",
    ]
    for seg in summary["segments"]:
        lines.append(
            f"| {seg['id']} | {seg['name']} | {seg['size']:,} | {seg['share']:.1%} | "
            f"{seg['revenue_share']:.1%} |"
        )
    no_purchases = summary.get("no_purchases") or {}
    if no_purchases.get("size"):
        lines.append(f"| -1 | {no_purchases['name']} | {no_purchases['size']:,} | – | – |")
    lines.append("")
    for seg in summary["segments"]:
        lines += [
            f"### {seg['id']}. {seg['name']}",
            "",
            seg["description"],
            "",
            f"- How it differs: {', '.join(seg['evidence'])}",
            f"- Suggested action: {seg['action']}",
            "",
            "| feature | mean | median |",
            "|---|---|---|",
        ]
        for feature, mean in seg["means"].items():
            lines.append(f"| {feature} | {_fmt(mean)} | {_fmt(seg['medians'].get(feature))} |")
        lines.append("")
    if summary.get("warnings"):
        lines += ["## Warnings", ""] + [f"- {w}" for w in summary["warnings"]] + [""]
    diag = summary.get("diagnostics") or {}
    if diag.get("dominance"):
        lines += ["## Diagnostics", "", "| categorical | Cramér's V with segment |", "|---|---|"]
        lines += [f"| {d['feature']} | {d['cramers_v']:.2f} |" for d in diag["dominance"]]
        lines.append("")
    dq = summary.get("data_quality") or {}
    if dq:
        lines += ["## Data quality", ""] + [
            f"- {k.replace('_', ' ')}: {v:,}" for k, v in dq.items()
        ]
        lines.append("")
    return "\n".join(lines)

"""The Markdown report: the summary in words an analyst can paste into a ticket."""

from __future__ import annotations

from typing import Any


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _dq_value(value: Any) -> str:
    """A data-quality entry in words: counts with thousands separators; a single log also
    records text (its format, returns rule), lists (detected columns) and mappings."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:,}"
    if isinstance(value, dict):
        return ", ".join(f"{k} = {v}" for k, v in value.items()) or "–"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "–"
    return _fmt(value)


def purchases_line(summary: dict[str, Any]) -> list[str]:
    """The report's statement of what one purchase is (frequency counts these)."""
    definition = summary.get("purchase_definition")
    if not definition:
        return []
    return [f"Purchases: {definition['text']}.", ""]


def markdown_report(summary: dict[str, Any]) -> str:
    """Render a run summary (as produced by ``SegmentationResult.summary()``)."""
    m = summary["metrics"]
    lines = [
        "# Customer segments",
        "",
        f"Source: `{summary['source']}` · as of {summary['as_of']} · segtui {summary['version']}",
        "",
        *purchases_line(summary),
        f"{summary['n_customers']:,} customers, {summary['n_clustered']:,} clustered into "
        f"k = {summary['k']} segments on: {', '.join(summary['features'])} "
        f"(scaling {summary['params']['scaling']}"
        f", log {summary['params']['log']}, seed {summary['params']['seed']}).",
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
    from segtui.engine.features.catalog import unclustered_groups

    for group in unclustered_groups(summary):
        lines.append(f"| {group['id']} | {group['name']} | {group['size']:,} | – | – |")
    lines.append("")
    lines += like_section(summary.get("like"))
    for seg in summary["segments"]:
        lines += [
            f"### {seg['id']}. {seg['name']}",
            "",
            seg["description"],
            "",
            *segment_explanation(seg),
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
    lines += diagnostics_section(summary.get("diagnostics") or {})
    lines += k_selection_section(summary.get("k_selection"))
    from segtui.engine.output.value_report import value_section

    lines += value_section(summary.get("clv"))
    from segtui.engine.output.backtest_report import backtest_section, rfm_grid_section

    names = {seg["id"]: seg["name"] for seg in summary["segments"]}
    lines += rfm_grid_section((summary.get("diagnostics") or {}).get("rfm_grid"), names)
    lines += backtest_section(summary.get("backtest"))
    dq = summary.get("data_quality") or {}
    if dq:
        lines += ["## Data quality", ""] + [
            f"- {k.replace('_', ' ')}: {_dq_value(v)}" for k, v in dq.items()
        ]
        lines.append("")
    return "\n".join(lines)


def diagnostics_section(diag: dict[str, Any]) -> list[str]:
    """Markdown lines for the diagnostics: separation, stability, dominance, skewness."""
    if not diag:
        return []
    lines = ["## Diagnostics", ""]
    if diag.get("separation"):
        lines += [
            "Which features separate the segments (clustering space; share of the feature's "
            "variance explained by the segment, and between/within sum of squares):",
            "",
            "| rank | feature | explained | between / within |",
            "|---|---|---|---|",
        ]
        for rank, row in enumerate(diag["separation"], 1):
            lines.append(
                f"| {rank} | {row['feature']} | {row['eta_squared']:.0%} | "
                f"{_fmt(row['between_within'])} |"
            )
        lines.append("")
    stable = diag.get("stability")
    if stable:
        lines += [
            f"Stability of k = {stable['k']}: **{_fmt(stable['stability'])}** (mean adjusted "
            f"Rand index, 1 = resampled fits agree completely; {stable['method']}).",
            "",
        ]
    if diag.get("dominance"):
        lines += ["| categorical | Cramér's V with segment |", "|---|---|"]
        lines += [f"| {d['feature']} | {d['cramers_v']:.2f} |" for d in diag["dominance"]]
        lines.append("")
    if diag.get("skewness"):
        lines += [
            "Skewness: "
            + ", ".join(f"{name} {value:.2f}" for name, value in diag["skewness"].items()),
            "",
        ]
    return lines


def k_selection_section(selection: dict[str, Any] | None) -> list[str]:
    """Markdown lines for an automatic choice of k: the rule and the sweep table."""
    if not selection:
        return []
    lines = [
        "## Choice of k",
        "",
        f"k = {selection['recommended_k']} was chosen automatically. Rule: {selection['rule']}",
        "",
        "| k | Davies-Bouldin | silhouette | Calinski-Harabasz | inertia | stability |",
        "|---|---|---|---|---|---|",
    ]
    for row in selection["rows"]:
        mark = " ◀" if row["k"] == selection["recommended_k"] else ""
        lines.append(
            f"| {row['k']}{mark} | {_fmt(row['davies_bouldin'], 3)} | {_fmt(row['silhouette'], 3)}"
            f" | {_fmt(row['calinski_harabasz'], 1)} | {_fmt(row['inertia'], 1)} | "
            f"{_fmt(row['stability'])} |"
        )
    lines.append("")
    return lines


def segment_explanation(seg: dict[str, Any]) -> list[str]:
    """Markdown lines for one segment: effect sizes first, then its match and its rules."""
    from segtui.engine.segments.effects import magnitude

    lines = []
    effects = seg.get("effect_sizes") or {}
    if effects:
        listed = ", ".join(f"{f} {d:+.2f} ({magnitude(d)})" for f, d in effects.items())
        lines.append(f"- Effect sizes (Cohen's d against the other segments): {listed}")
    match = seg.get("match")
    if match:
        if match["status"] == "persisting":
            lines.append(
                f"- Continues segment {match['previous_id']} of the previous model "
                f"(centroid drift {match['drift']:.3f}; since {seg.get('since')})"
            )
        else:
            lines.append(
                f"- New segment (no previous segment close enough; since {seg.get('since')})"
            )
    rules = seg.get("rules")
    if rules and rules.get("rules"):
        lines.append(
            f"- Rules (together: precision {rules['precision']:.0%}, recall {rules['recall']:.0%}):"
        )
        lines += [
            f"  - `{r['rule']}` (precision {r['precision']:.0%}, recall {r['recall']:.0%})"
            for r in rules["rules"]
        ]
    return lines


def like_section(like: dict[str, Any] | None) -> list[str]:
    """Markdown lines for a ``--like`` run: which model, the threshold, new and vanished."""
    if not like:
        return []
    vanished = ", ".join(f"{v['id']} {v['name']}" for v in like["vanished"]) or "none"
    new = ", ".join(str(i) for i in like["new"]) or "none"
    return [
        f"Segment ids continue `{like['model']}`: {like['persisting']} persisting, new: {new}, "
        f"vanished: {vanished}. {like['rule'][0].upper()}{like['rule'][1:]} "
        f"(= {like['threshold']:.3f}).",
        "",
    ]

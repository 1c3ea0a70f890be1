"""The Markdown of a backtest (``segtui backtest``): the comparison of segtui's segments
with the RFM R x F grid and K-Means k = 4 on the next period, and each one's segments."""

from __future__ import annotations

from typing import Any

WORD_CHECK = {True: "yes", False: "**no**", None: "–"}


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def comparison_rows(backtest: dict[str, Any]) -> list[str]:
    """The whole-segmentation table: one row per method (Markdown lines)."""
    lines = [
        "| segmentation | segments | η² log(1 + next spend) | η² bought again | "
        "bought-again range | activity words contradicted |",
        "|---|---|---|---|---|---|",
    ]
    for method in backtest["methods"].values():
        words = [s for s in method["segments"] if s["activity_holds"] is not None]
        wrong = len(method["contradicted"])
        said = f"{wrong} of {len(words)}" if words else "– (no words)"
        lines.append(
            f"| {method['title']} | {method['segments_count']} | "
            f"{_num(method['eta_squared'])} | {_num(method['repeat_eta_squared'])} | "
            f"{method['repeat_rate_range']:.1%} | {said} |"
        )
    return lines


def segment_rows(method: dict[str, Any]) -> list[str]:
    """One method's per-segment table (Markdown lines)."""
    lines = [
        "| id | segment | activity | customers | bought again | next spend per customer | "
        "share of next revenue | word came true |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in method["segments"]:
        lines.append(
            f"| {row['id']} | {row['name']} | {row['activity'] or '–'} | {row['customers']:,} | "
            f"{row['bought_again']:.1%} | {row['spend_per_customer']:,.2f} | "
            f"{row['revenue_share']:.1%} | {WORD_CHECK[row['activity_holds']]} |"
        )
    return lines


def backtest_section(backtest: dict[str, Any] | None) -> list[str]:
    """Markdown lines for the ``backtest`` entry of a summary (none without one)."""
    if not backtest:
        return []
    segtui = backtest["methods"]["segtui"]
    lines = [
        "## Backtest",
        "",
        f"The segments above were made from the lines dated before {backtest['at']}. The "
        f"{backtest['horizon_days']} days from {backtest['at']} to {backtest['horizon_end']} "
        f"judge them: {backtest['customers']:,} segmented customers, of whom "
        f"{segtui['base_repeat_rate']:.1%} bought again "
        f"({backtest['new_customers_in_horizon']:,} first-time customers in the horizon are "
        "not judged). η² is the share of the variance of log(1 + next-period spend) the "
        "segment labels explain; an activity word comes true when an active segment buys "
        "again more often than all segmented customers, and a lapsing or lapsed one less "
        "often. The references: the RFM R×F grid's ten named cells (quintile scores 1-5 "
        "on recency and frequency, ties broken by rank) and plain K-Means with k = 4 on "
        "z-scored log1p spend, frequency and order value and recency in days.",
        "",
        *comparison_rows(backtest),
        "",
    ]
    for method in backtest["methods"].values():
        lines += [f"### {method['title']}", "", *segment_rows(method), ""]
    if backtest.get("warnings"):
        lines += [f"- {w}" for w in backtest["warnings"]] + [""]
    return lines


def rfm_grid_section(grid: dict[str, Any] | None, names: dict[int, str]) -> list[str]:
    """Markdown lines for the segment x RFM cell table (``diagnostics.rfm_grid``): where
    each segment's customers sit in the R x F grid; ``names`` maps segment id to name."""
    if not grid or not grid.get("segments"):
        return []
    rows = grid["segments"]
    cells = [c for c in grid["cells"] if any(counts[c] for counts in rows.values())]
    lines = [
        "## Segments in the RFM grid",
        "",
        "Customers of each segment per cell of the RFM R×F grid (quintile scores 1-5 on "
        "recency and frequency among the clustered customers, ties broken by rank; "
        "segtui's docs/backtest.md gives the rule). The largest cell of each "
        "segment is in bold.",
        "",
        "| segment | " + " | ".join(cells) + " |",
        "|---|" + "---|" * len(cells),
    ]
    for segment, counts in rows.items():
        top = max(cells, key=lambda c: counts[c])
        shown = [f"**{counts[c]:,}**" if c == top else f"{counts[c]:,}" for c in cells]
        label = f"{segment} {names.get(int(segment), '')}".strip()
        lines.append(f"| {label} | " + " | ".join(shown) + " |")
    lines.append("")
    return lines


def top_cells(counts: dict[str, int], n: int = 3) -> str:
    """'Champions 45%, Loyal customers 30%, …': a segment's largest RFM cells in words."""
    total = sum(counts.values())
    if not total:
        return "–"
    ranked = sorted(counts.items(), key=lambda item: -item[1])[:n]
    return ", ".join(f"{cell} {count / total:.0%}" for cell, count in ranked if count)

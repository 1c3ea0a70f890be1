"""Human-readable rendering of a backtest with rich (CLI only)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

WORD = {True: "yes", False: "[red]no[/]", None: ""}


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def render_backtest(summary: dict[str, Any], console: Console) -> None:
    """Print the comparison of the three segmentations, then each one's segments:
    customers, the share who bought again, next-period spend per customer, the share of
    next-period revenue and whether the activity word came true."""
    bt = summary["backtest"]
    base = bt["methods"]["segtui"]["base_repeat_rate"]
    console.print(
        f"[bold]segtui backtest[/] · {summary['source']} · segmented before {bt['at']} · "
        f"judged {bt['at']} to {bt['horizon_end']} ({bt['horizon_days']} days)\n"
        f"{bt['customers']:,} segmented customers, {base:.1%} bought again · "
        f"{bt['new_customers_in_horizon']:,} new customers in the horizon (not judged)"
    )
    table = Table(pad_edge=False, title="the next period, explained by each segmentation")
    for name in ("", "segments", "η² spend", "η² bought", "bought range", "words wrong"):
        table.add_column(name, justify="right" if name else "left")
    for method in bt["methods"].values():
        checked = [s for s in method["segments"] if s["activity_holds"] is not None]
        table.add_row(
            method["title"],
            str(method["segments_count"]),
            _num(method["eta_squared"]),
            _num(method["repeat_eta_squared"]),
            f"{method['repeat_rate_range']:.1%}",
            f"{len(method['contradicted'])} of {len(checked)}" if checked else "–",
        )
    console.print(table)
    for method in bt["methods"].values():
        seg_table = Table(pad_edge=False, title=method["title"])
        seg_table.add_column("id", justify="right")
        seg_table.add_column("segment")
        seg_table.add_column("activity")
        for name in ("customers", "bought", "spend", "revenue", "true"):
            seg_table.add_column(name, justify="right")
        for row in method["segments"]:
            seg_table.add_row(
                str(row["id"]),
                row["name"],
                row["activity"] or "",
                f"{row['customers']:,}",
                f"{row['bought_again']:.1%}",
                f"{row['spend_per_customer']:,.2f}",
                f"{row['revenue_share']:.1%}",
                WORD[row["activity_holds"]],
            )
        console.print(seg_table)
    for warning in [*bt.get("warnings", []), *summary.get("warnings", [])]:
        console.print(f"[yellow]warning:[/] {warning}")

"""Terminal rendering of a k sweep: a table and a bar chart (CLI only)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from segtui.config import Settings
    from segtui.engine import SweepResult

BAR_WIDTH = 18
EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: float, low: float, high: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar, in eighths of a cell: one cell at ``low``, ``width`` at ``high``
    (scaled to the range, so small differences between k stay visible)."""
    if not math.isfinite(value):
        return ""
    share = (value - low) / (high - low) if high > low else 1.0
    eighths = round((1 + min(max(share, 0.0), 1.0) * (width - 1)) * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[part] if part else "")


def _range(values: list[float]) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)]
    return (min(finite), max(finite)) if finite else (0.0, 0.0)


def _num(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}" if math.isfinite(value) else "–"


def smallest_cell(share: float, rule: float) -> str:
    """The smallest segment's share, "0.55% ✗" when it is under the size rule's ``rule``."""
    if not math.isfinite(share):
        return "–"
    return f"{share:.2%}" + (" ✗" if share < rule else "")


def render_sweep(result: SweepResult, settings: Settings, console: Console) -> None:
    """Print what was swept, the score table, the DB/inertia chart and the recommendation."""
    params = f"scaling {settings.scaling} · log {settings.log} · seed {settings.seed}"
    console.print(
        f"[bold]segtui sweep[/] · {result.n_clustered:,} customers with purchases · "
        f"features: {', '.join(result.features)} · {params}"
    )
    if result.fit_sample_size < result.n_clustered:
        console.print(
            f"K-Means fitted on a seeded sample of {result.fit_sample_size:,} customers, "
            "every customer then assigned to its nearest centre; scores on all customers."
        )
    from segtui.config import AUTO_K_MIN_SEGMENT_SHARE

    table = Table(pad_edge=False)
    columns = ("k", "Davies-Bouldin", "silhouette", "Calinski-H.", "inertia", "stability")
    for name in (*columns, "smallest"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    for row in result.rows:
        mark = "◀" if row.k == result.recommended_k else ""
        style = "bold" if mark else None
        table.add_row(
            str(row.k),
            _num(row.davies_bouldin, 3),
            _num(row.silhouette, 3),
            _num(row.calinski_harabasz, 1),
            _num(row.inertia, 1),
            _num(row.stability, 2),
            smallest_cell(row.smallest_share, AUTO_K_MIN_SEGMENT_SHARE),
            mark,
            style=style,
        )
    console.print(table)
    console.print(
        "Davies-Bouldin: lower is better · silhouette, Calinski-Harabasz, stability: "
        "higher is better · ◀ recommended · smallest: the smallest segment's share of the "
        f"clustered customers (--k auto needs {AUTO_K_MIN_SEGMENT_SHARE:.0%}; ✗ below)."
    )
    console.print(
        f"Silhouette on a seeded sample of {result.silhouette_sample_size:,} customers; "
        f"stability: {result.stability_method}."
    )
    chart = Table(
        box=None,
        pad_edge=False,
        title="Davies-Bouldin and inertia by k · bars span min…max",
    )
    chart.add_column("k", justify="right")
    chart.add_column("Davies-Bouldin", no_wrap=True)
    chart.add_column("inertia", no_wrap=True)
    chart.add_column("", no_wrap=True)
    db = _range([r.davies_bouldin for r in result.rows])
    inertia = _range([r.inertia for r in result.rows])
    for row in result.rows:
        chosen = row.k == result.recommended_k
        colour = "green" if chosen else "cyan"
        chart.add_row(
            str(row.k),
            f"[{colour}]{bar(row.davies_bouldin, *db):<{BAR_WIDTH}}[/] "
            f"{_num(row.davies_bouldin, 3)}",
            f"[magenta]{bar(row.inertia, *inertia):<{BAR_WIDTH}}[/] {_num(row.inertia, 0)}",
            "◀" if chosen else "",
        )
    console.print(chart)
    console.print(f"[bold]Recommended k = {result.recommended_k}[/]. Rule: {result.rule}")
    console.print(f"Use it: segtui run … --k {result.recommended_k}   (or --k auto)")
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")

"""The k-sweep chart: one line per k, a bar per score, the recommended k marked.

Bars grow left to right; each score has its own scale, stated in the column header:
Davies-Bouldin spans min…max of the scored k (so the lowest, the best, is the shortest
bar and small differences stay visible), inertia and silhouette start at 0 (the elbow
keeps its true shape), stability spans 0…1 with the auto-k threshold drawn as ┊.
Rows that are not scored yet show as dots, so the chart grows while the sweep runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

from segtui.config import AUTO_K_MIN_STABILITY

if TYPE_CHECKING:
    from segtui.engine import SweepRow

EIGHTHS = " ▏▎▍▌▋▊▉"
PREFIX = 5  # "▶ 10 "
SUFFIX = 4  # " ★●"
VALUE_WIDTH = 6
WIDE = 110  # from this width on, the silhouette gets a column too


@dataclass(frozen=True)
class Column:
    """One score of the chart: its row attribute, header, scale note and colour."""

    attr: str
    title: str
    note: str
    colour: str


DB = Column("davies_bouldin", "Davies-Bouldin", "lower is better", "cyan")
INERTIA = Column("inertia", "inertia", "look for the elbow", "magenta")
SILHOUETTE = Column("silhouette", "silhouette", "higher is better", "blue")
STABILITY = Column("stability", "stability", "higher is better", "green")


def columns_for(width: int) -> list[Column]:
    """The score columns that fit ``width`` cells. Returns them in display order."""
    if width >= WIDE:
        return [DB, INERTIA, SILHOUETTE, STABILITY]
    return [DB, INERTIA, STABILITY]


def fmt(value: float) -> str:
    """A score in at most VALUE_WIDTH characters (large inertias as k/M). Returns str."""
    if not math.isfinite(value):
        return "–"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.1f}M"
    if magnitude >= 1e4:
        return f"{value / 1e3:.0f}k"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def bar(share: float, width: int) -> str:
    """A bar of ``share`` (0…1) of ``width`` cells in eighths, at least one eighth.
    Returns exactly ``width`` characters."""
    share = min(max(share, 0.0), 1.0)
    eighths = max(1, round(share * width * 8))
    full, part = divmod(eighths, 8)
    return ("█" * full + (EIGHTHS[part] if part else "")).ljust(width)[:width]


def scale(column: Column, rows: Sequence[SweepRow]) -> tuple[float, float]:
    """The (low, high) of ``column``'s bars over the scored ``rows``."""
    if column is STABILITY:
        return 0.0, 1.0
    values = [getattr(r, column.attr) for r in rows if math.isfinite(getattr(r, column.attr))]
    if not values:
        return 0.0, 1.0
    high = max(values)
    if column is DB:
        low = min(values)
        # one cell for the best k: keep a sliver of range below it so it is visible.
        return low - (high - low) * 0.1 if high > low else low - 1.0, high
    return 0.0, high if high > 0 else 1.0


def _cell(column: Column, row: SweepRow, low: float, high: float, width: int) -> Text:
    value = getattr(row, column.attr)
    text = Text()
    if not math.isfinite(value):
        text.append(" " * width)
    else:
        share = (value - low) / (high - low) if high > low else 1.0
        drawn = bar(share, width)
        colour = column.colour
        if column is STABILITY:
            colour = "green" if value >= AUTO_K_MIN_STABILITY else "yellow"
            tick = min(int(AUTO_K_MIN_STABILITY * width), width - 1)
            if drawn[tick] == " ":
                drawn = drawn[:tick] + "┊" + drawn[tick + 1 :]
        text.append(drawn, style=colour)
    text.append(" " + fmt(value).rjust(VALUE_WIDTH))
    return text


def sweep_chart(
    rows: Sequence[SweepRow],
    k_values: Sequence[int],
    *,
    cursor: int | None,
    recommended: int | None,
    current: int | None,
    running: int | None,
    width: int,
    spaced: bool = False,
) -> Text:
    """Two header lines and one line per k of ``k_values``: scored rows as bars, the one
    being computed as "computing…", the rest as dots. ``cursor`` is highlighted,
    ``recommended`` marked ★ and ``current`` (the k on screen now) ●; ``spaced`` puts a
    blank line between the k (for tall terminals). Returns Text."""
    cols = columns_for(width)
    per = max((width - PREFIX - SUFFIX) // len(cols), VALUE_WIDTH + 4)
    bar_width = per - VALUE_WIDTH - 2
    scored = {r.k: r for r in rows}
    scales = {c.attr: scale(c, rows) for c in cols}
    text = Text(no_wrap=True, overflow="crop")
    text.append(" " * (PREFIX - 2) + "k ", style="bold")
    for c in cols:
        text.append(c.title[: per - 1].ljust(per), style="bold")
    text.append("\n" + " " * PREFIX)
    for c in cols:
        note = c.note if c is not STABILITY else f"higher better, ┊ {AUTO_K_MIN_STABILITY:g}"
        text.append(note[: per - 1].ljust(per), style="italic")
    for k in k_values:
        text.append("\n\n" if spaced else "\n")
        line = Text()
        line.append("▶ " if k == cursor else "  ", style="bold")
        line.append(f"{k:>2} ", style="reverse bold" if k == cursor else "bold")
        row = scored.get(k)
        if row is None:
            waiting = "computing…" if k == running else "·" * min(bar_width, 10)
            line.append(waiting, style="bold italic" if k == running else "italic")
            line.append(" " * max(per * len(cols) - len(waiting), 0))
        else:
            for c in cols:
                line.append_text(_cell(c, row, *scales[c.attr], bar_width))
                line.append(" ")
        line.append(" ")
        line.append("★" if k == recommended else " ", style="bold green")
        line.append("●" if k == current else " ", style="bold")
        if k == cursor:
            line.stylize("bold")
        text.append_text(line)
    return text


class SweepChart(Widget):
    """The sweep chart, redrawn at the widget's width whenever rows or the cursor change."""

    DEFAULT_CSS = "SweepChart { height: auto; }"

    def __init__(self, k_values: Sequence[int], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.k_values = list(k_values)
        self.rows: list[SweepRow] = []
        self.cursor: int | None = None
        self.recommended: int | None = None
        self.current: int | None = None
        self.running: int | None = None

    def update_chart(self, **changes: object) -> None:
        """Set any of rows/cursor/recommended/current/running and redraw."""
        for name, value in changes.items():
            setattr(self, name, value)
        self.refresh(layout=True)

    @property
    def spaced(self) -> bool:
        """Blank lines between the k when the terminal is tall enough for them."""
        return self.app.size.height >= 2 * len(self.k_values) + 20

    def get_content_height(self, container, viewport, width: int) -> int:  # type: ignore[no-untyped-def]
        rows = len(self.k_values)
        return 2 + (2 * rows if self.spaced else rows)

    def render(self) -> Text:
        return sweep_chart(
            self.rows,
            self.k_values,
            cursor=self.cursor,
            recommended=self.recommended,
            current=self.current,
            running=self.running,
            width=self.size.width,
            spaced=self.spaced,
        )

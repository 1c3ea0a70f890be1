"""Terminal charts: segment-size bars, a braille PCA scatter coloured by segment and the
holdout chart of actual vs predicted cumulative purchases (--clv --holdout-end)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

from segtui.tui.palette import segment_colour, segment_glyph

if TYPE_CHECKING:
    import numpy as np

if TYPE_CHECKING:
    from segtui.engine import Projection, SegmentProfile

BLOCKS = " ▏▎▍▌▋▊▉█"
# Braille dot bit for (column 0/1, row 0..3) inside one character cell.
# Kept as plain lists so importing the widget does not import NumPy before the first frame.
BRAILLE_BITS = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]


def bar_chart(profiles: list[SegmentProfile], width: int) -> Text:
    """One horizontal bar per segment, length proportional to its size. Returns Text."""
    text = Text()
    if not profiles:
        return text
    label_width = min(max(len(p.name) for p in profiles) + 5, max(width // 2, 10))
    bar_room = max(width - label_width - 16, 4)
    largest = max(p.size for p in profiles) or 1
    for p in profiles:
        label = f"{segment_glyph(p.id)} {p.id} {p.name}"
        label = label if len(label) <= label_width else label[: label_width - 1] + "…"
        eighths = round(p.size / largest * bar_room * 8)
        bar = "█" * (eighths // 8) + (BLOCKS[eighths % 8] if eighths % 8 else "")
        text.append(label.ljust(label_width) + " ")
        text.append(bar.ljust(bar_room), style=segment_colour(p.id))
        text.append(f" {p.size:>7,} {p.share:5.1%}\n")
    return text


def legend(profiles: list[SegmentProfile]) -> Text:
    """ "● 0 High-value regulars  ▲ 1 …": each segment's glyph and colour. Returns Text."""
    text = Text()
    for p in profiles:
        text.append(segment_glyph(p.id), style=segment_colour(p.id))
        text.append(f" {p.id} {p.name}  ")
    return text


def braille_scatter(
    projection: Projection, labels: np.ndarray, width: int, height: int, *, glyphs: bool = False
) -> Text:
    """Scatter of ``projection.xy`` in braille dots, each cell coloured by the segment
    with most points in it; with ``glyphs`` (no colour) each occupied cell shows that
    segment's glyph instead. Returns Text of ``height`` lines of ``width`` cells."""
    import numpy as np

    width, height = max(width, 4), max(height, 2)
    xy = projection.xy
    seg = labels[projection.rows] if len(projection.rows) else np.zeros(0, dtype=int)
    text = Text()
    if xy.shape[0] == 0:
        return text
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    dots_x = np.clip(
        ((xy[:, 0] - lo[0]) / span[0] * (width * 2 - 1)).round().astype(int), 0, width * 2 - 1
    )
    # y grows downwards on screen: flip so larger PC2 is higher.
    dots_y = np.clip(
        ((hi[1] - xy[:, 1]) / span[1] * (height * 4 - 1)).round().astype(int), 0, height * 4 - 1
    )
    cell_x, cell_y = dots_x // 2, dots_y // 4
    bits = np.array(BRAILLE_BITS)[dots_x % 2, dots_y % 4]
    masks = np.zeros((height, width), dtype=np.int64)
    np.bitwise_or.at(masks, (cell_y, cell_x), bits)
    n_segments = int(seg.max()) + 1 if seg.size else 1
    votes = np.zeros((height, width, n_segments), dtype=np.int64)
    np.add.at(votes, (cell_y, cell_x, seg), 1)
    winner = votes.argmax(axis=2)
    for row in range(height):
        for col in range(width):
            mask = int(masks[row, col])
            if mask:
                segment = int(winner[row, col])
                cell = segment_glyph(segment) if glyphs else chr(0x2800 + mask)
                text.append(cell, style=segment_colour(segment))
            else:
                text.append(" ")
        if row < height - 1:
            text.append("\n")
    return text


class SizeBars(Widget):
    """Bar chart of segment sizes (re-rendered at the widget's width)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.profiles: list[SegmentProfile] = []

    def show(self, profiles: list[SegmentProfile]) -> None:
        """Draw bars for ``profiles``."""
        self.profiles = profiles
        self.styles.height = max(len(profiles), 1)
        self.refresh(layout=True)

    def render(self) -> Text:
        return bar_chart(self.profiles, self.size.width)


class Scatter(Widget, can_focus=True):
    """PCA scatter of customers in braille, coloured by segment. It takes the focus when
    the Charts view opens, so the focus never stays in a hidden view (Textual would then
    move it to that view's next focusable widget and switch the tab back)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        # Nothing NumPy until a result comes: the first frame must not wait for imports.
        self.projection: Projection | None = None
        self.labels: np.ndarray | None = None

    def show(self, projection: Projection, labels: np.ndarray) -> None:
        """Draw ``projection`` with points coloured by ``labels``."""
        self.projection, self.labels = projection, labels
        self.refresh()

    def render(self) -> Text:
        if self.projection is None or self.labels is None:
            return Text("waiting for a result…")
        return braille_scatter(
            self.projection,
            self.labels,
            self.size.width,
            self.size.height,
            glyphs=self.app.no_color,
        )


# The holdout chart's two series: colour, glyph (NO_COLOR) and label.
ACTUAL = ("bright_yellow", "●", "actual")
PREDICTED = ("bright_magenta", "○", "predicted")
BOTH_GLYPH = "◉"


def tracking_chart(
    actual: list[float], predicted: list[float], width: int, height: int, *, glyphs: bool = False
) -> Text:
    """Cumulative actual and predicted purchases per week as two braille lines on one
    scale (0 at the bottom, the larger final value at the top), with a value axis on the
    left. ``glyphs`` (no colour) draws each series' glyph per cell instead, ◉ where both
    meet. Returns Text of ``height`` lines of at most ``width`` cells."""
    import numpy as np

    height = max(height, 2)
    top = max([*actual, *predicted, 1.0])
    axis = max(len(f"{top:,.0f}"), 1)
    plot = max(width - axis - 2, 4)
    masks = [np.zeros((height, plot), dtype=np.int64) for _ in range(2)]
    for mask, series in zip(masks, (actual, predicted), strict=True):
        if not series:
            continue
        # One point per braille dot column: the series read at that dot's week, joined by
        # linear interpolation so the line has no gaps between weeks.
        dots_x = np.arange(plot * 2)
        weeks = np.linspace(0, len(series) - 1, plot * 2) if len(series) > 1 else dots_x * 0.0
        values = np.interp(weeks, np.arange(len(series)), np.asarray(series, dtype=float))
        dots_y = np.clip(
            ((top - values) / top * (height * 4 - 1)).round().astype(int), 0, height * 4 - 1
        )
        np.bitwise_or.at(
            mask, (dots_y // 4, dots_x // 2), np.array(BRAILLE_BITS)[dots_x % 2, dots_y % 4]
        )
    text = Text(no_wrap=True, overflow="crop")
    for row in range(height):
        label = f"{top:,.0f}" if row == 0 else ("0" if row == height - 1 else "")
        text.append(label.rjust(axis) + " ┤" if label else " " * axis + " │")
        for col in range(plot):
            seen, guess = int(masks[0][row, col]), int(masks[1][row, col])
            if seen and guess:
                text.append(BOTH_GLYPH if glyphs else chr(0x2800 + (seen | guess)), style="bold")
            elif seen or guess:
                colour, glyph, _label = ACTUAL if seen else PREDICTED
                text.append(glyph if glyphs else chr(0x2800 + (seen or guess)), style=colour)
            else:
                text.append(" ")
        if row < height - 1:
            text.append("\n")
    return text


def tracking_legend() -> Text:
    """The holdout chart's legend: each series' glyph in its colour. Returns Text."""
    text = Text()
    for colour, glyph, label in (ACTUAL, PREDICTED):
        text.append(glyph, style=colour)
        text.append(f" {label}  ")
    text.append(f"{BOTH_GLYPH} both", style="bold")
    return text


class TrackingChart(Widget):
    """The holdout chart: cumulative actual vs predicted purchases, week by week."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.actual: list[float] = []
        self.predicted: list[float] = []

    def show(self, actual: list[float], predicted: list[float]) -> None:
        """Draw the two cumulative series (one value per week)."""
        self.actual, self.predicted = actual, predicted
        self.refresh()

    def render(self) -> Text:
        return tracking_chart(
            self.actual,
            self.predicted,
            self.size.width,
            self.size.height,
            glyphs=self.app.no_color,
        )

"""Terminal charts: segment-size bars and a braille PCA scatter coloured by segment."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.widget import Widget

from segtui.engine.clustering.projection import Projection
from segtui.engine.segments.profiles import SegmentProfile
from segtui.tui.palette import segment_colour, segment_glyph

BLOCKS = " ▏▎▍▌▋▊▉█"
# Braille dot bit for (column 0/1, row 0..3) inside one character cell.
BRAILLE_BITS = np.array([[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]])


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
    bits = BRAILLE_BITS[dots_x % 2, dots_y % 4]
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


class Scatter(Widget):
    """PCA scatter of customers in braille, coloured by segment."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.projection: Projection | None = None
        self.labels = np.zeros(0, dtype=int)

    def show(self, projection: Projection, labels: np.ndarray) -> None:
        """Draw ``projection`` with points coloured by ``labels``."""
        self.projection, self.labels = projection, labels
        self.refresh()

    def render(self) -> Text:
        if self.projection is None:
            return Text("waiting for a result…")
        return braille_scatter(
            self.projection,
            self.labels,
            self.size.width,
            self.size.height,
            glyphs=self.app.no_color,
        )

"""WCAG contrast of what the terminal shows: every character's foreground against its
background, as composed by Textual, in truecolour and downgraded to the 256- and
16-colour palettes a terminal would use (Rich's own downgrade and palettes).

Text (letters, digits) needs 4.5:1, markers (segment glyphs, chart bars, check marks)
3:1; borders, rules and scrollbars are decoration and are not measured."""

from __future__ import annotations

from dataclasses import dataclass

from rich.color import Color, ColorSystem, ColorType, blend_rgb
from rich.color_triplet import ColorTriplet

from segtui.tui.palette import NO_PURCHASES_GLYPH, SEGMENT_GLYPHS
from segtui.tui.widgets.toggles import ON

TEXT_RATIO = 4.5
MARKER_RATIO = 3.0
# Segment glyphs, chart bars (full blocks) and the sweep's marks. Half and eighth blocks
# are left out: Textual draws scrollbars and input borders with them.
MARKERS = set(SEGMENT_GLYPHS) | {NO_PURCHASES_GLYPH, "★", "◉", "█"}
DEPTHS = {
    "truecolor": None,
    "256": ColorSystem.EIGHT_BIT,
    "16": ColorSystem.STANDARD,
}


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def at_depth(color: Color, system: ColorSystem | None) -> tuple[int, int, int]:
    """``color`` as a terminal of ``system`` colours shows it (None: truecolour)."""
    if system is not None and color.type == ColorType.TRUECOLOR:
        color = color.downgrade(system)
    triplet: ColorTriplet = color.get_truecolor()
    return (triplet.red, triplet.green, triplet.blue)


def kind_of(char: str) -> str | None:
    """'text', 'marker' or None (decoration, not measured)."""
    if char.isalnum():
        return "text"
    if char in MARKERS or 0x2801 <= ord(char) <= 0x28FF:  # braille: the scatter's points
        return "marker"
    return None


@dataclass(frozen=True)
class Failure:
    depth: str
    kind: str
    ratio: float
    text: str
    row: int

    def __str__(self) -> str:
        return f"{self.depth}: {self.kind} {self.text!r} on row {self.row} at {self.ratio:.2f}:1"


def failures(app, where: str = "") -> list[Failure]:  # type: ignore[no-untyped-def]
    """Every character on screen below its contrast threshold, at every colour depth."""
    found: dict[tuple[str, str, str, str], Failure] = {}
    screen = app.screen
    # Behind a dialog the view is dimmed on purpose (a backdrop, not for reading): only
    # the dialog's own widgets (its box and its footer) are measured.
    regions = [child.region for child in screen.children] if screen.is_modal else None
    strips = screen._compositor.render_strips()
    for row, strip in enumerate(strips):
        x = 0
        for segment in strip:
            left, x = x, x + segment.cell_length
            style = segment.style
            if style is None or not segment.text.strip():
                continue
            if regions is not None and not any(
                r.contains(left, row) and r.contains(x - 1, row) for r in regions
            ):
                continue
            text = segment.text.strip()
            # A checkbox's state glyph (x) marks; it is not read as a word.
            kinds = {"marker"} if text == ON else {kind_of(c) for c in text} - {None}
            if not kinds:
                continue
            kind = "text" if "text" in kinds else "marker"
            fg, bg = style.color, style.bgcolor
            if fg is None or bg is None:
                continue
            if style.reverse:
                fg, bg = bg, fg
            if style.dim:  # a terminal draws dim text about halfway to the background
                fg = Color.from_triplet(blend_rgb(fg.get_truecolor(), bg.get_truecolor(), 0.5))
            need = TEXT_RATIO if kind == "text" else MARKER_RATIO
            for depth, system in DEPTHS.items():
                value = ratio(at_depth(fg, system), at_depth(bg, system))
                if value < need:
                    key = (depth, kind, str(fg), str(bg))
                    if key not in found:
                        found[key] = Failure(depth, kind, value, where + segment.text.strip(), row)
    return list(found.values())

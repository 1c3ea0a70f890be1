"""Segment colours and glyphs: named ANSI colours so they stay distinct on 16-colour
terminals, and a glyph per segment so charts stay readable without colour (NO_COLOR)."""

from __future__ import annotations

SEGMENT_COLOURS = (
    "bright_cyan",
    "bright_magenta",
    "bright_yellow",
    "bright_green",
    "bright_red",
    "bright_blue",
    "cyan",
    "magenta",
    "yellow",
    "green",
    "red",
    "blue",
)
NO_PURCHASES_COLOUR = "bright_black"


def segment_colour(segment: int) -> str:
    """The colour of segment ``segment`` (-1, customers without purchases, is grey)."""
    if segment < 0:
        return NO_PURCHASES_COLOUR
    return SEGMENT_COLOURS[segment % len(SEGMENT_COLOURS)]


# One shape per segment (cycled like the colours); -1, no purchases, is a dot.
SEGMENT_GLYPHS = ("●", "▲", "■", "◆", "✚", "✱", "○", "△", "□", "◇", "+", "*")
NO_PURCHASES_GLYPH = "·"


def segment_glyph(segment: int) -> str:
    """The glyph of segment ``segment`` in charts and legends."""
    if segment < 0:
        return NO_PURCHASES_GLYPH
    return SEGMENT_GLYPHS[segment % len(SEGMENT_GLYPHS)]

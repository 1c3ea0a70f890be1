"""Segment colours: named ANSI colours so they stay distinct on 16-colour terminals."""

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

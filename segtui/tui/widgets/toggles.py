"""Checkboxes whose state is in the glyph, not only in its colour.

Textual draws a checkbox as ``▐X▌`` on and off alike and tells them apart by colour, so
without colour (NO_COLOR, a monochrome terminal, a screen reader's text) the state is
lost. Here the inner glyph is ``x`` when on and a space when off; under NO_COLOR the
sides become brackets, so a checkbox reads ``[x]`` or ``[ ]``.
"""

from __future__ import annotations

import os

from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList

ON, OFF = "x", " "


def no_color() -> bool:
    """True when the NO_COLOR convention asks for no colour (any non-empty value)."""
    return bool(os.environ.get("NO_COLOR"))


def sides() -> tuple[str, str]:
    """The characters either side of the state glyph: brackets without colour."""
    return ("[", "]") if no_color() else ("▐", "▌")


class StateCheckbox(Checkbox):
    """A Checkbox that shows ``x`` when ticked and a blank when not."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.BUTTON_LEFT, self.BUTTON_RIGHT = sides()

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = ON if self.value else OFF
        return super()._button


class StateSelectionList(SelectionList[str]):
    """A SelectionList whose options show ``x`` when selected and a blank when not."""

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        segments = list(line)
        index = int(self.scroll_offset.y) + y
        if len(segments) < 4 or index >= self.option_count:
            return line
        selected = self.get_option_at_index(index).value in self._selected
        left, right = sides()
        glyphs = (left, ON if selected else OFF, right)
        for position, glyph in enumerate(glyphs):
            segments[position] = Segment(glyph, segments[position].style)
        return Strip(segments, line.cell_length)

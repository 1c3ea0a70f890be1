"""A virtual table over a Polars DataFrame: only the rows on screen are rendered.

Built on Textual's Line API (``ScrollView.render_line``): the frame can hold a million
rows and the widget still formats about one screenful per refresh, fetched a page at a
time. Sorting re-orders the frame in Polars, never in Python.
"""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

PAGE_ROWS = 256
MAX_WIDTH = 28
GAP = 2


def format_cell(value: Any) -> str:
    """Text of one cell: floats with two decimals and thousands separators."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "–" if value != value else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


class FrameTable(ScrollView, can_focus=True):
    """Scrollable, sortable view of a DataFrame with a row and a column cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # vim/VisiData movement beside the arrows: j/k rows, h/l columns, g/G first/last row.
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "jump(0)", "First row", show=False),
        Binding("end,G", "jump(-1)", "Last row", show=False),
        Binding("left,h", "column(-1)", "Column left", show=False),
        Binding("right,l", "column(1)", "Column right", show=False),
        Binding("o", "sort", "Sort"),
        Binding("n", "next_match(1)", "Next match", show=False),
        Binding("N", "next_match(-1)", "Previous match", show=False),
        Binding("enter", "choose", "Open", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "frame-table--header",
        "frame-table--cursor",
        "frame-table--sorted",
    }

    cursor_row: reactive[int] = reactive(0)
    cursor_column: reactive[int] = reactive(0)

    class RowChosen(Message):
        """Enter (or a double click) on a row: ``values`` maps column name to value."""

        def __init__(self, table: FrameTable, values: dict[str, Any]) -> None:
            super().__init__()
            self.table = table
            self.values = values

        @property
        def control(self) -> FrameTable:
            return self.table

    class Sorted(Message):
        """The user asked to sort by ``column``."""

        def __init__(self, table: FrameTable, column: str, descending: bool) -> None:
            super().__init__()
            self.table = table
            self.column = column
            self.descending = descending

        @property
        def control(self) -> FrameTable:
            return self.table

    def __init__(
        self, *, sort_in_place: bool = True, fixed_columns: int = 0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        # The first ``fixed_columns`` (the id) stay put while the rest scroll sideways.
        self.fixed_columns = fixed_columns
        self.frame = pl.DataFrame()
        self.columns: list[str] = []
        self.widths: list[int] = []
        self.sort_column: str | None = None
        self.sort_descending = False
        self.sort_in_place = sort_in_place
        # The text n/N look for (set by the view's / search); matched over the whole frame.
        self.find_text = ""
        self._pages: dict[int, list[tuple[str, ...]]] = {}

    # -- data -----------------------------------------------------------------------
    def set_frame(self, frame: pl.DataFrame, *, keep_cursor: bool = False) -> None:
        """Show ``frame`` (the widget keeps a reference, no copy)."""
        self.frame = frame
        self.columns = list(frame.columns)
        self._pages.clear()
        self.widths = self._measure()
        self.virtual_size = Size(sum(self.widths) + GAP * len(self.widths), frame.height + 1)
        if not keep_cursor:
            # Back to the first row, but the column under the cursor stays in view.
            self.cursor_row = 0
            self.scroll_to(y=0, animate=False)
        self.cursor_row = min(self.cursor_row, max(frame.height - 1, 0))
        self.cursor_column = min(self.cursor_column, max(len(self.columns) - 1, 0))
        self.refresh()

    def _measure(self) -> list[int]:
        sample = self.frame.head(200).rows()
        widths = []
        for i, name in enumerate(self.columns):
            longest = max((len(format_cell(row[i])) for row in sample), default=0)
            widths.append(min(max(len(name) + 2, longest), MAX_WIDTH))
        return widths

    def _row(self, index: int) -> tuple[str, ...]:
        page_no = index // PAGE_ROWS
        page = self._pages.get(page_no)
        if page is None:
            if len(self._pages) > 64:
                self._pages.clear()
            rows = self.frame.slice(page_no * PAGE_ROWS, PAGE_ROWS).rows()
            page = [tuple(format_cell(v) for v in row) for row in rows]
            self._pages[page_no] = page
        return page[index - page_no * PAGE_ROWS]

    def row_values(self, index: int) -> dict[str, Any]:
        """The raw values of row ``index`` as a column -> value mapping."""
        return dict(zip(self.columns, self.frame.row(index), strict=True))

    @property
    def row_count(self) -> int:
        return self.frame.height

    # -- rendering --------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            header = self.get_component_rich_style("frame-table--header")
            labels = []
            for name in self.columns:
                mark = ""
                if name == self.sort_column:
                    mark = " ▼" if self.sort_descending else " ▲"
                labels.append(name + mark)
            strip = self._strip(labels, header, -1)
        else:
            index = scroll_y + y - 1
            if index >= self.frame.height:
                return Strip.blank(width, self.rich_style)
            style = (
                self.get_component_rich_style("frame-table--cursor")
                if index == self.cursor_row and self.has_focus
                else self.rich_style
            )
            strip = self._strip(list(self._row(index)), style, index)
        fixed = min(self._fixed_width(), width)
        if not fixed:
            return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, self.rich_style)
        start = fixed + scroll_x
        moving = strip.crop(start, start + width - fixed)
        return Strip.join([strip.crop(0, fixed), moving]).extend_cell_length(width, self.rich_style)

    def _fixed_width(self) -> int:
        count = min(self.fixed_columns, len(self.widths))
        return sum(self.widths[:count]) + GAP * count

    def _strip(self, cells: list[str], style: Style, index: int) -> Strip:
        segments = []
        cursor = index == self.cursor_row
        sorted_style = self.get_component_rich_style("frame-table--sorted")
        for col, (text, width) in enumerate(zip(cells, self.widths, strict=False)):
            text = text if len(text) <= width else text[: width - 1] + "…"
            numeric = self.frame.schema[self.columns[col]].is_numeric() if index >= 0 else False
            padded = text.rjust(width) if numeric else text.ljust(width)
            cell_style = style
            if cursor and col == self.cursor_column and self.has_focus:
                cell_style = style + Style(reverse=True)
            elif index == -1 and self.columns[col] == self.sort_column:
                cell_style = style + sorted_style
            segments.append(Segment(padded, cell_style))
            segments.append(Segment(" " * GAP, style))
        return Strip(segments)

    # -- cursor -----------------------------------------------------------------------
    def watch_cursor_row(self, _old: int, row: int) -> None:
        visible = max(self.scrollable_content_region.height - 1, 1)
        top = int(self.scroll_offset.y)
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + visible:
            self.scroll_to(y=row - visible + 1, animate=False)
        self.refresh()

    def watch_cursor_column(self, _old: int, column: int) -> None:
        if not self.widths or column >= len(self.widths):
            return
        fixed = min(self.fixed_columns, len(self.widths))
        if column < fixed:
            self.refresh()
            return
        # Positions within the scrolling part (right of the frozen columns).
        left = sum(self.widths[fixed:column]) + GAP * (column - fixed)
        right = left + self.widths[column]
        visible = max(self.scrollable_content_region.width - self._fixed_width(), 1)
        if left < self.scroll_offset.x:
            self.scroll_to(x=left, animate=False)
        elif right > self.scroll_offset.x + visible:
            self.scroll_to(x=right - visible, animate=False)
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        if self.frame.height:
            self.cursor_row = max(0, min(self.frame.height - 1, self.cursor_row + delta))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(self.scrollable_content_region.height - 2, 1))

    def action_jump(self, where: int) -> None:
        if self.frame.height:
            self.cursor_row = 0 if where == 0 else self.frame.height - 1

    def action_column(self, delta: int) -> None:
        if self.columns:
            self.cursor_column = max(0, min(len(self.columns) - 1, self.cursor_column + delta))

    def action_sort(self) -> None:
        """Sort by the cursor column; again on the same column reverses the order."""
        if not self.columns:
            return
        column = self.columns[self.cursor_column]
        descending = not self.sort_descending if column == self.sort_column else False
        self.sort_column, self.sort_descending = column, descending
        if self.sort_in_place:
            self.set_frame(
                self.frame.sort(column, descending=descending, nulls_last=True, maintain_order=True)
            )
        self.post_message(self.Sorted(self, column, descending))

    def find(self, text: str) -> None:
        """Remember ``text`` for n/N and move to its first match at or after the cursor."""
        self.find_text = text
        if text.strip():
            self._go_to_match(self.cursor_row - 1, 1)

    def action_next_match(self, direction: int) -> None:
        """Move to the next (1) or previous (-1) row containing the search text."""
        if not self.find_text.strip():
            self.notify("nothing to find: press / and type first", severity="warning")
            return
        self._go_to_match(self.cursor_row, direction)

    def _go_to_match(self, after: int, direction: int) -> None:
        from segtui.engine.lookup import next_match

        row = next_match(self.frame, self.find_text, after, direction)
        if row is None:
            self.notify(f"no row contains “{self.find_text.strip()}”", severity="warning")
            return
        self.cursor_row = row

    def action_choose(self) -> None:
        if self.frame.height:
            self.post_message(self.RowChosen(self, self.row_values(self.cursor_row)))

    def on_click(self, event: events.Click) -> None:
        scroll_x, scroll_y = self.scroll_offset
        x = event.x if event.x < self._fixed_width() else event.x + scroll_x
        edge = 0
        for col, width in enumerate(self.widths):
            edge += width + GAP
            if x < edge:
                self.cursor_column = col
                break
        if event.y == 0:
            self.action_sort()
            return
        index = scroll_y + event.y - 1
        if 0 <= index < self.frame.height:
            self.cursor_row = index
            if event.chain >= 2:
                self.action_choose()

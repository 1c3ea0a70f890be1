"""A virtual table over a Polars DataFrame: only the rows on screen are rendered.

Built on Textual's Line API (``ScrollView.render_line``): the frame can hold a million
rows and the widget still formats about one screenful per refresh, fetched a page at a
time. Sorting re-orders the frame in Polars, never in Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from segtui.tui.widgets.table_layout import (
    GAP,
    MAX_WIDTH,
    column_widths,
    fit_number,
    fit_text,
    format_cell,
    is_number,
)

if TYPE_CHECKING:
    import polars as pl

__all__ = ["FrameTable", "format_cell"]

PAGE_ROWS = 256


class FrameSlot:
    """A widget's DataFrame attribute: an empty frame until one is set, made when first
    read, so that building the widget (before the first frame is painted) imports no
    Polars."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, widget: object, owner: type | None = None) -> pl.DataFrame:
        frame = getattr(widget, self.slot, None)
        if frame is None:
            import polars as pl

            frame = pl.DataFrame()
            setattr(widget, self.slot, frame)
        return frame

    def __set__(self, widget: object, frame: pl.DataFrame) -> None:
        setattr(widget, self.slot, frame)


class FrameTable(ScrollView, can_focus=True):
    """Scrollable, sortable view of a DataFrame with a row and a column cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # vim/VisiData movement beside the arrows: j/k rows, h/l columns, g/G first/last
        # row, ctrl+f/ctrl+b pages, 0/$ first/last column.
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False),
        Binding("home,g", "jump(0)", "First row", show=False),
        Binding("end,G", "jump(-1)", "Last row", show=False),
        Binding("left,h", "column(-1)", "Column left", show=False),
        Binding("right,l", "column(1)", "Column right", show=False),
        Binding("0", "edge_column(0)", "First column", show=False),
        Binding("dollar_sign", "edge_column(-1)", "Last column", show=False),
        Binding("o", "sort", "Sort"),
        Binding("left_square_bracket", "sort_by(False)", "Sort ascending", show=False),
        Binding("right_square_bracket", "sort_by(True)", "Sort descending", show=False),
        Binding("n", "next_match(1)", "Next match", show=False),
        Binding("N", "next_match(-1)", "Previous match", show=False),
        Binding("enter", "choose", "Open", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "frame-table--header",
        "frame-table--cursor",
        "frame-table--sorted",
        "frame-table--match",
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
        self,
        *,
        sort_in_place: bool = True,
        fixed_columns: int = 0,
        text_width: int = MAX_WIDTH,
        pinned_rows: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # The last ``pinned_rows`` (a total, "all") stay last whatever the sort.
        self.pinned_rows = pinned_rows
        # Text wider than this ends in "…" (numbers are never cut: their columns widen).
        self.text_width = text_width
        # The first ``fixed_columns`` (the id) stay put while the rest scroll sideways.
        self.fixed_columns = fixed_columns
        self.columns: list[str] = []
        self.widths: list[int] = []
        self.sort_column: str | None = None
        self.sort_descending = False
        self.sort_in_place = sort_in_place
        # The text n/N look for (set by the view's / search); matched over the whole frame.
        self.find_text = ""
        self._pages: dict[int, list[tuple[str, ...]]] = {}

    # -- data -----------------------------------------------------------------------
    frame = FrameSlot()  # the frame shown; empty until ``set_frame``

    def set_frame(self, frame: pl.DataFrame, *, keep_cursor: bool = False) -> None:
        """Show ``frame`` (the widget keeps a reference, no copy)."""
        self.frame = frame
        self.columns = list(frame.columns)
        self._numeric = [is_number(dtype) for dtype in frame.schema.values()]
        self._pages.clear()
        self.widths = column_widths(frame, self.text_width)
        self._update_virtual_size()
        if not keep_cursor:
            # Back to the first row, but the column under the cursor stays in view.
            self.cursor_row = 0
            self.scroll_to(y=0, animate=False)
        self.cursor_row = min(self.cursor_row, max(frame.height - 1, 0))
        self.cursor_column = min(self.cursor_column, max(len(self.columns) - 1, 0))
        self.refresh()

    def _update_virtual_size(self) -> None:
        """Width: every column start is a reachable scroll position (sideways scrolling
        moves whole columns, so the last column can come to the left edge)."""
        total = sum(self.widths) + GAP * len(self.widths)
        visible = self.scrollable_content_region.width
        starts = self._starts()
        if visible and total > visible and starts:
            total = max(total, starts[-1] + visible)
        self.virtual_size = Size(total, self.frame.height + 1)

    def on_resize(self) -> None:
        self._update_virtual_size()
        self._show_cursor_column()

    def _fixed_count(self) -> int:
        return min(self.fixed_columns, len(self.widths))

    def _starts(self) -> list[int]:
        """x of each scrolling column (right of the frozen ones) within the scrolling part."""
        starts, x = [], 0
        for width in self.widths[self._fixed_count() :]:
            starts.append(x)
            x += width + GAP
        return starts

    def first_scrolled_column(self) -> int:
        """The column shown first right of the frozen ones: the first whose start is at
        or right of the scroll position, so no column is ever shown without its left."""
        fixed = self._fixed_count()
        starts = self._starts()
        scroll_x = round(self.scroll_offset.x)
        for i, start in enumerate(starts):
            if start >= scroll_x:
                return fixed + i
        return fixed + max(len(starts) - 1, 0)

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
    def visible_columns(self) -> list[tuple[int, int]]:
        """(column, cells shown) left to right: the frozen columns, then whole columns
        from ``first_scrolled_column``; the last may be cut by the edge (then fewer cells)."""
        room = self.scrollable_content_region.width or self.size.width
        shown = []
        fixed = self._fixed_count()
        for col in [*range(fixed), *range(self.first_scrolled_column(), len(self.widths))]:
            if room <= 0:
                break
            cells = min(self.widths[col], room)
            shown.append((col, cells))
            room -= cells + GAP
        return shown

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            labels = []
            for name in self.columns:
                mark = ""
                if name == self.sort_column:
                    mark = " ▼" if self.sort_descending else " ▲"
                labels.append(name + mark)
            header = self.get_component_rich_style("frame-table--header")
            return self._strip(labels, header, -1).extend_cell_length(width, header)
        index = int(self.scroll_offset.y) + y - 1
        if index >= self.frame.height:
            return Strip.blank(width, self.rich_style)
        style = (
            self.get_component_rich_style("frame-table--cursor")
            if index == self.cursor_row and self.has_focus
            else self.rich_style
        )
        strip = self._strip(list(self._row(index)), style, index)
        return strip.extend_cell_length(width, self.rich_style)

    def _strip(self, cells: list[str], style: Style, index: int) -> Strip:
        """One line: the visible columns, each value fitted by the table_layout rules."""
        segments = []
        cursor = index == self.cursor_row and self.has_focus
        needle = self.find_text.strip().lower()
        for col, room in self.visible_columns():
            text = cells[col]
            full = self.widths[col]
            if index >= 0 and self._numeric[col]:
                shown = fit_number(text, room)
            else:
                shown = fit_text(text if len(text) <= full else fit_text(text, full), room)
            cell_style = style
            if cursor and col == self.cursor_column:
                cell_style = style + Style(reverse=True)
            elif index == -1 and self.columns[col] == self.sort_column:
                cell_style = style + self.get_component_rich_style("frame-table--sorted")
            elif index >= 0 and needle and not self._numeric[col] and needle in text.lower():
                cell_style = style + self.get_component_rich_style("frame-table--match")
            segments.append(Segment(shown, cell_style))
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

    def watch_cursor_column(self, _old: int, _column: int) -> None:
        self._show_cursor_column()

    def _show_cursor_column(self) -> None:
        """Scroll sideways by whole columns so the cursor's column is shown in full."""
        column = self.cursor_column
        fixed = self._fixed_count()
        if not self.widths or column >= len(self.widths):
            self.refresh()
            return
        if column < fixed:  # on the frozen id: the columns beside it from the first
            self.scroll_to(x=0, animate=False, immediate=True)
            self.refresh()
            return
        starts = self._starts()
        fixed_width = sum(self.widths[:fixed]) + GAP * fixed
        visible = max(self.scrollable_content_region.width - fixed_width, 1)
        first = self.first_scrolled_column()
        if column < first:
            first = column
        # Move the first column right until the cursor's column ends inside the screen.
        while (
            first < column
            and starts[column - fixed] + self.widths[column] - starts[first - fixed] > visible
        ):
            first += 1
        if self.scrollable_content_region.width:
            self._update_virtual_size()
        self.scroll_to(x=starts[first - fixed], animate=False, immediate=True)
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

    def action_edge_column(self, where: int) -> None:
        """Put the cursor on the first (0) or last (-1) column."""
        if self.columns:
            self.cursor_column = 0 if where == 0 else len(self.columns) - 1

    def action_sort(self) -> None:
        """Sort by the cursor column; again on the same column reverses the order."""
        if not self.columns:
            return
        column = self.columns[self.cursor_column]
        self.action_sort_by(not self.sort_descending if column == self.sort_column else False)

    def action_sort_by(self, descending: bool) -> None:
        """Sort by the cursor column, ascending or ``descending``."""
        if not self.columns:
            return
        column = self.columns[self.cursor_column]
        self.sort_column, self.sort_descending = column, descending
        if self.sort_in_place:
            body = self.frame.head(max(self.frame.height - self.pinned_rows, 0))
            ordered = body.sort(column, descending=descending, nulls_last=True, maintain_order=True)
            self.set_frame(ordered.vstack(self.frame.tail(self.frame.height - body.height)))
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
        from segtui.engine import next_match

        row = next_match(self.frame, self.find_text, after, direction)
        if row is None:
            self.notify(f"no row contains “{self.find_text.strip()}”", severity="warning")
            return
        self.cursor_row = row

    def action_choose(self) -> None:
        if self.frame.height:
            self.post_message(self.RowChosen(self, self.row_values(self.cursor_row)))

    def on_click(self, event: events.Click) -> None:
        x = 0
        for col, cells in self.visible_columns():
            if event.x < x + cells + GAP:
                self.cursor_column = col
                break
            x += cells + GAP
        if event.y == 0:
            self.action_sort()
            return
        index = int(self.scroll_offset.y) + event.y - 1
        if 0 <= index < self.frame.height:
            self.cursor_row = index
            if event.chain >= 2:
                self.action_choose()

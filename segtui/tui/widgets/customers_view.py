"""The Customers view: virtual table of the segments frame, filter, search, drill-down."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Input, Static

from segtui.tui.jobs import JobDone, JobFailed, run_job
from segtui.tui.widgets.frame_table import FrameSlot, FrameTable

if TYPE_CHECKING:
    import polars as pl


# Above this many customers the search runs on Enter instead of on every keystroke.
LIVE_SEARCH_ROWS = 200_000
# Shown first, whatever order the segments file has.
LEADING_COLUMNS = ("CustomerID", "CustomerName", "segment", "segment_name")
# Above this many customers sorting and filtering run in a worker thread.
BACKGROUND_ROWS = 100_000


@dataclass(frozen=True)
class BrowseOptions:
    """One filter/sort request for the customers table."""

    segment: int | None
    text: str
    sort_by: str | None
    descending: bool

    def apply(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The rows of ``frame`` this request selects, in its order."""
        from segtui.engine import browse

        return browse(
            frame,
            segment=self.segment,
            text=self.text,
            sort_by=self.sort_by,
            descending=self.descending,
        )


class CustomersView(Vertical):
    """Customers with their segment; ``segment`` filters, the search box matches text."""

    frame = FrameSlot()  # the segments frame browsed; empty until ``show``

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search"),
        Binding("f", "next_segment", "Filter segment"),
        # L, not l: l is vim's "right" (a column) in the table below.
        Binding("L", "app.lookalikes", "Lookalikes"),
    ]

    segment: reactive[int | None] = reactive(None, init=False)
    search: reactive[str] = reactive("", init=False)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.names: dict[int, str] = {}
        self.sort_by: str | None = None
        self.descending = False
        self.pending = False
        self._request = 0
        self._jump: str | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        # One line for where you are and how many rows; the search box takes a line only
        # while it is in use (/ opens it), so 80x24 shows more customers.
        with Horizontal(id="customer-tools"):
            yield Static(id="breadcrumb")
            yield Static(id="showing")
        yield Input(placeholder="/ search id, name, region…", id="search")
        yield FrameTable(id="customer-table", sort_in_place=False, fixed_columns=1)

    def show(self, frame: pl.DataFrame, names: dict[int, str]) -> None:
        """Browse ``frame`` (the segments frame); ``names`` maps segment id to name.
        The id, name and segment come first, so they show at 80 columns."""
        from segtui.engine import UNCLUSTERED_NAMES

        first = [c for c in LEADING_COLUMNS if c in frame.columns]
        self.frame = frame.select(*first, *[c for c in frame.columns if c not in first])
        self.names = dict(names)
        for segment, name in UNCLUSTERED_NAMES.items():
            if frame.height and (frame["segment"] == segment).any():
                self.names[segment] = name
        if self.segment is not None and self.segment not in self.names:
            self.segment = None
        self.refilter()

    def refilter(self, keep_cursor: bool = False) -> None:
        """Apply segment, search and sort to the frame and redraw (large frames: in a
        worker, so keys stay answered while Polars sorts a million rows)."""
        self._request += 1
        options = BrowseOptions(self.segment, self.search, self.sort_by, self.descending)
        table = self.query_one(FrameTable)
        table.sort_column, table.sort_descending = self.sort_by, self.descending
        if self.frame.height > BACKGROUND_ROWS:
            self.pending = True
            self.query_one("#showing", Static).update("sorting/filtering…")
            self._browse(self._request, options, keep_cursor)
        else:
            self._show_view(self._request, options.apply(self.frame), keep_cursor)

    def _browse(self, request: int, options: BrowseOptions, keep_cursor: bool) -> None:
        """Filter and sort off the UI thread (group "browse"); the view arrives as a job
        message tagged with ``request``."""
        frame = self.frame
        run_job(self, "browse", lambda _: (options.apply(frame), keep_cursor), token=request)

    def on_job_done(self, event: JobDone) -> None:
        view, keep_cursor = event.value
        self._show_view(event.token, view, keep_cursor)

    def on_job_failed(self, event: JobFailed) -> None:
        if event.token == self._request:
            self.pending = False
        self.notify(event.message, severity="error")

    def _show_view(self, request: object, view: pl.DataFrame, keep_cursor: bool) -> None:
        if request != self._request:
            return  # a newer filter or sort superseded this one
        self.pending = False
        table = self.query_one(FrameTable)
        table.set_frame(view, keep_cursor=keep_cursor)
        table.find_text = self.search
        self._apply_jump(table, view)
        self._show_position()
        crumbs = ["Segments"]
        if self.segment is not None:
            crumbs.append(f"{self.segment} {self.names.get(self.segment, '')}")
        else:
            crumbs.append("all customers")
        if self.search.strip():
            crumbs.append(f"“{self.search.strip()}”")
        self.query_one("#breadcrumb", Static).update(" › ".join(crumbs))

    def on_mount(self) -> None:
        self._show_search_box()
        # The cursor's row number beside the count: j/k/g/G and n/N say where they landed
        # even where the highlight is not visible (a screen reader, a text capture).
        self.watch(self.query_one(FrameTable), "cursor_row", self._show_position, init=False)

    def _show_position(self) -> None:
        table = self.query_one(FrameTable)
        row = f"row {table.cursor_row + 1:,} · " if table.row_count else ""
        self.query_one("#showing", Static).update(
            f"{row}showing {table.row_count:,} of {self.frame.height:,}"
        )

    def current_view(self) -> pl.DataFrame | None:
        """The rows the table shows (filter, search, sort applied), or None when they
        are all customers in file order (nothing to offer beyond "all customers")."""
        if self.segment is None and not self.search.strip() and self.sort_by is None:
            return None
        if self.pending:
            return None
        return self.query_one(FrameTable).frame

    def jump_to(self, customer_id: str) -> None:
        """Clear the search and segment filter and put the cursor on ``customer_id``."""
        self._jump = customer_id
        search = self.query_one("#search", Input)
        search.value = ""
        search.display = False
        # Set both filters without their watchers so exactly one refilter applies the jump.
        self.set_reactive(CustomersView.search, "")
        self.set_reactive(CustomersView.segment, None)
        self.refilter()

    def _apply_jump(self, table: FrameTable, view: pl.DataFrame) -> None:
        import polars as pl

        if self._jump is None or "CustomerID" not in view.columns:
            return
        hits = view.with_row_index("row").filter(pl.col("CustomerID") == self._jump)
        self._jump = None
        if hits.height:
            table.cursor_row = int(hits["row"][0])
        table.focus()

    def watch_segment(self) -> None:
        self.refilter()

    def watch_search(self) -> None:
        self.refilter()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.frame.height <= LIVE_SEARCH_ROWS or not event.value:
            self.search = event.value

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.search = event.value
        self.query_one(FrameTable).focus()

    def on_frame_table_sorted(self, event: FrameTable.Sorted) -> None:
        event.stop()
        self.sort_by, self.descending = event.column, event.descending
        self.refilter()

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.display = True
        self.call_after_refresh(box.focus)  # a widget just shown takes focus once laid out

    def _show_search_box(self) -> None:
        """The search box shows while it has focus or text (the filter in force)."""
        box = self.query_one("#search", Input)
        box.display = box.has_focus or bool(box.value)

    def on_descendant_blur(self) -> None:
        self._show_search_box()

    def action_next_segment(self) -> None:
        """Cycle the segment filter: all, 0, 1, …, -1 (no purchases), -2 (net returners),
        all."""
        from segtui.engine import UNCLUSTERED_NAMES

        order: list[int | None] = [None, *sorted(i for i in self.names if i >= 0)]
        order += [i for i in UNCLUSTERED_NAMES if i in self.names]
        position = order.index(self.segment) if self.segment in order else 0
        self.segment = order[(position + 1) % len(order)]

    def back(self) -> bool:
        """Undo one level (search, then segment filter). Returns False at the top."""
        search = self.query_one("#search", Input)
        if search.value or search.has_focus:
            # esc in the search box (even an empty one) leaves the box, not the view.
            search.value = ""
            self.query_one(FrameTable).focus()
            search.display = False
            return True
        if self.segment is not None:
            self.segment = None
            return False
        return False

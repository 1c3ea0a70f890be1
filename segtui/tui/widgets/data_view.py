"""The Data view: row counts, data quality, warnings, and the raw tables (paged).

Search and sort act on every row of the table (a Polars query over the whole lazy frame,
in a worker), never on the rows loaded for display: the view shows the first rows of the
answer. The search is the Customers view's: ``segtui.engine.text_match``, the one rule for
"a row contains this text", and n/N step through the rows it matched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from segtui.tui.jobs import JobDone, JobFailed, Report, run_job
from segtui.tui.session import raw_heads
from segtui.tui.widgets.frame_table import FrameTable

if TYPE_CHECKING:
    import polars as pl

    from segtui.engine import Tables

TABLES = ("customers", "products", "transactions")
# Rows a table view holds: the whole table up to this many (the Online Retail log's
# 541,909 lines fit), so G reaches its last row. The table renders only what is on
# screen; the title says when a table has more rows than this.
BROWSE_ROWS = 2_000_000


def quality_text(
    counts: dict[str, int] | None, quality: dict[str, Any], warnings: list[str]
) -> Text:
    """Row counts (None: still being counted), the data-quality figures and warnings as
    Text (the table's title says how many of its rows are shown)."""
    text = Text()
    text.append("Rows: ", style="bold")
    if counts is None:
        text.append("counting…\n")
    else:
        text.append(" · ".join(f"{kind} {n:,}" for kind, n in counts.items()) + "\n")
    text.append("Quality: ", style="bold")
    text.append(
        " · ".join(
            f"{key.replace('_', ' ')} {value:,}"
            for key, value in quality.items()
            if isinstance(value, int)
        )
        + "\n"
    )
    definition = quality.get("purchase_definition") or {}
    if definition.get("text"):  # what frequency and order value count
        text.append("Purchases: ", style="bold")
        text.append(str(definition["text"]) + "\n")
    for line in warnings:
        text.append(f"⚠ {line}\n", style="bold")
    text.append(
        "t next table · / finds in all rows, n/N next/previous · o sorts all rows",
        style="italic",
    )
    return text


@dataclass(frozen=True)
class TableQuery:
    """What the raw table shows: rows containing ``text`` (all when blank), sorted by
    ``sort_by`` (file order when None)."""

    text: str = ""
    sort_by: str | None = None
    descending: bool = False

    @property
    def is_plain(self) -> bool:
        """True when the query is the table as read (no search, no sort)."""
        return not self.text.strip() and self.sort_by is None

    def describe(self, matched: int | None) -> str:
        """ " · 42 rows contain “asia” · all rows sorted by X, descending" for the title."""
        parts = []
        if self.text.strip() and matched is not None:
            parts.append(f"{matched:,} rows contain “{self.text.strip()}”")
        if self.sort_by is not None:
            order = "descending" if self.descending else "ascending"
            parts.append(f"all rows sorted by {self.sort_by}, {order}")
        return "".join(f" · {part}" for part in parts)


class DataView(Vertical):
    """Raw input tables and what the engine found wrong with them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "next_table", "Next table"),
        Binding("slash", "search", "Find in table"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        # The first rows of each table as read; a query's answer never replaces them.
        self.heads: dict[str, pl.DataFrame] = {}
        self.counts: dict[str, int] = {}
        self.quality: dict[str, Any] = {}
        self.warnings: list[str] = []
        self.current = "customers"
        self.tables: Tables | None = None
        self.table_query = TableQuery()
        self._title = ""
        self._request = 0

    def compose(self):  # type: ignore[no-untyped-def]
        # Many warnings must not push the table off an 80x24 screen: the figures scroll
        # in a box of at most half the view (tab focuses it, arrows scroll).
        with VerticalScroll(id="quality-box"):
            yield Static(id="quality")
        yield Static(id="table-title")
        yield Input(placeholder="find in all rows (enter, then n/N)", id="data-search")
        # Sorting and search are done here, over the whole table, not on the rows loaded.
        yield FrameTable(id="raw-table", fixed_columns=1, sort_in_place=False)

    def on_mount(self) -> None:
        self.query_one("#data-search", Input).display = False
        self.watch(
            self.query_one("#raw-table", FrameTable), "cursor_row", self._show_title, init=False
        )

    def action_search(self) -> None:
        """Open the find box; enter keeps the rows (of all rows) containing the text,
        n/N step through them."""
        box = self.query_one("#data-search", Input)
        box.display = True
        self.call_after_refresh(box.focus)  # a widget just shown takes focus once laid out

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#raw-table", FrameTable).focus()
        self.table_query = replace(self.table_query, text=event.value)
        self._refresh_table()

    def back(self) -> bool:
        """Clear the search (esc). Returns False when there was none."""
        box = self.query_one("#data-search", Input)
        if not self.table_query.text and not box.value:
            if not box.display:
                return False
            box.display = False  # an empty find box closes, the view stays
            self.query_one("#raw-table", FrameTable).focus()
            return True
        box.value = ""
        box.display = False
        self.table_query = replace(self.table_query, text="")
        self.query_one("#raw-table", FrameTable).focus()
        self._refresh_table()
        return True

    def show(
        self,
        quality: dict[str, Any],
        warnings: list[str],
        tables: Tables | None,
    ) -> None:
        """Show the quality summary and warnings of a result over ``tables`` (the source
        as read). Tables read anew have their row counts and first rows read here, in
        the view's own job, after the result is on screen; a search or sort already
        applied is then applied again to them (over all rows, not the head)."""
        import polars as pl  # loaded by the job that made the result

        self.quality, self.warnings = quality, warnings
        if tables is not self.tables or tables is None:
            self.tables = tables
            self.heads, self.counts = {}, {}
            self._request += 1  # an answer about the tables before belongs to them
            self._show_frame(pl.DataFrame(), None)
            self._title = "reading the first rows…"
            self._show_title()
            if tables is not None:
                run_job(self, "data-heads", lambda _: raw_heads(tables), token=tables)
        self._show_quality()

    def _show_quality(self) -> None:
        self.query_one("#quality", Static).update(
            quality_text(self.counts or None, self.quality, self.warnings)
        )

    def _show_heads(self, counts: dict[str, int], heads: dict[str, pl.DataFrame]) -> None:
        self.counts, self.heads = counts, dict(heads)
        if self.current not in heads and heads:
            self.current = next(iter(heads))
        self._show_quality()
        self._refresh_table()

    def _lazy(self) -> pl.LazyFrame | None:
        return getattr(self.tables, self.current, None) if self.tables is not None else None

    def _refresh_table(self) -> None:
        """Show the current table under the current query: the head as read when the
        query is plain, else the answer of a whole-table query run in a worker."""
        import polars as pl

        self._request += 1  # an answer still computing belongs to the previous query
        head = self.heads.get(self.current, pl.DataFrame())
        lazy = self._lazy()
        if lazy is None or (self.table_query.is_plain and head.height >= self._total()):
            self._show_frame(head, None)
            return
        if self.table_query.is_plain:
            # The head at once, then every row (up to BROWSE_ROWS) from a worker.
            self._show_frame(head, None)
            self._run_query(self._request, self.current, lazy, head, self.table_query)
            return
        self.query_one("#table-title", Static).update(
            f"{self.current.title()} · searching/sorting all rows…"
        )
        self._run_query(self._request, self.current, lazy, head, self.table_query)

    def _run_query(
        self,
        request: int,
        kind: str,
        lazy: pl.LazyFrame,
        head: pl.DataFrame,
        query: TableQuery,
    ) -> None:
        """The whole table's answer to ``query`` off the UI thread (group "data-query");
        it arrives as a job message tagged with ``request``."""

        def work(_: Report) -> tuple[str, pl.DataFrame, int | None]:
            import polars as pl

            from segtui.engine import OptionError, text_match

            answer, matched = lazy, None
            try:
                if query.text.strip():
                    # ``head`` has the table's schema: text_match picks its text columns.
                    answer = answer.filter(text_match(head, query.text))
                if query.sort_by is not None:
                    answer = answer.sort(
                        query.sort_by,
                        descending=query.descending,
                        nulls_last=True,
                        maintain_order=True,
                    )
                if query.text.strip():
                    frame, count = pl.collect_all(
                        [answer.head(BROWSE_ROWS), answer.select(pl.len())]
                    )
                    matched = int(count.item())
                else:
                    frame = answer.head(BROWSE_ROWS).collect()
            except pl.exceptions.PolarsError as exc:  # the view says so; the session goes on
                raise OptionError(str(exc)) from exc
            return kind, frame, matched

        run_job(self, "data-query", work, token=request)

    def on_job_done(self, event: JobDone) -> None:
        if event.job == "data-heads":
            if event.token is self.tables:
                self._show_heads(*event.value)
            return
        kind, frame, matched = event.value
        if event.token != self._request or kind != self.current:
            return  # another query or a table switch came after this one
        # The whole table in file order extends the head: the cursor stays where it is.
        self._show_frame(frame, matched, keep_cursor=self.table_query.is_plain)

    def on_job_failed(self, event: JobFailed) -> None:
        if event.job == "data-heads":
            if event.token is not self.tables:
                return
            self._title = f"could not read the first rows: {event.message}"
            self._show_title()
        self.notify(event.message, severity="error")

    def _total(self) -> int:
        return self.counts.get(self.current, 0)

    def _show_frame(
        self, frame: pl.DataFrame, matched: int | None, *, keep_cursor: bool = False
    ) -> None:
        total = self.counts.get(self.current, frame.height)
        self._title = f"{frame.height:,} of {total:,} rows shown" + self.table_query.describe(
            matched
        )
        table = self.query_one("#raw-table", FrameTable)
        query = self.table_query
        table.sort_column, table.sort_descending = query.sort_by, query.descending
        table.set_frame(frame, keep_cursor=keep_cursor)
        table.find_text = self.table_query.text
        self._show_title()

    def _show_title(self) -> None:
        """ "Transactions · row 3 · 28 of 6,728 rows shown · …": the cursor's row first, so
        j/k/g/G and n/N say where they landed."""
        table = self.query_one("#raw-table", FrameTable)
        row = f" · row {table.cursor_row + 1:,}" if table.row_count else ""
        self.query_one("#table-title", Static).update(
            f"{self.current.title()}{row} · {self._title}"
        )

    def on_frame_table_sorted(self, event: FrameTable.Sorted) -> None:
        """Sort all rows of the table in Polars and show the first of them."""
        event.stop()
        self.table_query = replace(
            self.table_query, sort_by=event.column, descending=event.descending
        )
        self._refresh_table()

    def action_next_table(self) -> None:
        """Show the next table, as read (search and sort belong to the table left)."""
        present = [t for t in TABLES if t in self.heads]
        if present:
            self.current = present[(present.index(self.current) + 1) % len(present)]
            self.table_query = TableQuery()
            box = self.query_one("#data-search", Input)
            box.value = ""
            box.display = False
            self._refresh_table()

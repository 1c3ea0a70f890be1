"""The Data view: row counts, data quality, warnings, and the raw tables (paged)."""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from segtui.engine.io.sources import Tables
from segtui.tui.widgets.frame_table import FrameTable

TABLES = ("customers", "products", "transactions")


def quality_text(
    counts: dict[str, int], quality: dict[str, Any], warnings: list[str], head_rows: int
) -> Text:
    """Row counts, the data-quality figures and warnings as Text."""
    text = Text()
    text.append("Rows: ", style="bold")
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
    for line in warnings:
        text.append(f"⚠ {line}\n", style="yellow")
    text.append(
        f"t switches table · / finds, n/N next/previous · first {head_rows:,} rows shown",
        style="dim",
    )
    return text


class DataView(Vertical):
    """Raw input tables and what the engine found wrong with them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "next_table", "Next table"),
        Binding("slash", "search", "Find in table"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.heads: dict[str, pl.DataFrame] = {}
        self.current = "customers"
        self.tables: Tables | None = None
        self.head_rows = 0
        self._request = 0

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="quality")
        yield Static(id="table-title")
        yield Input(placeholder="find in this table (enter, then n/N)", id="data-search")
        # Sorting is done here, over the whole table, not on the rows loaded.
        yield FrameTable(id="raw-table", fixed_columns=1, sort_in_place=False)

    def on_mount(self) -> None:
        self.query_one("#data-search", Input).display = False

    def action_search(self) -> None:
        """Open the find box; enter moves to the first match, n/N to the next ones."""
        box = self.query_one("#data-search", Input)
        box.display = True
        self.call_after_refresh(box.focus)  # a widget just shown takes focus once laid out

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        table = self.query_one("#raw-table", FrameTable)
        table.focus()
        table.find(event.value)

    def show(
        self,
        counts: dict[str, int],
        heads: dict[str, pl.DataFrame],
        quality: dict[str, Any],
        warnings: list[str],
        head_rows: int,
        tables: Tables | None = None,
    ) -> None:
        """Show the counts, quality summary and table heads (``tables``, the source,
        lets a sort reorder all rows rather than the head)."""
        self.heads = dict(heads)
        self.tables = tables
        self.head_rows = head_rows
        self.counts = counts
        self.query_one("#quality", Static).update(
            quality_text(counts, quality, warnings, head_rows)
        )
        if self.current not in heads and heads:
            self.current = next(iter(heads))
        self._show_table()

    def _show_table(self, sorted_by: str = "") -> None:
        frame = self.heads.get(self.current, pl.DataFrame())
        total = self.counts.get(self.current, frame.height)
        self.query_one("#table-title", Static).update(
            f"{self.current.title()} · {frame.height:,} of {total:,} rows shown{sorted_by}"
        )
        table = self.query_one("#raw-table", FrameTable)
        if not sorted_by:
            table.sort_column = None
        table.set_frame(frame)

    def on_frame_table_sorted(self, event: FrameTable.Sorted) -> None:
        """Sort the whole table in Polars (a top-k over every row) and show its head."""
        event.stop()
        if self.tables is None or getattr(self.tables, self.current, None) is None:
            return
        self._request += 1
        self.query_one("#table-title", Static).update(f"sorting all rows by {event.column}…")
        self._sort(self._request, self.current, event.column, event.descending)

    @work(thread=True, exclusive=True, group="data-sort")
    def _sort(self, request: int, kind: str, column: str, descending: bool) -> None:
        lazy = getattr(self.tables, kind)
        try:
            frame = (
                lazy.sort(column, descending=descending, nulls_last=True, maintain_order=True)
                .head(self.head_rows)
                .collect()
            )
        except pl.exceptions.PolarsError as exc:  # the view says so; the session goes on
            self.app.call_from_thread(self.app.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._sorted, request, kind, column, descending, frame)

    def _sorted(
        self, request: int, kind: str, column: str, descending: bool, frame: pl.DataFrame
    ) -> None:
        if request != self._request or kind != self.current:
            return  # another sort or table switch came after this one
        self.heads[kind] = frame
        order = "descending" if descending else "ascending"
        self._show_table(f" · all rows sorted by {column}, {order}")

    def action_next_table(self) -> None:
        present = [t for t in TABLES if t in self.heads]
        if present:
            self._request += 1  # a sort still running belongs to the table left behind
            self.current = present[(present.index(self.current) + 1) % len(present)]
            self._show_table()

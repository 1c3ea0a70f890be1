"""One customer's transactions (drill-down from the Customers view)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from segtui.tui.jobs import JobDone, JobFailed, run_job
from segtui.tui.widgets.frame_table import FrameTable, format_cell
from segtui.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    import polars as pl

    from segtui.engine import Tables


class TransactionsScreen(Screen[None]):
    """A customer's features and transactions; Esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, tables: Tables, customer: dict[str, Any], crumbs: list[str]) -> None:
        super().__init__()
        self.tables = tables
        self.customer = customer
        self.crumbs = crumbs

    def compose(self) -> ComposeResult:
        cid = self.customer.get("CustomerID", "")
        name = self.customer.get("CustomerName") or ""
        yield Static(" › ".join([*self.crumbs, f"{cid} {name}".strip()]), id="breadcrumb")
        details = Text()
        for key, value in self.customer.items():
            if key not in ("CustomerID", "CustomerName"):
                details.append(f"{key} ", style="italic")
                details.append(f"{format_cell(value)}  ")
        yield Static(details, id="customer-details")
        yield Static("loading transactions…", id="tx-count")
        yield FrameTable(id="tx-table")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(FrameTable).focus()
        self.load(str(self.customer.get("CustomerID", "")))

    def load(self, customer_id: str) -> None:
        """Read the customer's transactions off the UI thread."""
        from segtui.engine import customer_transactions

        tables = self.tables
        run_job(self, "transactions", lambda _: customer_transactions(tables, customer_id))

    def on_job_done(self, event: JobDone) -> None:
        self.show(event.value)

    def on_job_failed(self, event: JobFailed) -> None:
        self.notify(event.message, severity="error")

    def show(self, frame: pl.DataFrame) -> None:
        """Display ``frame`` (the customer's transactions)."""
        self.query_one("#tx-count", Static).update(f"{frame.height:,} transactions")
        self.query_one(FrameTable).set_frame(frame)

    def action_back(self) -> None:
        self.dismiss(None)

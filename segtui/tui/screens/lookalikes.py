"""The lookalikes dialog: a customer's most similar customers in the clustering space."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from segtui.config import UI_LOOKALIKES_TOP
from segtui.tui.jobs import JobDone, JobFailed, run_job
from segtui.tui.widgets.frame_table import FrameTable
from segtui.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    import polars as pl

if TYPE_CHECKING:
    from segtui.engine import SegmentationResult


class LookalikesScreen(ModalScreen[str | None]):
    """Top lookalikes of one customer; Enter dismisses with the chosen LookalikeID."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,L,q", "close", "Close"),
    ]

    def __init__(
        self,
        result: SegmentationResult,
        customer_id: str,
        name: str = "",
        top: int = UI_LOOKALIKES_TOP,
    ) -> None:
        super().__init__()
        self.result = result
        self.customer_id = customer_id
        self.customer_name = name
        self.top = top
        self.rows: pl.DataFrame | None = None
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="lookalike-box"):
            yield Static(
                f"Lookalikes of {self.customer_id} {self.customer_name}".rstrip(),
                classes="dialog-title",
            )
            yield Static(
                "score = 1/(1 + distance in the scaled feature space) · "
                "enter opens the customer · esc/L closes",
                classes="hint",
            )
            yield Static("finding lookalikes…", id="lookalike-status")
            yield FrameTable(id="lookalike-table")
        yield KeyFooter()  # this dialog's keys, not the view's behind it

    def on_mount(self) -> None:
        self.query_one(FrameTable).focus()
        self.find()

    def find(self) -> None:
        """Nearest neighbours off the UI thread (a million customers take seconds)."""
        from segtui.engine import lookalike_rows

        result, customer, top = self.result, self.customer_id, self.top
        run_job(self, "lookalikes", lambda _: lookalike_rows(result, customer, top))

    def on_job_done(self, event: JobDone) -> None:
        rows = event.value
        self.rows = rows
        self.query_one("#lookalike-status", Static).update(f"{rows.height} most similar customers")
        self.query_one(FrameTable).set_frame(rows)

    def on_job_failed(self, event: JobFailed) -> None:
        self.error = event.message
        self.query_one("#lookalike-status", Static).update(f"✖ {event.message}")

    def on_frame_table_row_chosen(self, event: FrameTable.RowChosen) -> None:
        event.stop()
        chosen = event.values.get("LookalikeID")
        self.dismiss(str(chosen) if chosen is not None else None)

    def action_close(self) -> None:
        self.dismiss(None)

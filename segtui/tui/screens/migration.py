"""The migration dialog: how customers moved between segments from an earlier as-of date
to the current one, as a cross-table (rows: segment before + new; columns: segment
after + lost; totals)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from segtui.config import UI_MIGRATION_DAYS_BEFORE
from segtui.engine import SegtuiError
from segtui.tui.jobs import JobDone, JobFailed, run_job
from segtui.tui.widgets.frame_table import FrameTable
from segtui.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    import polars as pl

if TYPE_CHECKING:
    from segtui.engine import Migration, SegmentationResult, Tables

TOTAL = "total"


def migration_frame(migration: Migration) -> pl.DataFrame:
    """The cross-table with a ``total`` column (row sums) and a ``total`` row (column sums).

    Rows keep the segment names; the after-columns are ``to <id>`` so k of them fit a
    terminal's width (the row labels say which id is which)."""
    import polars as pl

    table = migration.table()
    table = table.rename(
        {c: f"to {c.split(' ', 1)[0]}" for c in table.columns if c not in ("from", "lost")}
    )
    counts = [c for c in table.columns if c != "from"]
    with_totals = table.with_columns(pl.sum_horizontal(counts).alias(TOTAL))
    totals = with_totals.select(
        pl.lit(TOTAL).alias("from"), *[pl.col(c).sum() for c in [*counts, TOTAL]]
    )
    # The key numbers (total, lost) come right after the row label, so they show at 80
    # columns; the "to <id>" breakdown follows.
    order = ["from", TOTAL, "lost", *[c for c in counts if c != "lost"]]
    return pl.concat([with_totals, totals]).select([c for c in order if c in with_totals.columns])


def counts_line(migration: Migration) -> str:
    """'before 2024-09-30 (180 customers) → after 2024-12-29 (200): stayed … lost …'."""
    c = migration.counts()
    before, after = migration.before, migration.after
    return (
        f"{before.as_of} ({before.table.frame.height:,} customers) → "
        f"{after.as_of} ({after.table.frame.height:,}):  stayed {c['stayed']:,} · "
        f"moved {c['moved']:,} · new {c['new']:,} · lost {c['lost']:,}"
    )


class MigrationScreen(ModalScreen[None]):
    """Ask for an earlier as-of date, then show who moved between segments since then."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("ctrl+s", "save_table", "Save table"),
    ]

    def __init__(
        self, result: SegmentationResult, tables: Tables, folder: Path | None = None
    ) -> None:
        super().__init__()
        self.folder = folder or Path.cwd()
        self.result = result
        self.tables = tables
        self.migration: Migration | None = None

    def compose(self) -> ComposeResult:
        default = self.result.as_of - dt.timedelta(days=UI_MIGRATION_DAYS_BEFORE)
        with Vertical(id="migration-box"):
            yield Static(
                f"Migration to the current as-of date {self.result.as_of} "
                f"(k={self.result.k}, same scaling and centroids for both snapshots)",
                classes="dialog-title",
            )
            with Horizontal(classes="field"):
                yield Label("earlier as-of")
                yield Input(default.isoformat(), id="as-of-before")
                yield Button("Compute", variant="primary", id="compute")
                yield Button("Save table", id="save-table", disabled=True)
            yield Static(
                "enter computes · ctrl+s saves the table · esc closes", id="migration-status"
            )
            yield FrameTable(id="migration-table", fixed_columns=1)
        yield KeyFooter()  # this dialog's keys, not the view's behind it

    def on_mount(self) -> None:
        self.query_one("#as-of-before", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save-table":
            self.action_save_table()
        else:
            self.start()

    def start(self) -> None:
        """Validate the date and compute in a worker."""
        from segtui.engine import parse_before

        status = self.query_one("#migration-status", Static)
        try:
            before = parse_before(self.query_one("#as-of-before", Input).value, self.result.as_of)
        except SegtuiError as exc:
            status.update(f"✖ {exc}")
            return
        status.update("computing…")
        self.query_one("#compute", Button).disabled = True
        self.compute(before)

    def compute(self, before: dt.date) -> None:
        """Both snapshots' features and assignments off the UI thread."""
        from segtui.engine import compute_migration

        run_job(self, "migration", lambda _: compute_migration(self.result, self.tables, before))

    def on_job_done(self, event: JobDone) -> None:
        self._show(event.value)

    def _show(self, migration: Migration) -> None:
        self.migration = migration
        self.query_one("#compute", Button).disabled = False
        self.query_one("#save-table", Button).disabled = False
        self.query_one("#migration-status", Static).update(counts_line(migration))
        table = self.query_one(FrameTable)
        table.set_frame(migration_frame(migration))
        table.focus()

    def on_job_failed(self, event: JobFailed) -> None:
        self.query_one("#compute", Button).disabled = False
        self.query_one("#migration-status", Static).update(f"✖ {event.message}")

    def action_save_table(self) -> None:
        """Save the cross-table (the file `segtui migrate --out` writes; asks before
        overwriting)."""
        from segtui.tui.screens.save_table import SaveTableScreen

        if self.migration is None:
            self.query_one("#migration-status", Static).update(
                "✖ compute the migration first (enter)"
            )
            return
        m = self.migration
        path = self.folder / f"migration_{m.before.as_of}_{m.after.as_of}.csv"

        def done(paths: list[Path] | None) -> None:
            if paths:
                self.app.notify(f"Wrote {paths[0]}", title="Migration saved")

        screen = SaveTableScreen(self.result, m.table(), path, "Save migration table")
        self.app.push_screen(screen, done)

    def action_close(self) -> None:
        self.dismiss(None)

"""``SegtuiApp``: the keyboard-driven segmentation workbench.

The app holds the current settings and result; every change of settings re-clusters in
one exclusive background worker whose result replaces the old one in a single step on
the UI thread. Nothing here computes features or clusters: it calls the engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import polars as pl
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, ListView, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from segtui.config import AUTO_K_MAX, AUTO_K_MIN, Settings
from segtui.engine import lookup
from segtui.engine.clustering.projection import Projection, pca_2d
from segtui.engine.errors import SegtuiError
from segtui.engine.features.compute import FeatureTable
from segtui.engine.io.sources import Tables, load_source
from segtui.engine.pipeline import SegmentationResult, cluster, run
from segtui.tui.screens.dialogs import HelpScreen
from segtui.tui.screens.export import ExportScreen, default_export_path
from segtui.tui.screens.settings import SettingsScreen
from segtui.tui.screens.sweep import SweepCache, SweepScreen
from segtui.tui.screens.transactions import TransactionsScreen
from segtui.tui.widgets.charts import Scatter, SizeBars
from segtui.tui.widgets.customers_view import CustomersView
from segtui.tui.widgets.data_view import DataView
from segtui.tui.widgets.frame_table import FrameTable
from segtui.tui.widgets.segments_view import SegmentItem, SegmentsView
from segtui.tui.widgets.summary import metrics_line, settings_line, status_line

HEAD_ROWS = 10_000


class Cancelled(Exception):
    """Raised from the progress callback when the worker was cancelled."""


@dataclass
class Outcome:
    """What one worker run produced, swapped in as a whole."""

    settings: Settings
    result: SegmentationResult
    projection: Projection
    tables: Tables
    counts: dict[str, int] | None = None
    heads: dict[str, pl.DataFrame] | None = None


class SegtuiApp(App[None]):
    """Segments, customers, data and charts for one source, re-clustered on demand."""

    CSS_PATH = "app.tcss"
    TITLE = "segtui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("plus,equals_sign", "change_k(1)", "k+", key_display="+"),
        Binding("minus", "change_k(-1)", "k-", key_display="-"),
        Binding("s", "settings", "Settings"),
        Binding("n", "reseed", "New seed"),
        Binding("e", "export", "Export"),
        Binding("w", "save_settings", "Save settings"),
        Binding("k", "sweep", "Choose k (sweep)"),
        Binding("m", "migration", "Migration", show=False),
        Binding("M", "save_model", "Save model", key_display="M", show=False),
        Binding("escape", "back_or_cancel", "Back/cancel", key_display="esc"),
        Binding("1", "show_tab('segments')", "Segments view", show=False),
        Binding("2", "show_tab('customers')", "Customers view", show=False),
        Binding("3", "show_tab('data')", "Data view", show=False),
        Binding("4", "show_tab('charts')", "Charts view", show=False),
    ]

    busy: reactive[bool] = reactive(False)
    status: reactive[str] = reactive("Loading data")

    def __init__(self, settings: Settings, *, export_dir: Path | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.applied: Settings | None = None
        self.result: SegmentationResult | None = None
        self.projection: Projection | None = None
        self.tables: Tables | None = None
        self.export_dir = export_dir or Path.cwd()
        self.generation = 0
        self.last_error: str | None = None
        self.ui_ready = False
        self.raw_tables: tuple[dict[str, int], dict[str, pl.DataFrame]] | None = None
        # The k range of the sweep view (capped below the customers with purchases).
        self.sweep_range = (AUTO_K_MIN, AUTO_K_MAX)
        self.sweep_cache = SweepCache()

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="settings-line")
        yield Static(id="metrics-line")
        yield Static(id="status-line")
        with TabbedContent(id="tabs"):
            with TabPane("1 Segments", id="segments"):
                yield SegmentsView(id="segments-view")
            with TabPane("2 Customers", id="customers"):
                yield CustomersView(id="customers-view")
            with TabPane("3 Data", id="data"):
                yield DataView(id="data-view")
            with TabPane("4 Charts", id="charts"):
                yield Static("Segment sizes", classes="chart-title")
                yield SizeBars(id="size-bars")
                yield Static("PCA projection", id="pca-title", classes="chart-title")
                yield Scatter(id="scatter")
        yield Footer()

    def on_mount(self) -> None:
        self.ui_ready = True
        self.refresh_header()
        self.query_one("#segment-list", ListView).focus()
        self.start(self.settings)

    # -- header ---------------------------------------------------------------------
    def refresh_header(self) -> None:
        """Redraw the three header lines from settings, result and status."""
        self.query_one("#settings-line", Static).update(settings_line(self.settings, self.result))
        self.query_one("#metrics-line", Static).update(metrics_line(self.result))
        warnings = self.result.warnings if self.result is not None else []
        self.query_one("#status-line", Static).update(status_line(self.status, self.busy, warnings))

    def watch_busy(self) -> None:
        if self.ui_ready:
            self.refresh_header()

    def watch_status(self) -> None:
        if self.ui_ready:
            self.refresh_header()

    # -- work -----------------------------------------------------------------------
    def start(self, settings: Settings) -> None:
        """Re-segment with ``settings`` in the background (cancelling any running job)."""
        self.settings = settings
        self.generation += 1
        self.busy = True
        self.status = "Starting"
        reuse = (
            self.result is not None
            and self.applied is not None
            and settings.features == self.applied.features
            and settings.as_of == self.applied.as_of
            and settings.source == self.applied.source
        )
        table = self.result.feature_table if reuse and self.result is not None else None
        self.refresh_header()
        self.compute(settings, self.generation, self.tables, table)

    @work(thread=True, exclusive=True, group="segment", exit_on_error=False)
    def compute(
        self,
        settings: Settings,
        generation: int,
        tables: Tables | None,
        feature_table: FeatureTable | None,
    ) -> None:
        """Load (first time), segment and project; deliver one Outcome to the UI thread."""
        worker = get_current_worker()

        def progress(stage: str) -> None:
            if worker.is_cancelled:
                raise Cancelled
            self.call_from_thread(self._progress, generation, stage)

        try:
            counts = heads = None
            if tables is None:
                progress("Reading data")
                tables = load_source(settings.source)
                progress("Counting rows")
                counts = lookup.row_counts(tables)
                heads = {kind: lookup.table_head(tables, kind, HEAD_ROWS) for kind in counts}
            if feature_table is not None:
                result = cluster(feature_table, settings, tables.label, progress=progress)
                if settings.clv:  # re-clustering keeps the --clv columns (engine/value/)
                    from segtui.engine.value.attach import add_value

                    add_value(result, tables)
            else:
                result = run(settings, progress=progress, tables=tables)
            progress("Projecting")
            projection = pca_2d(result.matrix, seed=settings.seed)
            progress("Done")
        except Cancelled:
            return
        except SegtuiError as exc:
            self.call_from_thread(self._failed, generation, str(exc))
            return
        except Exception as exc:  # never crash the session; say what broke
            self.call_from_thread(self._failed, generation, f"internal error: {exc!r}")
            return
        outcome = Outcome(settings, result, projection, tables, counts, heads)
        self.call_from_thread(self._apply, generation, outcome)

    def _progress(self, generation: int, stage: str) -> None:
        if generation == self.generation:
            self.status = stage

    def _failed(self, generation: int, message: str) -> None:
        if generation != self.generation:
            return
        self.last_error = message
        self.busy = False
        if self.applied is not None:
            self.settings = self.applied
        # The toast fades; the status line keeps saying what is wrong until a result lands.
        self.status = f"✖ {message}"
        self.refresh_header()
        self.notify(message, title="Could not segment", severity="error", timeout=8)

    def _apply(self, generation: int, outcome: Outcome) -> None:
        """Swap the new result in (ignored if a newer request superseded it)."""
        if generation != self.generation:
            return
        self.applied = outcome.settings
        self.result = outcome.result
        self.projection = outcome.projection
        self.tables = outcome.tables
        self.last_error = None
        result = outcome.result
        self.query_one(SegmentsView).show(result)
        names = {p.id: p.name for p in result.profiles}
        self.query_one(CustomersView).show(result.segments, names)
        if outcome.counts is not None and outcome.heads is not None:
            self.raw_tables = (outcome.counts, outcome.heads)
        if self.raw_tables is not None:
            self.query_one(DataView).show(
                *self.raw_tables,
                result.feature_table.data_quality,
                result.warnings,
                HEAD_ROWS,
            )
        self.query_one(SizeBars).show(result.profiles)
        self.query_one(Scatter).show(outcome.projection, result.labels)
        px, py = outcome.projection.explained
        self.query_one("#pca-title", Static).update(
            f"PCA of the clustering space: PC1 {px:.0%} × PC2 {py:.0%} of variance "
            f"({len(outcome.projection.rows):,} customers)"
        )
        self.busy = False
        self.status = ""
        self.refresh_header()

    # -- actions --------------------------------------------------------------------
    def action_change_k(self, delta: int) -> None:
        """Re-cluster with k changed by ``delta`` (k stays at least 2). With k = auto the
        change starts from the k auto chose and replaces auto by that number."""
        if isinstance(self.settings.k, int):
            current = self.settings.k
        elif self.result is not None:
            current = self.result.k
        else:
            self.notify(
                "k = auto is still being chosen; try again when it is shown", severity="warning"
            )
            return
        k = max(2, current + delta)
        if k != self.settings.k:
            self.start(self.settings.replace(k=k))

    def action_sweep(self) -> None:
        """Open the k sweep view on the current feature table; picking a k re-clusters."""
        if isinstance(self.screen, SweepScreen):
            return
        result = self.result
        if result is None:
            self.notify(
                "nothing to sweep yet: the first result is still computing", severity="warning"
            )
            return
        k_min, k_max = self.sweep_range[0], min(self.sweep_range[1], result.n_clustered - 1)
        if k_max < k_min:
            self.notify(
                f"too few customers with purchases ({result.n_clustered}) to sweep k",
                severity="warning",
            )
            return
        if result.k_selection is not None:
            self.sweep_cache.put_selection(
                result.feature_table, result.settings, result.k_selection
            )
        screen = SweepScreen(
            result.feature_table,
            result.settings,
            k_min,
            k_max,
            current=result.k,
            cache=self.sweep_cache,
        )
        self.push_screen(screen, self._sweep_picked)

    def _sweep_picked(self, k: int | None) -> None:
        """Re-cluster with the k picked in the sweep view and show the Segments view."""
        if k is None:
            return
        self.action_show_tab("segments")
        if k != self.settings.k or self.busy:
            self.start(self.settings.replace(k=k))

    def action_reseed(self) -> None:
        """Re-cluster with the next seed."""
        self.start(self.settings.replace(seed=self.settings.seed + 1))

    def action_settings(self) -> None:
        """Open the settings dialog; applying re-segments."""
        features = self.result.features if self.result is not None else []

        def applied(settings: Settings | None) -> None:
            if settings is not None and settings != self.settings:
                self.start(settings)

        self.push_screen(SettingsScreen(self.settings, features), applied)

    def _open_export(self, path: Path) -> None:
        if self.result is None:
            self.notify(
                "nothing to export yet: the first result is still computing", severity="warning"
            )
            return

        def done(paths: list[Path] | None) -> None:
            if paths:
                self.notify("Wrote " + ", ".join(str(p) for p in paths), title="Exported")

        self.push_screen(ExportScreen(self.result, path), done)

    def action_export(self) -> None:
        """Open the export dialog (segments file, report)."""
        if self.result is not None:
            self._open_export(default_export_path(self.result, self.export_dir))
        else:
            self._open_export(self.export_dir)

    def action_save_settings(self) -> None:
        """Open the export dialog on a settings file that `segtui run --config` replays."""
        self._open_export(self.export_dir / "segtui.toml")

    def action_save_model(self) -> None:
        """Open the save-model dialog (a .json model for assign/lookalike/migrate)."""
        from segtui.tui.screens.save_model import SaveModelScreen, default_model_path

        if self.result is None or self.tables is None:
            self.notify("no model yet: the first result is still computing", severity="warning")
            return
        files = [spec.path for spec in self.tables.files.values()]

        def done(paths: list[Path] | None) -> None:
            if paths:
                self.notify(f"Wrote {paths[0]}", title="Model saved")

        path = default_model_path(self.result, self.export_dir)
        self.push_screen(SaveModelScreen(self.result, path, files), done)

    def action_migration(self) -> None:
        """Open the migration dialog: segment moves since an earlier as-of date."""
        from segtui.tui.screens.migration import MigrationScreen

        if self.result is None or self.tables is None:
            self.notify("no result yet to compare with", severity="warning")
            return
        self.push_screen(MigrationScreen(self.result, self.tables, self.export_dir))

    def action_lookalikes(self) -> None:
        """Show the lookalikes of the customer under the cursor (Customers view)."""
        from segtui.tui.screens.lookalikes import LookalikesScreen

        table = self.query_one("#customer-table", FrameTable)
        if self.result is None or not table.frame.height:
            self.notify("no customer selected", severity="warning")
            return
        values = table.row_values(table.cursor_row)
        customer = str(values.get("CustomerID", ""))

        def chosen(lookalike: str | None) -> None:
            if lookalike:
                self.query_one(CustomersView).jump_to(lookalike)

        name = str(values.get("CustomerName") or "")
        self.push_screen(LookalikesScreen(self.result, customer, name), chosen)

    def action_help(self) -> None:
        """Show every key."""
        self.push_screen(HelpScreen(help_rows()))

    def action_show_tab(self, tab: str) -> None:
        """Switch to view ``tab``."""
        self.query_one(TabbedContent).active = tab
        self._focus_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        target = {
            "segments": "#segment-list",
            "customers": "#customer-table",
            "data": "#raw-table",
            "charts": "#scatter",
        }[tab]
        widget = self.query_one(target)
        if widget.can_focus:
            widget.focus()

    def action_back_or_cancel(self) -> None:
        """Cancel a running job; otherwise go back one level."""
        if self.busy:
            self.workers.cancel_group(self, "segment")
            self.generation += 1
            self.busy = False
            if self.applied is not None:
                self.settings = self.applied
            self.status = "Cancelled"
            self.refresh_header()
            return
        tabs = self.query_one(TabbedContent)
        if tabs.active == "customers":
            if self.query_one(CustomersView).back():
                return
        if tabs.active != "segments":
            self.action_show_tab("segments")

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self._focus_tab(event.pane.id)

    @on(ListView.Selected, "#segment-list")
    def _open_segment(self, event: ListView.Selected) -> None:
        if isinstance(event.item, SegmentItem):
            view = self.query_one(CustomersView)
            view.query_one("#search").value = ""  # type: ignore[attr-defined]
            view.segment = event.item.segment
            self.action_show_tab("customers")

    @on(FrameTable.RowChosen, "#customer-table")
    def _open_customer(self, event: FrameTable.RowChosen) -> None:
        if self.tables is None:
            return
        view = self.query_one(CustomersView)
        crumbs = ["Segments"]
        if view.segment is not None:
            crumbs.append(f"{view.segment} {view.names.get(view.segment, '')}")
        self.push_screen(TransactionsScreen(self.tables, event.values, crumbs))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette: every binding's action plus Textual's own commands."""
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.action in ("quit",):
                continue
            yield SystemCommand(
                binding.description,
                f"key: {binding.key_display or binding.key}",
                lambda action=binding.action: self.call_later(self.run_action, action),
            )


def help_rows() -> list[tuple[str, str, str]]:
    """(key, description, where) for every binding of the app and its views."""
    from segtui.tui.screens.export import ExportScreen as Export
    from segtui.tui.screens.settings import SettingsScreen as SettingsDialog

    sources: list[tuple[str, list[BindingType]]] = [
        ("everywhere", SegtuiApp.BINDINGS),
        ("everywhere", [Binding("ctrl+p", "command_palette", "Command palette")]),
        ("Customers", CustomersView.BINDINGS),
        ("Data", DataView.BINDINGS),
        ("tables", FrameTable.BINDINGS),
        ("transactions", TransactionsScreen.BINDINGS),
        ("export dialog", Export.BINDINGS),
        ("settings dialog", SettingsDialog.BINDINGS),
        ("sweep view", SweepScreen.BINDINGS),
    ]
    rows = []
    for where, bindings in sources:
        for binding in bindings:
            assert isinstance(binding, Binding)
            key = binding.key_display or binding.key.replace("_", " ")
            rows.append((key, binding.description, where))
    rows.append(("enter", "Open segment / customer", "Segments, Customers"))
    return rows

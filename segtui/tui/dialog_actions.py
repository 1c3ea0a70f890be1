"""The app's actions that open a dialog or a view on the current result: sweep, settings,
export, save model, migration, lookalikes and help. Kept apart from ``app.py``, which
owns the session (loading, re-clustering, the header)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from segtui.config import Settings
from segtui.tui.view_actions import ViewActions
from segtui.tui.widgets.customers_view import CustomersView
from segtui.tui.widgets.frame_table import FrameTable

if TYPE_CHECKING:
    from segtui.engine import SegmentationResult, Tables
    from segtui.tui.sweep_cache import SweepCache

# Each dialog's module (and the Textual widgets it uses) is imported by the action that
# opens it: none is on screen at start, and their imports came before the first frame.


class DialogActions(ViewActions):
    """Actions on the current result; the app subclass supplies the session state."""

    settings: Settings
    result: SegmentationResult | None
    tables: Tables | None
    export_dir: Path
    busy: bool
    last_error: str | None
    sweep_range: tuple[int, int]
    sweep_cache: SweepCache

    # Supplied by the app subclass (app.py): start a load, switch CLV on or off.
    start: Callable[[Settings], None]
    clv_settings: Callable[..., Settings]

    def no_result(self, what: str) -> None:
        """Say why ``what`` (e.g. "nothing to export") cannot happen yet: a load is running,
        the last load failed, or nothing was loaded."""
        if self.busy:
            reason = "the first result is still computing"
        elif self.last_error is not None:
            reason = (
                "the last load failed, so the result on screen is stale "
                "(see the error panel); fix it and press ctrl+r"
            )
        else:
            reason = "no result loaded"
        self.notify(f"{what}: {reason}", severity="warning")

    def action_sweep(self) -> None:
        """Open the k sweep view on the current feature table; picking a k re-clusters."""
        from segtui.tui.screens.sweep import SweepScreen

        if isinstance(self.screen, SweepScreen):
            return
        result = self.result
        if result is None:
            self.no_result("nothing to sweep yet")
            return
        k_min, k_max = self.sweep_range[0], min(self.sweep_range[1], result.n_clustered - 1)
        if k_max < k_min:
            self.notify(
                f"too few customers with purchases ({result.n_clustered:,}) to sweep k",
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

    def action_settings(self) -> None:
        """Open the settings dialog; applying re-segments."""
        from segtui.tui.screens.settings import SettingsScreen

        features = self.result.features if self.result is not None else []

        def applied(settings: Settings | None) -> None:
            if settings is None:
                return
            settings = self.clv_settings(settings, on=settings.clv)
            # After a failed load, applying retries even unchanged settings.
            if settings != self.settings or self.last_error is not None:
                self.start(settings)

        self.push_screen(SettingsScreen(self.settings, features), applied)

    def _open_export(self, path: Path, *, offer_view: bool = False) -> None:
        from segtui.tui.screens.export import ExportScreen

        if self.result is None or self.last_error is not None:
            self.no_result("nothing to export")
            return

        def done(paths: list[Path] | None) -> None:
            if paths:
                self.notify("Wrote " + ", ".join(str(p) for p in paths), title="Exported")

        view = self.query_one(CustomersView).current_view() if offer_view else None
        self.push_screen(ExportScreen(self.result, path, view=view), done)

    def action_export(self) -> None:
        """Open the export dialog (segments file of all customers or of the current
        Customers view, report)."""
        from segtui.tui.screens.export import default_export_path

        if self.result is not None:
            self._open_export(default_export_path(self.result, self.export_dir), offer_view=True)
        else:
            self._open_export(self.export_dir)

    def action_save_settings(self) -> None:
        """Open the export dialog on a settings file that `segtui run --config` replays."""
        self._open_export(self.export_dir / "segtui.toml")

    def action_save_model(self) -> None:
        """Open the save-model dialog (a .json model for assign/lookalike/migrate)."""
        from segtui.tui.screens.save_model import SaveModelScreen, default_model_path

        if self.result is None or self.tables is None or self.last_error is not None:
            self.no_result("no model to save")
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
            self.no_result("no result yet to compare with")
            return
        self.push_screen(MigrationScreen(self.result, self.tables, self.export_dir))

    def action_backtest(self) -> None:
        """Open the backtest dialog: the current settings judged by a next period."""
        from segtui.tui.screens.backtest import BacktestScreen

        if self.result is None or self.tables is None:
            self.no_result("no result yet to backtest")
            return
        self.push_screen(BacktestScreen(self.result.settings, self.tables, self.result.as_of))

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
        from segtui.tui.keys import help_rows
        from segtui.tui.screens.dialogs import HelpScreen

        self.push_screen(HelpScreen(help_rows(self.BINDINGS)))

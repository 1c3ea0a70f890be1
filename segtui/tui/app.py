"""``SegtuiApp``: the keyboard-driven segmentation workbench.

The app holds the current settings and result; every change of settings re-clusters in
one exclusive background job (``jobs.run_job``) whose result message replaces the old
result in a single step on the UI thread. Nothing here computes features or clusters:
``session.compute_outcome`` calls the engine, the same ``run`` as ``segtui run``. Dialog
actions live in ``dialog_actions.py``; moving between views and the command palette in
``view_actions.py``; the key notation, help and palette entries in ``keys.py``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import var
from textual.widgets import ListView, Static, TabbedContent, TabPane

from segtui.config import AUTO_K_MAX, AUTO_K_MIN, Settings
from segtui.tui.dialog_actions import DialogActions
from segtui.tui.jobs import JobDone, JobFailed, JobProgress, Report, run_job
from segtui.tui.session import (
    Outcome,
    StageClock,
    compute_outcome,
    same_input,
    same_source,
)
from segtui.tui.sweep_cache import SweepCache
from segtui.tui.theme import ANSI_DARK, ANSI_LIGHT, DARK, LIGHT
from segtui.tui.widgets.charts import Scatter, SizeBars, legend
from segtui.tui.widgets.customers_view import CustomersView
from segtui.tui.widgets.data_view import DataView
from segtui.tui.widgets.key_footer import KeyFooter
from segtui.tui.widgets.segments_view import SegmentsView
from segtui.tui.widgets.summary import metrics_line, settings_line, status_line
from segtui.tui.widgets.value_view import ValueView

if TYPE_CHECKING:
    from segtui.engine import FeatureTable, Projection, SegmentationResult, Tables

# The longest the first job waits for the first frame (it is normally a fraction of this).
FIRST_FRAME_WAIT = 5.0
# "Cancelled" is news for a moment, not a state: it leaves the status line after this.
CANCELLED_SECONDS = 3.0


def _action_name(binding: BindingType) -> str:
    assert isinstance(binding, Binding)
    return binding.action.split("(")[0]


class SegtuiApp(DialogActions):
    """Segments, customers, data and charts for one source, re-clustered on demand."""

    CSS_PATH = "app.tcss"
    TITLE = "segtui"
    # Footer order = importance at 80 columns (the focused view's keys come first);
    # everything, shown or not, is in help (?) and the palette (ctrl+p).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help"),
        Binding("e", "export", "Export"),
        Binding("s", "settings", "Settings"),
        Binding("ctrl+r,f5", "reload", "Reload"),
        Binding("plus,equals_sign", "change_k(1)", "k+"),
        Binding("minus", "change_k(-1)", "k-", show=False),
        Binding("K", "sweep", "Sweep k"),
        # q closes the screen on top (VisiData's habit) and quits only from the base
        # view; ctrl+q (Textual's own binding) quits from anywhere.
        Binding("q", "close_or_quit", "Quit/close"),
        Binding("R", "reseed", "New seed", show=False),
        Binding("w", "save_settings", "Save settings", show=False),
        Binding("m", "migration", "Migration", show=False),
        Binding("B", "backtest", "Backtest", show=False),
        Binding("M", "save_model", "Save model", show=False),
        Binding("escape", "back_or_cancel", "Back/cancel", show=False),
        Binding("1", "show_tab('segments')", "Segments view", show=False),
        Binding("2", "show_tab('customers')", "Customers view", show=False),
        Binding("3", "show_tab('data')", "Data view", show=False),
        Binding("4", "show_tab('charts')", "Charts view", show=False),
        Binding("5", "show_tab('value')", "Value view (CLV, stages)", show=False),
        Binding("V", "toggle_clv", "CLV on/off", show=False),
    ]

    # Keys that still act on a pushed view (sweep, transactions): everything else of the
    # app's table belongs to the base view and never reaches past the screen on top.
    KEYS_ON_ANY_SCREEN = frozenset({"help", "close_or_quit"})

    # ``var``, not ``reactive``: a reactive of the app repaints the whole screen on each
    # change, and the status changes with every stage and every second of a job (a full
    # repaint each time took the interpreter lock from the worker: ~0.5 s of the UI
    # thread's CPU during a 5 s first load). The watchers redraw the status line only.
    busy: var[bool] = var(False)
    status: var[str] = var("Loading data")

    def __init__(
        self,
        settings: Settings,
        *,
        export_dir: Path | None = None,
        config_file: Path | None = None,
    ) -> None:
        super().__init__()
        for theme in (DARK, LIGHT):
            self.register_theme(theme)
        self.ansi_theme_dark, self.ansi_theme_light = ANSI_DARK, ANSI_LIGHT
        self.theme = DARK.name
        self.settings = settings
        self.config_file = config_file
        self.applied: Settings | None = None
        self.result: SegmentationResult | None = None
        self.projection: Projection | None = None
        self.tables: Tables | None = None
        self.export_dir = export_dir or Path.cwd()
        self.generation = 0
        self.last_error: str | None = None
        self.ui_ready = False
        # The k range of the sweep view (capped below the customers with purchases).
        self.sweep_range = (AUTO_K_MIN, AUTO_K_MAX)
        self.sweep_cache = SweepCache()
        self.clock = StageClock()
        # Set once the first frame is on the terminal: the worker waits for it before its
        # first job imports Polars, NumPy and the engine (seconds that would otherwise
        # hold back the first frame, as both threads share one interpreter lock).
        self.painted = threading.Event()
        # --holdout-end needs --clv: kept here while CLV is switched off, given back on.
        self.held_holdout_end = settings.holdout_end

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="settings-line")
        yield Static(id="metrics-line")
        yield Static(id="status-line")
        yield Static(id="error-panel")
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
                yield Static(id="legend")
                yield Scatter(id="scatter")
            with TabPane("5 Value", id="value"):
                yield ValueView(id="value-view")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.call_after_refresh(self.painted.set)
        self.ui_ready = True
        self.query_one("#error-panel", Static).display = False
        self.refresh_header()
        self.query_one("#segment-list", ListView).focus()
        # While a job runs the status line counts the seconds of its current stage.
        self.set_interval(1.0, self._tick)
        self.start(self.settings)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The app's own keys act only on the base view: a pushed view (sweep,
        transactions) or dialog owns its keys, so ``+`` in the sweep cannot re-cluster
        the session behind it. Returns False to hide and skip the binding."""
        own = action in _APP_ACTIONS and action not in self.KEYS_ON_ANY_SCREEN
        if own and len(self.screen_stack) > 1:
            return False
        return True

    # -- header ---------------------------------------------------------------------
    def refresh_header(self) -> None:
        """Redraw the header lines. They describe the result on screen (its settings,
        its metrics), so header and panels change together when a new result lands."""
        shown = self.applied if self.result is not None and self.applied else self.settings
        width = max(self.size.width - 2, 20)  # the line's padding: one cell each side
        prefix = Text(f"{self.config_file.name} · ", style="italic") if self.config_file else Text()
        line = prefix + settings_line(shown, self.result, width - prefix.cell_len)
        # One line each, as wide as the screen: new text never changes their size, so
        # no layout pass (a reflow of every view) follows an update.
        self.query_one("#settings-line", Static).update(line, layout=False)
        self.query_one("#metrics-line", Static).update(metrics_line(self.result), layout=False)
        self.refresh_status()

    def refresh_status(self) -> None:
        """Redraw the status line only: while a job runs it changes with every stage and
        every second, and each redraw takes the interpreter lock from the worker."""
        warnings = self.result.warnings if self.result is not None else []
        self.query_one("#status-line", Static).update(
            status_line(self.status, self.busy, warnings), layout=False
        )

    def on_resize(self) -> None:
        if self.ui_ready:
            self.refresh_header()  # the settings line fits the new width

    def watch_busy(self) -> None:
        if self.ui_ready:
            self.refresh_status()

    def watch_status(self) -> None:
        if self.ui_ready:
            self.refresh_status()

    def _tick(self) -> None:
        if self.busy and self.clock.stage:
            self.status = self.clock.text()

    def show_error(self, message: str | None) -> None:
        """Show ``message`` in full in the error panel (None hides the panel)."""
        panel = self.query_one("#error-panel", Static)
        if message is None:
            panel.display = False
            return
        panel.update(
            f"✖ Could not segment\n{message}\n"
            "Fix the file, or the settings with s; ctrl+r (or F5) retries with the "
            "settings that failed, which s shows."
        )
        panel.display = True

    # -- work -----------------------------------------------------------------------
    def start(self, settings: Settings, *, reread: bool = False) -> None:
        """Re-segment with ``settings`` in the background (cancelling any running job);
        ``reread`` reads the source again even when only clustering options changed."""
        self.settings = settings
        self.generation += 1
        self.busy = True
        self.clock.enter("Starting")
        self.status = "Starting"
        # Same source, mapping and returns rule: keep the tables read; same features,
        # as-of date and --clv too: keep the feature table and only cluster again.
        tables = self.tables if not reread and same_source(settings, self.applied) else None
        reuse = tables is not None and same_input(settings, self.applied)
        table = self.result.feature_table if reuse and self.result is not None else None
        self.refresh_header()
        self.compute(settings, self.generation, tables, table)

    def compute(
        self,
        settings: Settings,
        generation: int,
        tables: Tables | None,
        feature_table: FeatureTable | None,
    ) -> None:
        """Load (first time), segment and project off the UI thread (group "segment");
        the stages, the Outcome or the error come back as job messages."""

        def work(report: Report) -> Outcome:
            self.painted.wait(timeout=FIRST_FRAME_WAIT)
            return compute_outcome(settings, tables, feature_table, report)

        run_job(self, "segment", work, token=generation)

    def on_job_progress(self, event: JobProgress) -> None:
        self._progress(event.token, str(event.update))

    def _progress(self, generation: object, stage: str) -> None:
        """Show ``stage`` of request ``generation`` (ignored once a newer one started)."""
        if generation == self.generation:
            self.clock.enter(stage)
            self.status = self.clock.text()

    def on_job_failed(self, event: JobFailed) -> None:
        if event.token != self.generation:
            return
        message = event.message
        self.last_error = message
        self.busy = False
        # ``self.settings`` stays what was asked for: s opens on it to correct the bad
        # value, and ctrl+r retries it (after fixing the file). The result still on
        # screen is marked stale and cannot be exported until a load succeeds.
        self.status = (
            "✖ Could not segment: the result shown is stale, export is blocked "
            "(details below; ctrl+r retries)"
            if self.result is not None
            else "✖ Could not segment (details below; ctrl+r retries)"
        )
        self.show_error(message)
        self.refresh_header()
        self.notify(message, title="Could not segment", severity="error", timeout=8)

    def on_job_done(self, event: JobDone) -> None:
        if event.token == self.generation:
            self._apply(event.value)

    def _apply(self, outcome: Outcome) -> None:
        """Swap the new result in (a newer request's result replaces it in turn)."""
        self.applied = outcome.settings
        self.result = outcome.result
        self.projection = outcome.projection
        self.tables = outcome.tables
        self.last_error = None
        self.show_error(None)
        result = outcome.result
        self.query_one(SegmentsView).show(result)
        names = {p.id: p.name for p in result.profiles}
        self.query_one(CustomersView).show(result.segments, names)
        # Tables read anew: the Data view reads their counts and first rows itself, now.
        self.query_one(DataView).show(
            result.feature_table.data_quality, result.warnings, self.tables
        )
        self.query_one(SizeBars).show(result.profiles)
        self.query_one(Scatter).show(outcome.projection, result.labels)
        self.query_one("#legend", Static).update(legend(result.profiles))
        self.query_one(ValueView).show(result)
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
            self.no_result("k = auto is not chosen yet")
            return
        k = max(2, current + delta)
        if k != self.settings.k:
            self.start(self.settings.replace(k=k))

    def action_reseed(self) -> None:
        """Re-cluster with the next seed."""
        self.start(self.settings.replace(seed=self.settings.seed + 1))

    def action_toggle_clv(self) -> None:
        """Switch customer value (--clv) on or off and re-segment with the same seed."""
        self.start(self.clv_settings(self.settings, on=not self.settings.clv))

    def clv_settings(self, settings: Settings, *, on: bool) -> Settings:
        """``settings`` with --clv on or off. Off also drops --holdout-end (it needs
        --clv) but remembers it, so switching CLV on again restores the holdout check."""
        if not on:
            if settings.holdout_end is not None:
                self.held_holdout_end = settings.holdout_end
            return settings.replace(clv=False, holdout_end=None)
        return settings.replace(clv=True, holdout_end=settings.holdout_end or self.held_holdout_end)

    @property
    def stale(self) -> bool:
        """True when the last load failed and the result on screen is from before it."""
        return self.result is not None and self.last_error is not None

    def action_reload(self) -> None:
        """Read the source again and re-segment with the settings last asked for (after
        a failed load: the ones that failed, as corrected in s)."""
        if self.busy:
            self.workers.cancel_group(self, "segment")
        self.start(self.settings, reread=True)

    def action_back_or_cancel(self) -> None:
        """Cancel a running job; otherwise go back one level."""
        if self.busy:
            self.workers.cancel_group(self, "segment")
            self.generation += 1
            self.busy = False
            if self.applied is not None:
                self.settings = self.applied
            self.status = "Cancelled"
            self.set_timer(CANCELLED_SECONDS, self._clear_cancelled)
            self.refresh_header()
            return
        self.go_back()

    def _clear_cancelled(self) -> None:
        if self.status == "Cancelled" and not self.busy:
            self.status = ""


_APP_ACTIONS = frozenset(_action_name(b) for b in SegtuiApp.BINDINGS)

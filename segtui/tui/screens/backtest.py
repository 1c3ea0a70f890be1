"""The backtest dialog (B): the current settings segment the lines before a cut date;
the next period judges them beside the RFM R x F grid and K-Means k = 4, as
``segtui backtest`` does. A bar per segmentation shows eta squared of log(1 + next
spend); the tables give the whole-run figures and every segment's next period."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from segtui.engine import OptionError, SegtuiError
from segtui.settings_table import default
from segtui.tui.jobs import JobDone, JobFailed, Report, run_job
from segtui.tui.widgets.frame_table import FrameTable
from segtui.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    import polars as pl

if TYPE_CHECKING:
    from segtui.config import Settings
    from segtui.engine import Tables

DEFAULT_HORIZON: int = default("horizon@backtest")  # segtui backtest --horizon
BAR_WIDTH = 40


def comparison_frame(backtest: dict[str, Any]) -> pl.DataFrame:
    """One row per segmentation: segments, both eta squared, the bought-again range and
    the activity words the next period contradicts."""
    import polars as pl

    rows = []
    for m in backtest["methods"].values():
        checked = [s for s in m["segments"] if s["activity_holds"] is not None]
        rows.append(
            {
                "segmentation": m["title"],
                "segments": m["segments_count"],
                "eta2 spend": m["eta_squared"],
                "eta2 bought": m["repeat_eta_squared"],
                "bought range": round(m["repeat_rate_range"], 4),
                "words wrong": f"{len(m['contradicted'])} of {len(checked)}" if checked else "",
            }
        )
    return pl.DataFrame(rows)


def segments_frame(backtest: dict[str, Any]) -> pl.DataFrame:
    """Every segment of every segmentation with its next period."""
    import polars as pl

    rows = [
        {
            "segmentation": m["title"],
            "segment": s["name"],
            "activity": s["activity"] or "",
            "customers": s["customers"],
            "bought again": s["bought_again"],
            "spend/customer": s["spend_per_customer"],
            "revenue share": s["revenue_share"],
            "came true": {True: "yes", False: "NO", None: ""}[s["activity_holds"]],
        }
        for m in backtest["methods"].values()
        for s in m["segments"]
    ]
    return pl.DataFrame(rows)


def eta_bars(backtest: dict[str, Any], width: int = BAR_WIDTH) -> Text:
    """A bar per segmentation, its length eta squared of log(1 + next spend) against the
    best of the three (the longest bar is the best)."""
    values = {m["title"]: m["eta_squared"] or 0.0 for m in backtest["methods"].values()}
    best = max(values.values()) or 1.0
    text = Text("η² of log(1 + next-period spend)\n", style="bold")
    label = max(len(name) for name in values)
    for name, value in values.items():
        filled = round(width * value / best)
        text.append(f"{name:<{label}} ")
        text.append("█" * filled, style="green" if value == best else "cyan")
        text.append(f" {value:.3f}\n")
    return text


def parse_cut(text: str, horizon_text: str, current: dt.date) -> tuple[dt.date, int]:
    """The cut date and horizon typed in the dialog; OptionError unless the cut is a
    YYYY-MM-DD date before the current as-of date and the horizon a whole number."""
    from segtui.engine import check_horizon, parse_date_option

    at = parse_date_option(text, option="the cut date")
    if at >= current:
        raise OptionError(f"the cut date ({at}) must be before the data's end ({current})")
    if not horizon_text.strip().isdigit():
        raise OptionError("--horizon must be a whole number of days", value=horizon_text)
    horizon = int(horizon_text)
    check_horizon(horizon)
    return at, horizon


class BacktestScreen(ModalScreen[None]):
    """Ask for a cut date and horizon, then show how the segments held up."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close")]

    def __init__(self, settings: Settings, tables: Tables, as_of: dt.date) -> None:
        super().__init__()
        self.settings = settings.replace(clv=False, holdout_end=None)
        self.tables = tables
        self.as_of = as_of
        self.backtest: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        default = self.as_of - dt.timedelta(days=DEFAULT_HORIZON)
        with Vertical(id="backtest-box"):
            yield Static(
                "Backtest: segment the lines before the cut with the current settings, "
                "judge them by the next period",
                classes="dialog-title",
            )
            with Horizontal(classes="field"):
                yield Label("cut")
                yield Input(default.isoformat(), id="backtest-at")
                yield Label("horizon (days)")
                yield Input(str(DEFAULT_HORIZON), id="backtest-horizon", type="integer")
                yield Button("Compute", variant="primary", id="compute")
            yield Static("enter computes · esc closes", id="backtest-status")
            yield Static(id="backtest-chart")
            yield FrameTable(id="backtest-comparison", fixed_columns=1)
            yield FrameTable(id="backtest-segments", fixed_columns=2)
        yield KeyFooter()  # this dialog's keys, not the view's behind it

    def on_mount(self) -> None:
        self.query_one("#backtest-at", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.start()

    def start(self) -> None:
        """Validate the cut and horizon, then run the backtest in a worker."""
        status = self.query_one("#backtest-status", Static)
        try:
            at, horizon = parse_cut(
                self.query_one("#backtest-at", Input).value,
                self.query_one("#backtest-horizon", Input).value,
                self.as_of,
            )
        except SegtuiError as exc:
            status.update(f"✖ {exc}")
            return
        status.update("computing…")
        self.query_one("#compute", Button).disabled = True
        self.compute(at, horizon)

    def compute(self, at: dt.date, horizon: int) -> None:
        """The backtest off the UI thread (the engine's, as `segtui backtest` runs it)."""
        from segtui.engine import run_backtest as backtest

        def work(_: Report) -> dict[str, Any]:
            return backtest(self.settings, at, horizon, tables=self.tables).to_dict()

        run_job(self, "backtest", work)

    def on_job_done(self, event: JobDone) -> None:
        backtest: dict[str, Any] = event.value
        self.backtest = backtest
        self.query_one("#compute", Button).disabled = False
        base = backtest["methods"]["segtui"]["base_repeat_rate"]
        self.query_one("#backtest-status", Static).update(
            f"before {backtest['at']} → {backtest['at']} to {backtest['horizon_end']}: "
            f"{backtest['customers']:,} customers, {base:.1%} bought again · "
            f"{backtest['new_customers_in_horizon']:,} new (not judged)"
            + "".join(f"\n⚠ {w}" for w in backtest["warnings"])
        )
        self.query_one("#backtest-chart", Static).update(eta_bars(backtest))
        self.query_one("#backtest-comparison", FrameTable).set_frame(comparison_frame(backtest))
        table = self.query_one("#backtest-segments", FrameTable)
        table.set_frame(segments_frame(backtest))
        table.focus()

    def on_job_failed(self, event: JobFailed) -> None:
        self.query_one("#compute", Button).disabled = False
        self.query_one("#backtest-status", Static).update(f"✖ {event.message}")

    def action_close(self) -> None:
        self.dismiss(None)

"""The Value view (--clv): lifecycle stage x segment, value per segment and the holdout
check (a weekly table and a chart of actual vs predicted cumulative purchases).

Everything shown is read from ``result.value``, the engine's value facts (engine/value/),
the same figures the summary JSON and the report carry; nothing is computed here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from segtui.tui.palette import segment_glyph
from segtui.tui.widgets.charts import TrackingChart, tracking_legend
from segtui.tui.widgets.frame_table import FrameTable
from segtui.tui.widgets.table_layout import GAP, MAX_WIDTH, column_widths

if TYPE_CHECKING:
    import polars as pl

    from segtui.engine import SegmentationResult

OFF_TEXT = (
    "Customer value is off. Press V to switch it on: the same engine call as "
    "`segtui run --clv`, with the same seed. It adds P(alive), expected purchases, "
    "expected order value, CLV and a lifecycle stage per customer (sortable columns in "
    "Customers) and fills this view. The settings dialog (s) has the same switch."
)
# Fewest cells for a segment label (glyph, id, name) in the tables; longer names end in
# "…". 22 leaves room for the five stage columns at 80 columns (the view's 77 cells).
NAME_WIDTH = 22
NO_HOLDOUT_TEXT = (
    "No holdout check: start with --as-of D --holdout-end E (settings file: holdout_end) "
    "to compare predicted with actual purchases after D."
)


def value_facts(value: dict[str, Any]) -> Text:
    """The models in one paragraph: horizon, discount, totals, whether both fits
    converged and whether P(alive) says anything. Returns Text."""
    text = Text()
    text.append(
        f"Next {value['horizon_days']} days at {value['discount_rate']:.0%} a year: ", style="bold"
    )
    text.append(
        f"CLV {value['total_clv']:,.2f} in total · "
        f"{value['total_expected_purchases']:,.1f} expected purchases · "
        f"{value['n_customers_fitted']:,} customers fitted ({value['n_repeat']:,} repeat)"
    )
    converged = "both fits converged" if value["converged"] else "a fit did NOT converge"
    text.append(f" · {converged}", style="" if value["converged"] else "bold red")
    check = value.get("p_alive") or {}
    if check and not check["informative"]:
        text.append(
            f", but P(alive) is nearly constant ({check['p1']:.2f}–{check['p99']:.2f}): it "
            "cannot tell who has left, and the stages follow recency alone",
            style="bold yellow",
        )
    return text


def _segment_cell(segment_id: int, name: str) -> str:
    """A segment as the tables name it: glyph, id and name (cut with "…" by the table)."""
    return f"{segment_glyph(segment_id)} {segment_id} {name}"


def stage_frame(value: dict[str, Any]) -> pl.DataFrame:
    """Customers per lifecycle stage (columns) and segment (rows), with an "all" row: the
    stage x segment cross-table of the summary. Returns a DataFrame for a FrameTable,
    which widens each count column to its widest count and scrolls sideways, so no count
    is cut at 80 columns however many customers there are."""
    import polars as pl

    from segtui.engine import LIFECYCLE_STAGES as STAGES

    rows = [
        (_segment_cell(r["id"], r["name"]), *(r["stages"][s] for s in STAGES))
        for r in value["segments"]
    ]
    counts = value["lifecycle"]["counts"]
    rows.append(("all", *(counts[s] for s in STAGES)))
    schema = {"segment": pl.String, **dict.fromkeys(STAGES, pl.Int64)}
    return pl.DataFrame(rows, schema=schema, orient="row")


def segment_value_frame(value: dict[str, Any]) -> pl.DataFrame:
    """Mean and total CLV and mean P(alive) per segment. Returns a DataFrame for a
    FrameTable (totals in the billions stay whole: the column widens, then scrolls)."""
    import polars as pl

    return pl.DataFrame(
        {
            "segment": [_segment_cell(r["id"], r["name"]) for r in value["segments"]],
            "mean CLV": [float(r["mean_clv"]) for r in value["segments"]],
            "total CLV": [float(r["total_clv"]) for r in value["segments"]],
            "mean P(alive)": [float(r["mean_p_alive"]) for r in value["segments"]],
        },
        schema={
            s: pl.String if s == "segment" else pl.Float64
            for s in ("segment", "mean CLV", "total CLV", "mean P(alive)")
        },
    )


def rules_text(value: dict[str, Any]) -> Text:
    """The stage rules with this data's thresholds (first rule that matches). Returns Text."""
    life = value["lifecycle"]
    text = Text(style="italic")
    text.append(
        f"Stages: typical gap between purchases {life['typical_gap_days']:.0f} days, lapse "
        f"threshold {life['lapse_threshold_days']:.0f} days; the first rule that matches:\n"
    )
    text.append("\n".join(f"  {stage}: {rule}" for stage, rule in life["rules"].items()))
    text.append("\n" + value["no_purchases"][0].upper() + value["no_purchases"][1:] + ".")
    return text


def holdout_text(holdout: dict[str, Any]) -> Text:
    """The holdout check in one paragraph, the aggregate error in bold. Returns Text."""
    from segtui.engine import holdout_warning

    error = holdout["aggregate_error"]
    text = Text()
    text.append("Holdout check: ", style="bold")
    text.append(
        f"fitted on purchases before {holdout['start']}; to {holdout['end']} "
        f"({holdout['weeks']} weeks) the {holdout['customers']:,} customers made "
        f"{holdout['actual']:,} repeat purchases, the model predicted "
        f"{holdout['predicted']:,.1f}: "
    )
    text.append(
        "aggregate error –" if error is None else f"aggregate error {error:+.1%}", style="bold"
    )
    text.append(
        f" (from age alone: {holdout['predicted_from_age_only']:,.1f}; "
        f"{holdout['new_customers_in_holdout']:,} customers new in the holdout, not forecast)."
    )
    # Beside the figure it qualifies: a holdout past the data reads as a model error.
    short = holdout_warning(holdout)
    if short is not None:
        text.append("\n" + short, style="bold")
    return text


def holdout_frame(holdout: dict[str, Any]) -> pl.DataFrame:
    """Week by week: cumulative actual and predicted repeat purchases and their error.
    Returns a DataFrame for a FrameTable."""
    import polars as pl

    errors = [
        "–" if not r["actual"] else f"{(r['predicted'] - r['actual']) / r['actual']:+.1%}"
        for r in holdout["rows"]
    ]
    return pl.DataFrame(
        {
            "week": [int(r["week"]) for r in holdout["rows"]],
            "through": [str(r["through"]) for r in holdout["rows"]],
            "actual": [int(r["actual"]) for r in holdout["rows"]],
            "predicted": [float(r["predicted"]) for r in holdout["rows"]],
            "error": errors,
        },
        schema={
            "week": pl.Int64,
            "through": pl.String,
            "actual": pl.Int64,
            "predicted": pl.Float64,
            "error": pl.String,
        },
    )


class ValueView(VerticalScroll):
    """Stage x segment, value per segment and the holdout check of the current result."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", "Scroll down", show=False),
        Binding("k", "scroll_up", "Scroll up", show=False),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
    ]

    def compose(self):  # type: ignore[no-untyped-def]
        # Nothing about CLV is known until a result lands (a load may fail first).
        yield Static("Customer value shows here once a result is on screen.", id="value-facts")
        yield Static(classes="chart-title", id="stage-title")
        yield FrameTable(id="stage-table", classes="value-table", fixed_columns=1, pinned_rows=1)
        yield Static(classes="chart-title", id="segment-value-title")
        yield FrameTable(id="segment-value-table", classes="value-table", fixed_columns=1)
        yield Static(id="holdout-facts")
        yield Static(id="tracking-legend")
        yield TrackingChart(id="tracking")
        yield FrameTable(id="holdout-table", classes="value-table", fixed_columns=1)
        yield Static(id="stage-rules")

    def on_mount(self) -> None:
        for child in self.children[1:]:
            child.display = False

    def show(self, result: SegmentationResult) -> None:
        """Show ``result``'s value facts, or how to switch them on when it has none."""
        value = result.value
        parts = {
            "#stage-title",
            "#stage-table",
            "#segment-value-title",
            "#segment-value-table",
            "#stage-rules",
            "#holdout-facts",
        }
        for selector in parts:
            self.query_one(selector).display = value is not None
        if value is None:
            self.query_one("#value-facts", Static).update(OFF_TEXT)
            self._show_holdout(None)
            return
        self.query_one("#value-facts", Static).update(value_facts(value))
        self.query_one("#stage-title", Static).update("Customers per lifecycle stage and segment")
        self._show_table("#stage-table", stage_frame(value))
        self.query_one("#segment-value-title", Static).update("Value per segment")
        self._show_table("#segment-value-table", segment_value_frame(value))
        self.query_one("#stage-rules", Static).update(rules_text(value))
        holdout = value.get("holdout")
        self.query_one("#holdout-facts", Static).update(
            holdout_text(holdout) if holdout else Text(NO_HOLDOUT_TEXT, style="italic")
        )
        self._show_holdout(holdout)

    def _show_holdout(self, holdout: dict[str, Any] | None) -> None:
        for selector in ("#tracking-legend", "#tracking", "#holdout-table"):
            self.query_one(selector).display = bool(holdout)
        if not holdout:
            return
        legend = tracking_legend()
        legend.append("  cumulative repeat purchases, week 0 to " + str(holdout["weeks"]))
        self.query_one("#tracking-legend", Static).update(legend)
        # Week 0 (the as-of date) is 0 for both: the lines start together.
        self.query_one(TrackingChart).show(
            [0.0, *(float(r["actual"]) for r in holdout["rows"])],
            [0.0, *(float(r["predicted"]) for r in holdout["rows"])],
        )
        self._show_table("#holdout-table", holdout_frame(holdout))

    def _show_table(self, selector: str, frame: pl.DataFrame, *, keep_cursor: bool = False) -> None:
        """Show ``frame`` in the FrameTable ``selector``: as tall as its rows (app.tcss), so
        the view scrolls up and down and the table sideways, by whole columns."""
        table = self.query_one(selector, FrameTable)
        table.text_width = self._name_width(frame)
        table.set_frame(frame, keep_cursor=keep_cursor)

    def _name_width(self, frame: pl.DataFrame) -> int:
        """Cells for the segment names: the room the number columns leave, from
        NAME_WIDTH (every stage column fits 80 columns) to MAX_WIDTH."""
        if "segment" not in frame.columns:
            return MAX_WIDTH
        others = column_widths(frame.drop("segment"))
        room = self.scrollable_content_region.width - sum(others) - GAP * (len(others) + 1)
        return max(NAME_WIDTH, min(MAX_WIDTH, room))

    def on_resize(self) -> None:
        # Wider or narrower: the names take the room there is now.
        for table in self.query(".value-table").results(FrameTable):
            if table.columns:
                self._show_table(f"#{table.id}", table.frame, keep_cursor=True)

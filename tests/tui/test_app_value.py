"""The workbench's customer-value parts (issue 19): the Value view's stage x segment table
and holdout check, the CLV switch (V and the settings dialog), CLV columns sortable."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from conftest import PRE_SWITCH
from textual.widgets import Checkbox

from segtui.config import Settings
from segtui.engine.sample_realistic import generate_realistic
from segtui.engine.value.lifecycle import STAGES
from segtui.tui.app import SegtuiApp
from segtui.tui.palette import segment_glyph
from segtui.tui.screens.settings import SettingsScreen
from segtui.tui.widgets.charts import TrackingChart, tracking_chart
from segtui.tui.widgets.frame_table import FrameTable

from .conftest import screen_text, settle

AS_OF = dt.date(2024, 7, 1)
HOLDOUT_END = dt.date(2024, 12, 30)


@pytest.fixture(scope="module")
def realistic_dir(tmp_path_factory) -> Path:
    """A realistic sample (2023-2024, heavy tails, one-timers, lapsed cohorts)."""
    folder = tmp_path_factory.mktemp("realistic")
    generate_realistic(1500, seed=7).write(folder)
    return folder


def numbers(line: str) -> list[int]:
    """The whole numbers of a table line, thousands separators removed."""
    return [int(cell.replace(",", "")) for cell in line.split() if cell.replace(",", "").isdigit()]


async def test_value_view_without_clv_says_how_to_switch_it_on(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        assert app.result is not None and app.result.value is None
        assert "Customer value is off. Press V to switch it on" in screen_text(app)
        assert app.focused is app.query_one("#value-view")


async def test_shift_v_switches_clv_on_and_keeps_the_seed_and_segments(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = app.result
        await pilot.press("V")
        await settle(pilot)
        assert app.result.settings.clv and app.result.settings.seed == 42
        assert app.result.value is not None
        assert app.result.segments["segment"].equals(before.segments["segment"])
        assert "CLV 90 d" in screen_text(app)
        await pilot.press("V")
        await settle(pilot)
        assert app.result.value is None and "clv" not in app.result.segments.columns


async def test_stage_table_at_80x24_shows_the_engine_counts_per_segment(make_app) -> None:
    app = make_app(clv=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if "reactivated" in line)
        assert all(stage in header for stage in STAGES)  # every stage column fits 80 columns
        for row in app.result.value["segments"]:
            line = next(x for x in lines if x.lstrip().startswith(f"{segment_glyph(row['id'])} "))
            assert numbers(line)[-len(STAGES) :] == [row["stages"][s] for s in STAGES]
        counts = app.result.value["lifecycle"]["counts"]
        total = next(x for x in lines if x.lstrip().startswith("all "))
        assert numbers(total) == [counts[s] for s in STAGES]
        # Sorting the table (o on a stage column, twice: descending) orders the segments
        # and leaves the "all" row last, where a total belongs.
        table = app.query_one("#stage-table", FrameTable)
        table.focus()
        table.cursor_column = table.columns.index(STAGES[0])
        for descending in (False, True):
            await pilot.press("o")
            frame = table.frame
            assert frame["segment"][-1] == "all"
            assert frame[STAGES[0]][-1] == counts[STAGES[0]]
            column = frame[STAGES[0]].head(frame.height - 1).to_list()
            assert column == sorted(column, reverse=descending)
            assert len(column) == len(app.result.value["segments"])


async def test_holdout_report_shows_the_error_table_and_the_chart(realistic_dir) -> None:
    settings = Settings(source=realistic_dir, **PRE_SWITCH).replace(
        clv=True, as_of=AS_OF, holdout_end=HOLDOUT_END
    )
    app = SegtuiApp(settings, export_dir=realistic_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        holdout = app.result.value["holdout"]
        assert f"aggregate error {holdout['aggregate_error']:+.1%}" in screen_text(app)
        chart = app.query_one(TrackingChart)
        assert chart.actual == [0.0, *(float(r["actual"]) for r in holdout["rows"])]
        assert chart.predicted[-1] == pytest.approx(holdout["predicted"])
        await pilot.press("G")
        last = holdout["rows"][-1]
        line = next(x for x in screen_text(app).splitlines() if last["through"] in x)
        assert line.split()[:4] == [
            str(last["week"]),
            last["through"],
            f"{last['actual']:,}",
            f"{last['predicted']:,.2f}",
        ]


def test_tracking_chart_draws_each_series_to_its_final_value() -> None:
    chart = tracking_chart([0, 5, 10], [0, 2, 5], 24, 4, glyphs=True).plain.splitlines()
    assert chart[0].startswith("10 ┤") and chart[-1].startswith(" 0 ┤")
    assert chart[0].rstrip().endswith("●")  # actual ends at the top
    assert "○" in chart[1] or "○" in chart[2]  # predicted ends half-way up
    assert "○" not in chart[0]


async def test_settings_dialog_switch_turns_clv_on(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        app.screen.query_one("#clv", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.result.settings.clv and app.result.value is not None


def test_clv_off_drops_the_holdout_end_and_on_gives_it_back(zeotap_dir) -> None:
    settings = Settings(source=zeotap_dir, **PRE_SWITCH).replace(
        clv=True, as_of=AS_OF, holdout_end=HOLDOUT_END
    )
    app = SegtuiApp(settings)
    off = app.clv_settings(settings, on=False)
    assert not off.clv and off.holdout_end is None  # --holdout-end needs --clv
    assert app.clv_settings(off, on=True).holdout_end == HOLDOUT_END


@pytest.mark.parametrize("column", ["p_alive", "expected_purchases", "expected_order_value", "clv"])
async def test_clv_columns_sort_all_customers(make_app, column) -> None:
    app = make_app(clv=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        table = app.query_one("#customer-table", FrameTable)
        table.cursor_column = table.columns.index(column)
        await pilot.press("o", "o")  # descending
        await settle(pilot)
        expected = app.result.segments.sort(column, descending=True, nulls_last=True)
        assert table.frame[column][0] == expected[column][0]
        assert table.frame[column].is_null().sum() == expected[column].is_null().sum()


async def test_stage_column_sorts_all_customers(make_app) -> None:
    app = make_app(clv=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        table = app.query_one("#customer-table", FrameTable)
        table.cursor_column = table.columns.index("stage")
        await pilot.press("o")
        await settle(pilot)
        stages = table.frame["stage"].drop_nulls().to_list()
        assert stages == sorted(stages)
        assert table.frame["stage"][0] == min(app.result.segments["stage"].drop_nulls())
        assert pl.Series(stages).n_unique() > 1


async def test_palette_offers_the_value_view_and_the_clv_switch(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Value view (CLV, stages)", "CLV on/off"} <= titles
        await app._run_from_palette("toggle_clv", None)
        await settle(pilot)
        assert app.result.value is not None and app.result.settings.seed == 42


async def test_value_view_claims_nothing_when_the_load_failed(tmp_path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "Transactions.csv").write_text(
        "TransactionID,CustomerID,ProductID,TransactionDate,Quantity,TotalValue,Price\n"
        "T1,C1,P1,2024-01-05,1,twelve,12.0\n",
        encoding="utf-8",
    )
    app = SegtuiApp(Settings(source=folder, **PRE_SWITCH).replace(clv=True), export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        text = screen_text(app)
        assert app.last_error is not None
        assert "Customer value shows here once a result is on screen" in text
        assert "Customer value is off" not in text  # --clv was asked for


async def test_holdout_past_the_data_says_so_beside_the_aggregate_error(realistic_dir) -> None:
    settings = Settings(source=realistic_dir, **PRE_SWITCH).replace(
        clv=True, as_of=AS_OF, holdout_end=dt.date(2025, 12, 31)
    )
    app = SegtuiApp(settings, export_dir=realistic_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        data_end = app.result.value["holdout"]["data_end"]
        assert data_end is not None and data_end < "2025-12-31"
        text = " ".join(screen_text(app).split())
        assert f"The data end on {data_end}" in text
        assert "measures the missing data, not the model" in text

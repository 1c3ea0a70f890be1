"""Pilot tests: the backtest dialog (B) shows the engine's backtest of the current
settings, a bar per segmentation and every segment's next period."""

from __future__ import annotations

import datetime as dt

from segtui.engine.backtest import backtest
from segtui.tui.screens.backtest import BacktestScreen
from segtui.tui.widgets.frame_table import FrameTable

from .conftest import screen_text, settle


async def test_backtest_dialog_matches_the_engine(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        await pilot.press("B")
        assert isinstance(app.screen, BacktestScreen)
        cut = app.result.as_of - dt.timedelta(days=90)
        assert app.focused.id == "backtest-at" and app.focused.value == cut.isoformat()
        await pilot.press("enter")
        await settle(pilot)
        engine = backtest(app.result.settings, cut, 90).to_dict()
        shown = app.screen.backtest
        assert shown is not None
        for key, method in engine["methods"].items():
            assert shown["methods"][key]["eta_squared"] == method["eta_squared"]
        comparison = app.screen.query_one("#backtest-comparison", FrameTable).frame
        assert comparison["eta2 spend"].to_list() == [
            m["eta_squared"] for m in engine["methods"].values()
        ]
        segments = app.screen.query_one("#backtest-segments", FrameTable).frame
        assert segments.height == sum(len(m["segments"]) for m in engine["methods"].values())
        text = screen_text(app)
        assert "η² of log(1 + next-period spend)" in text and "█" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, BacktestScreen)


async def test_backtest_dialog_refuses_a_cut_after_the_data(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("B")
        field = app.screen.query_one("#backtest-at")
        # At 80x24 the whole date shows, cursor after it (it read "4-09-30", cut left).
        cut = (app.result.as_of - dt.timedelta(days=90)).isoformat()
        assert f" {cut} " in screen_text(app)
        field.value = app.result.as_of.isoformat()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BacktestScreen) and app.screen.backtest is None
        assert "must be before the data's end" in screen_text(app)

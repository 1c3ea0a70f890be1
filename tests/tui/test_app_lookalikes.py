"""Pilot tests: lookalikes of the selected customer (l) and jumping to one (Enter)."""

from __future__ import annotations

from segtui.engine.models.lookalike import result_lookalikes
from segtui.tui.screens.lookalikes import LookalikesScreen
from segtui.tui.widgets.customers_view import CustomersView
from segtui.tui.widgets.frame_table import FrameTable

from .conftest import screen_text, settle


def customer_table(app) -> FrameTable:
    return app.query_one("#customer-table", FrameTable)


async def test_l_on_a_customer_lists_its_lookalikes_with_engine_scores(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2", "L")
        await settle(pilot)
        assert isinstance(app.screen, LookalikesScreen)
        shown = app.screen.query_one("#lookalike-table", FrameTable).frame
        expected = result_lookalikes(app.result, ["C0001"], top=5).table
        assert shown["LookalikeID"].to_list() == expected["LookalikeID"].to_list()
        assert shown["rank"].to_list() == [1, 2, 3, 4, 5]
        assert shown["score"].to_list() == [round(s, 3) for s in expected["score"]]
        assert "Lookalikes of C0001 Lawrence Carroll" in screen_text(app)


async def test_lookalikes_show_each_ones_name_and_segment(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2", "L")
        await settle(pilot)
        shown = app.screen.query_one("#lookalike-table", FrameTable).frame
        segments = app.result.segments
        for row in shown.iter_rows(named=True):
            source = segments.filter(segments["CustomerID"] == row["LookalikeID"]).row(
                0, named=True
            )
            assert row["CustomerName"] == source["CustomerName"]
            assert row["segment"] == source["segment"]


async def test_enter_on_a_lookalike_moves_the_cursor_to_that_customer(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2", "f")  # filter to segment 0 first: the jump clears it
        await pilot.pause()
        await pilot.press("L")
        await settle(pilot)
        second = app.screen.query_one("#lookalike-table", FrameTable).frame["LookalikeID"][1]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, LookalikesScreen)
        table = customer_table(app)
        assert app.query_one(CustomersView).segment is None
        assert table.row_count == 200
        assert table.row_values(table.cursor_row)["CustomerID"] == second
        assert app.focused is table


async def test_customer_without_purchases_says_it_has_no_lookalikes(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2", "slash", *"c0180", "enter")
        await pilot.pause()
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, LookalikesScreen)
        assert "purchases" in app.screen.error
        assert app.screen.query_one("#lookalike-table", FrameTable).row_count == 0
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, LookalikesScreen)
        assert app.is_running


async def test_escape_closes_lookalikes_without_moving_the_cursor(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2", "down", "down", "L")
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, LookalikesScreen)
        assert customer_table(app).cursor_row == 2

"""VisiData's table keys in every table: ctrl+f/ctrl+b page, 0/$ first/last column,
[ and ] sort ascending/descending, and search matches highlighted."""

from __future__ import annotations

import pytest

from segtui.tui.widgets.frame_table import FrameTable

from .conftest import settle

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


def customer_table(app) -> FrameTable:
    return app.query_one("#customer-table", FrameTable)


@SIZES
async def test_ctrl_f_and_ctrl_b_page_down_and_up(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = customer_table(app)
        page = table.scrollable_content_region.height - 2
        await pilot.press("ctrl+f")
        assert table.cursor_row == page
        await pilot.press("ctrl+f")
        assert table.cursor_row == 2 * page
        assert int(table.scroll_offset.y) > 0
        await pilot.press("ctrl+b")
        assert table.cursor_row == page


@SIZES
async def test_zero_and_dollar_go_to_the_first_and_last_column(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("2", "dollar_sign")
        await settle(pilot)
        table = customer_table(app)
        assert table.cursor_column == len(table.columns) - 1
        last = table.columns[-1]
        assert last in "".join(
            segment.text for segment in table.render_line(0)
        )  # the last column is scrolled into view
        await pilot.press("0")
        assert table.cursor_column == 0
        assert int(table.scroll_offset.x) == 0


async def test_brackets_sort_ascending_and_descending(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", *"llll")
        await settle(pilot)
        table = customer_table(app)
        column = table.columns[4]
        assert column == "total_spend"
        spend = app.result.segments["total_spend"]
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert table.frame[column].to_list() == sorted(spend.to_list(), reverse=True)
        await pilot.press("right_square_bracket")  # again: still descending, not toggled
        await settle(pilot)
        assert table.frame[column][0] == spend.max()
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert table.frame[column].to_list() == sorted(spend.to_list())


async def test_brackets_sort_a_screen_table_in_place(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "enter")
        await settle(pilot)
        table = app.screen.query_one("#tx-table", FrameTable)
        column = "TotalValue"
        table.cursor_column = table.columns.index(column)
        values = table.frame[column].to_list()
        await pilot.press("left_square_bracket")
        assert table.frame[column].to_list() == sorted(values)
        await pilot.press("right_square_bracket")
        assert table.frame[column].to_list() == sorted(values, reverse=True)


async def test_search_matches_are_highlighted(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2", "slash", *"asia", "enter")
        await settle(pilot)
        table = customer_table(app)
        match = table.get_component_rich_style("frame-table--match")
        assert match.bgcolor is not None
        await pilot.press("dollar_sign")  # region, where "Asia" is
        await settle(pilot)
        for y in range(2, 6):  # rows below the cursor's (its cell is reversed)
            segments = list(table.render_line(y))
            marked = [
                s.text.strip() for s in segments if s.style and s.style.bgcolor == match.bgcolor
            ]
            assert marked == ["Asia"], marked
            others = [s for s in segments if s.text.strip() and s.text.strip() != "Asia"]
            assert all(s.style is None or s.style.bgcolor != match.bgcolor for s in others)

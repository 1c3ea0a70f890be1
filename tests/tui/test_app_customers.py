"""Pilot tests: Customers view (filter, search, sort, drill-down), Data and Charts views."""

from __future__ import annotations

from textual.widgets import ListView

from segtui.tui.screens.transactions import TransactionsScreen
from segtui.tui.widgets.customers_view import CustomersView
from segtui.tui.widgets.frame_table import FrameTable

from .conftest import screen_text, settle


def customer_table(app) -> FrameTable:
    return app.query_one("#customer-table", FrameTable)


async def test_enter_on_a_segment_lists_its_customers_with_a_breadcrumb(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, ListView)
        await pilot.press("down", "enter")
        await pilot.pause()
        profile = app.result.profiles[1]
        table = customer_table(app)
        assert app.query_one("#tabs").active == "customers"
        assert table.row_count == profile.size
        assert set(table.frame["segment"].to_list()) == {1}
        text = screen_text(app)
        assert f"Segments › 1 {profile.name}" in text
        assert f"showing {profile.size} of 200" in text


async def test_escape_from_a_segments_customers_goes_back_to_segments(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one("#tabs").active == "customers"
        await pilot.press("escape")
        await pilot.pause()
        assert app.query_one("#tabs").active == "segments"
        assert app.query_one(CustomersView).segment is None


async def test_slash_search_filters_customers_by_text(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "slash")
        await pilot.press(*"c0001")
        await pilot.press("enter")
        await pilot.pause()
        table = customer_table(app)
        assert table.frame["CustomerID"].to_list() == ["C0001"]
        assert "showing 1 of 200" in screen_text(app)
        assert app.focused is table


async def test_escape_clears_the_search_first(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "slash", *"asia", "enter")
        await pilot.pause()
        assert customer_table(app).row_count < 200
        await pilot.press("escape")
        await pilot.pause()
        assert customer_table(app).row_count == 200
        assert app.query_one("#tabs").active == "customers"


async def test_f_cycles_the_segment_filter(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "f")
        await pilot.pause()
        assert set(customer_table(app).frame["segment"].to_list()) == {0}
        await pilot.press("f", "f", "f", "f")
        await pilot.pause()
        assert customer_table(app).frame["CustomerID"].to_list() == ["C0180"]
        await pilot.press("f")
        await pilot.pause()
        assert customer_table(app).row_count == 200


async def test_o_sorts_by_the_cursor_column_and_again_reverses(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "right", "right", "right", "right")
        assert customer_table(app).columns[customer_table(app).cursor_column] == "total_spend"
        await pilot.press("o")
        await pilot.pause()
        spend = customer_table(app).frame["total_spend"].to_list()
        assert spend[:-1] == sorted(spend[:-1])  # the customer without purchases is last
        await pilot.press("o")
        await pilot.pause()
        spend = customer_table(app).frame["total_spend"].to_list()
        assert spend[0] == max(s for s in spend if s is not None)
        assert "total_spend ▼" in screen_text(app)


async def test_clicking_a_header_sorts_by_that_column(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        table = customer_table(app)
        column = table.columns.index("segment")
        x = sum(table.widths[:column]) + 2 * column + 1
        await pilot.click("#customer-table", offset=(x, 0))
        await pilot.pause()
        assert table.sort_column == "segment"
        assert table.frame["segment"].to_list()[0] == -1


async def test_enter_on_a_customer_shows_its_transactions_and_escape_returns(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TransactionsScreen)
        tx = app.screen.query_one(FrameTable)
        assert tx.row_count == 5
        assert set(tx.frame["CustomerID"].to_list()) == {"C0001"}
        assert "C0001 Lawrence Carroll" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TransactionsScreen)
        assert app.query_one("#tabs").active == "customers"


async def test_table_scrolls_with_page_down_and_end(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "pagedown")
        table = customer_table(app)
        assert table.cursor_row > 5
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == 199
        assert "C0200" in screen_text(app)


async def test_data_view_shows_counts_quality_and_each_raw_table(make_app, monkeypatch) -> None:
    """The result is on screen before the Data view has read its counts and first rows
    (they are read after it, by the view's own job), then the view shows them."""
    import threading

    from segtui.tui.widgets import data_view

    release = threading.Event()
    read_heads = data_view.raw_heads

    def held(tables):
        assert release.wait(60)
        return read_heads(tables)

    monkeypatch.setattr(data_view, "raw_heads", held)
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        try:
            segmenting = next(w for w in app.workers if w.group == "segment")
            await segmenting.wait()
            await pilot.pause()
            assert app.result is not None and not app.busy
            assert app.query_one("#segment-list").children  # the segments are on screen
            await pilot.press("3")
            text = screen_text(app)
            assert "Rows: counting…" in text and "reading the first rows…" in text
        finally:
            release.set()
        await settle(pilot)
        text = screen_text(app)
        assert "customers 200 · products 100 · transactions 1,000" in text
        assert "customers without transactions 1" in text
        raw = app.query_one("#raw-table", FrameTable)
        assert raw.row_count == 200
        await pilot.press("t")
        assert raw.row_count == 100
        await pilot.press("t")
        assert raw.row_count == 1000
        assert "Transactions · row 1 · 1,000 of 1,000 rows shown" in screen_text(app)


async def test_charts_show_a_bar_per_segment_and_the_projection(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await pilot.pause()
        text = screen_text(app)
        for profile in app.result.profiles:
            assert f"{profile.id} {profile.name}" in text
            assert f"{profile.size:>7,} {profile.share:5.1%}" in text
        assert "PCA of the clustering space" in text
        assert any(0x2800 < ord(ch) <= 0x28FF for ch in text)


async def test_large_tables_sort_in_a_worker_and_then_show_sorted(make_app, monkeypatch) -> None:
    from segtui.tui.widgets import customers_view

    monkeypatch.setattr(customers_view, "BACKGROUND_ROWS", 10)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "right", "right", "right", "right", "o", "o")
        await settle(pilot)
        view = app.query_one(CustomersView)
        assert not view.pending
        spend = customer_table(app).frame["total_spend"].to_list()
        assert spend[0] == max(s for s in spend if s is not None)
        assert "showing 200 of 200" in screen_text(app)


async def test_arrow_page_and_home_keys_move_the_cursor(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = customer_table(app)
        await pilot.press("2", "down", "down", "up")
        assert table.cursor_row == 1
        await pilot.press("pagedown", "pagedown", "pageup")
        assert table.cursor_row == 1 + table.scrollable_content_region.height - 2
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("right", "right", "left")
        assert table.cursor_column == 1

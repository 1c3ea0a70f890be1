"""Tables as vim/VisiData users expect them (issue 17, second round): h/l move columns and
lookalikes moved to L; / in the Data view searches every row of the table, not the rows
loaded; progress shows a percentage only where the engine counts its work."""

from __future__ import annotations

import polars as pl

from segtui.tui import session as session_module
from segtui.tui.screens.lookalikes import LookalikesScreen
from segtui.tui.session import StageClock, stage_percent
from segtui.tui.widgets.frame_table import FrameTable

from .conftest import screen_text, settle


async def test_h_and_l_move_the_column_cursor_in_the_customers_table(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "l", "l", "l", "h")
        table = app.query_one("#customer-table", FrameTable)
        assert table.cursor_column == 2
        assert not isinstance(app.screen, LookalikesScreen)


async def test_shift_l_opens_the_lookalikes_of_the_customer_under_the_cursor(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "j", "L")
        await settle(pilot)
        assert isinstance(app.screen, LookalikesScreen)
        table = app.query_one("#customer-table", FrameTable)
        assert app.screen.customer_id == table.row_values(1)["CustomerID"]
        await pilot.press("L")  # L closes it again, like esc
        await pilot.pause()
        assert not isinstance(app.screen, LookalikesScreen)


async def test_data_view_search_finds_rows_beyond_the_loaded_head(
    make_app, zeotap_dir, monkeypatch
) -> None:
    monkeypatch.setattr(session_module, "HEAD_ROWS", 50)
    everything = pl.read_csv(zeotap_dir / "Transactions.csv", encoding="utf8-lossy")
    # A customer none of whose transactions is among the first 50 rows.
    late = everything.slice(50)["CustomerID"].unique().sort()
    customer = next(c for c in late if c not in set(everything.head(50)["CustomerID"]))
    wanted = everything.filter(pl.col("CustomerID") == customer)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3", "t", "t", "slash")  # customers -> products -> transactions
        await pilot.pause()
        await pilot.press(*customer, "enter")
        await settle(pilot)
        table = app.query_one("#raw-table", FrameTable)
        assert table.frame["TransactionID"].to_list() == wanted["TransactionID"].to_list()
        assert f"{wanted.height:,} rows contain “{customer}”" in screen_text(app)
        await pilot.press("n")
        assert table.cursor_row == min(1, wanted.height - 1)


async def test_data_view_search_and_sort_combine_over_all_rows(
    make_app, zeotap_dir, monkeypatch
) -> None:
    monkeypatch.setattr(session_module, "HEAD_ROWS", 5)
    everything = pl.read_csv(zeotap_dir / "Transactions.csv", encoding="utf8-lossy")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3", "t", "t", "slash")
        await pilot.pause()
        await pilot.press(*"P05", "enter")  # product ids P050..P059 and P005
        await settle(pilot)
        table = app.query_one("#raw-table", FrameTable)
        table.cursor_column = table.columns.index("TotalValue")
        await pilot.press("o", "o")  # descending
        await settle(pilot)
        matching = everything.filter(
            pl.any_horizontal(
                pl.col(c).str.to_lowercase().str.contains("p05", literal=True)
                for c, t in everything.schema.items()
                if t == pl.String
            )
        )
        # Every matching row, not the 5 read first: the view holds the whole answer.
        assert table.frame["TotalValue"].to_list() == (
            matching["TotalValue"].sort(descending=True).to_list()
        )


async def test_escape_clears_the_data_view_search(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3", "slash")
        await pilot.pause()
        await pilot.press(*"asia", "enter")
        await settle(pilot)
        table = app.query_one("#raw-table", FrameTable)
        assert set(table.frame["Region"]) == {"Asia"}
        await pilot.press("escape")
        await settle(pilot)
        assert len(set(table.frame["Region"])) > 1
        assert app.query_one("#tabs").active == "data"


def test_a_counted_stage_shows_the_share_of_its_steps_done() -> None:
    assert stage_percent("k = 5 (3/9)") == 22  # two of nine k finished
    assert stage_percent("k = 2 (1/9)") == 0


def test_a_stage_that_does_not_count_its_work_has_no_percentage() -> None:
    clock = StageClock()
    clock.enter("Computing features")
    assert stage_percent("Computing features") is None
    assert clock.text() == "Computing features"


async def test_status_line_shows_the_sweep_share_while_k_auto_runs(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.busy = True
        app._progress(app.generation, "k = 6 (5/9)")
        await pilot.pause()
        assert "k = 6 (5/9) · 44%" in screen_text(app)


async def test_customers_view_says_which_row_the_cursor_is_on(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "j", "j", "j")
        assert "row 4 · showing 200 of 200" in screen_text(app)
        await pilot.press("G")
        assert "row 200 · showing 200 of 200" in screen_text(app)


async def test_data_view_title_says_which_row_the_cursor_is_on(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3", "j", "j")
        assert "Customers · row 3 · 200 of 200 rows shown" in screen_text(app)


async def test_many_warnings_leave_the_raw_table_on_an_80x24_screen(make_app) -> None:
    import datetime as dt

    app = make_app(clv=True, as_of=dt.date(2024, 7, 1))  # six warnings and more figures
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await pilot.pause()
        assert len(app.result.warnings) >= 5
        lines = screen_text(app).splitlines()
        assert any(line.startswith("CustomerID    CustomerName") for line in lines)
        assert app.query_one("#quality-box").max_scroll_y > 0  # the rest scrolls


async def test_charts_open_from_the_data_view(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3", "4")  # the Data view's scrolling quality box must not pull it back
        assert app.query_one("#tabs").active == "charts"

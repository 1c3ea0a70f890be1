"""Keys as keyboard users expect them (issue 17): vim/VisiData movement and n/N in
tables, reload with the same seed, help and palette generated from the bindings, the
ID column frozen while scrolling sideways."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from segtui.tui.app import SegtuiApp
from segtui.tui.keys import binding_sources, help_rows, key_label
from segtui.tui.screens.dialogs import HelpScreen
from segtui.tui.widgets.frame_table import FrameTable

from .conftest import screen_text, settle


def customer_table(app: SegtuiApp) -> FrameTable:
    return app.query_one("#customer-table", FrameTable)


def test_keys_are_shown_in_one_notation() -> None:
    assert [key_label(k) for k in ("question_mark", "escape", "f5", "ctrl+r", "down")] == [
        "?",
        "esc",
        "F5",
        "ctrl+r",
        "↓",
    ]


def test_help_lists_dialog_keys_migration_save_lookalikes_and_confirmation() -> None:
    rows = {(key, where) for key, _description, where in help_rows(SegtuiApp.BINDINGS)}
    assert ("ctrl+s", "migration") in rows
    assert ("esc/L/q", "lookalikes") in rows
    assert ("y", "confirmation") in rows
    assert ("n/esc", "confirmation") in rows
    assert ("ctrl+r/F5", "everywhere") in rows


def test_no_app_key_moves_or_finds_in_a_table() -> None:
    app_keys = {
        key
        for binding in SegtuiApp.BINDINGS
        if isinstance(binding, Binding)
        for key in binding.key.split(",")
    }
    assert not app_keys & {"j", "k", "g", "G", "n", "N", "h", "l"}


async def test_j_k_g_and_shift_g_move_in_the_customers_table(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "j", "j", "j", "k")
        assert customer_table(app).cursor_row == 2
        await pilot.press("G")
        assert customer_table(app).cursor_row == customer_table(app).row_count - 1
        await pilot.press("g")
        assert customer_table(app).cursor_row == 0
        assert app.result is not None and not app.busy  # k no longer starts a sweep


async def test_j_and_k_move_between_segment_panels(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        assert app.query_one("#segment-list").index == 2
        await pilot.press("k")
        assert app.query_one("#segment-list").index == 1


async def test_slash_in_the_data_view_finds_in_all_rows_and_n_shift_n_step(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3", "slash")
        await pilot.pause()
        await pilot.press(*"asia", "enter")
        table = app.query_one("#raw-table", FrameTable)
        region = table.frame["Region"].to_list()
        asia = [i for i, value in enumerate(region) if value == "Asia"]
        assert table.cursor_row == asia[0]
        await pilot.press("n")
        assert table.cursor_row == asia[1]
        await pilot.press("N", "N")
        assert table.cursor_row == asia[-1]  # wraps around the top


async def test_ctrl_r_reloads_with_the_same_seed(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = app.result
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.result is not first
        assert app.result.settings.seed == 42
        assert app.result.segments.equals(first.segments)


async def test_shift_r_reclusters_with_the_next_seed(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert app.result.settings.seed == 43
        assert "seed 43" in screen_text(app)


async def test_palette_offers_lookalikes_sort_search_filter_and_next_table(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
    for wanted in ("Lookalikes", "Sort", "Search", "Filter segment", "Next table", "Sweep k"):
        assert wanted in titles


async def test_palette_lookalikes_runs_in_the_customers_view(make_app) -> None:
    from segtui.tui.screens.lookalikes import LookalikesScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app._run_from_palette("app.lookalikes", "customers")
        await settle(pilot)
        assert isinstance(app.screen, LookalikesScreen)


async def test_help_shows_every_binding_table(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert len(app.screen.rows) == len(help_rows(SegtuiApp.BINDINGS))
        wheres = {where for _key, _description, where in app.screen.rows}
        assert {source.where for source in binding_sources(SegtuiApp.BINDINGS)} <= wheres


async def test_customer_id_stays_visible_while_scrolling_right(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", *["right"] * 9)
        table = customer_table(app)
        assert table.scroll_offset.x > 0
        header = next(line for line in screen_text(app).splitlines() if "CustomerID" in line)
        assert header.startswith("CustomerID")
        assert table.columns[table.cursor_column] in header


async def test_data_view_sort_orders_all_rows_not_only_the_loaded_head(
    make_app, zeotap_dir, monkeypatch
) -> None:
    import polars as pl

    from segtui.tui import session as session_module

    monkeypatch.setattr(session_module, "HEAD_ROWS", 50)
    everything = pl.read_csv(zeotap_dir / "Transactions.csv")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3", "t", "t")  # customers -> products -> transactions
        await settle(pilot)
        table = app.query_one("#raw-table", FrameTable)
        table.cursor_column = table.columns.index("TotalValue")
        await pilot.press("o", "o")  # descending
        await settle(pilot)
        assert table.row_count == everything.height
        assert table.frame["TotalValue"][0] == everything["TotalValue"].max()
        assert table.sort_column == "TotalValue" and table.sort_descending


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_shift_g_in_the_data_view_reaches_the_last_row_of_the_table(
    make_app, zeotap_dir, monkeypatch, size
) -> None:
    """The view first shows the rows read at start (50 here), then every row: G lands on
    the file's last line, not on the last row read first."""
    import polars as pl

    from segtui.tui import session as session_module

    monkeypatch.setattr(session_module, "HEAD_ROWS", 50)
    everything = pl.read_csv(zeotap_dir / "Transactions.csv")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("3", "t", "t")
        await settle(pilot)
        table = app.query_one("#raw-table", FrameTable)
        await pilot.press("G")
        await settle(pilot)
        assert table.cursor_row == everything.height - 1
        last = table.row_values(table.cursor_row)
        assert last["TransactionID"] == everything["TransactionID"][-1]
        title = str(app.query_one("#table-title").render())
        assert f"row {everything.height:,}" in title
        assert f"{everything.height:,} of {everything.height:,} rows shown" in title

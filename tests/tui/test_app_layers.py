"""Layers own their keys: a pushed view or dialog answers or swallows its keys, nothing
reaches the app behind; q closes the layer on top; a failed load marks the result stale."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Input

from segtui.tui.screens.export import ExportScreen
from segtui.tui.screens.settings import SettingsScreen
from segtui.tui.screens.sweep import SweepScreen
from segtui.tui.screens.transactions import TransactionsScreen
from segtui.tui.widgets.frame_table import FrameTable

from .conftest import screen_text, settle

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


@SIZES
async def test_app_keys_do_not_reach_past_the_sweep_view(make_app, size) -> None:
    app = make_app()
    app.sweep_range = (2, 5)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        generation, k = app.generation, app.settings.k
        await pilot.press("K")
        await settle(pilot)
        for key in ("plus", "minus", "R", "e", "s", "w", "m", "2", "V", "ctrl+r"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, SweepScreen), key
        assert app.generation == generation
        assert app.settings.k == k
        assert len(app.screen_stack) == 2


async def test_sweep_moves_with_j_and_k(make_app) -> None:
    app = make_app()
    app.sweep_range = (2, 6)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        await pilot.press("g")
        assert app.screen.cursor == 2
        await pilot.press("j", "j", "j")
        assert app.screen.cursor == 5
        await pilot.press("k")
        assert app.screen.cursor == 4
        await pilot.press("G")
        assert app.screen.cursor == 6


@SIZES
async def test_q_closes_the_layer_on_top_and_quits_only_from_the_base(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("2", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TransactionsScreen)
        await pilot.press("q")
        await settle(pilot)
        assert len(app.screen_stack) == 1 and app.is_running
        await pilot.press("K")
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert len(app.screen_stack) == 1 and app.is_running
        await pilot.press("m")
        await settle(pilot)
        app.screen.query_one("#compute").focus()  # q in the date field types a q
        await pilot.press("q")
        await settle(pilot)
        assert len(app.screen_stack) == 1 and app.is_running
        await pilot.press("q")
        await settle(pilot)
        assert not app.is_running


async def test_ctrl_q_quits_from_a_dialog(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert not app.is_running


@pytest.mark.parametrize(("tab", "box"), [("2", "#search"), ("3", "#data-search")])
async def test_escape_in_an_empty_search_box_stays_in_the_view(make_app, tab, box) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        view = {"2": "customers", "3": "data"}[tab]
        await pilot.press(tab, "slash")
        await settle(pilot)
        assert app.focused is app.query_one(box, Input)
        await pilot.press("escape")
        await settle(pilot)
        assert app.query_one("#tabs").active == view
        assert isinstance(app.focused, FrameTable)
        await pilot.press("escape")
        await settle(pilot)
        assert app.query_one("#tabs").active == "segments"


@SIZES
async def test_a_failed_load_marks_the_result_stale_and_blocks_export(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        shown = app.result
        await pilot.press("s")
        app.screen.query_one("#k", Input).value = "500"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.result is shown and app.stale
        assert "stale" in screen_text(app)
        for key in ("e", "w", "M"):
            await pilot.press(key)
            await settle(pilot)
            assert len(app.screen_stack) == 1, key
        assert any("stale" in n.message for n in app._notifications)
        # ctrl+r retries what was asked for (k=500), not the k of the stale result.
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.settings.k == 500 and app.stale
        # s opens on the settings that failed; correcting them loads and clears "stale".
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert app.screen.query_one("#k", Input).value == "500"
        app.screen.query_one("#k", Input).value = "3"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.result.k == 3 and not app.stale
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)


async def test_migration_gives_focus_to_the_table_after_compute(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("m", "enter")
        await settle(pilot)
        table = app.screen.query_one("#migration-table", FrameTable)
        assert app.focused is table
        before = app.screen.query_one("#as-of-before", Input).value
        await pilot.press("l", "l")
        assert table.cursor_column == 2
        assert app.screen.query_one("#as-of-before", Input).value == before
        app.screen.query_one("#compute").press()
        await settle(pilot)
        assert app.focused is table


async def test_settings_file_export_offers_no_markdown_report(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        box = app.screen.query_one("#with-report", Checkbox)
        assert not box.display
        path = app.screen.query_one("#export-path", Input)
        path.value = str(tmp_path / "segments.csv")
        await pilot.pause()
        assert box.display
        box.value = True
        path.value = str(tmp_path / "again.toml")
        await pilot.pause()
        assert not box.display and not box.value
        await pilot.press("enter")
        await settle(pilot)
        assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".toml", ".md")) == [
            "again.toml"
        ]

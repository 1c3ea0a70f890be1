"""More rows, less chrome: at 80×24 and 120×40 the header fits its lines, the footer
shows whole keys (the focused view's first, ? and q always), and the tables get the room."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from segtui.tui.widgets.frame_table import FrameTable
from segtui.tui.widgets.key_footer import fitting

from .conftest import screen_text, settle

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


@SIZES
async def test_the_header_fits_its_lines(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        first = screen_text(app).splitlines()[0].rstrip()
        assert "…" not in first
        assert first.startswith(" k=4 · seed 42")
        features = len(app.result.features)
        assert first.endswith(f"{features} features") or first.endswith(app.result.features[-1])


@SIZES
@pytest.mark.parametrize(
    ("keys", "wanted"),
    [
        ([], ["e Export", "s Settings", "ctrl+r Reload"]),
        (["2"], ["o Sort", "/ Search", "f Filter"]),
        (["3"], ["o Sort", "t Next table", "/ Find"]),
        (["K"], ["enter Use k", "esc Back"]),
    ],
    ids=["segments", "customers", "data", "sweep"],
)
async def test_the_footer_shows_whole_keys_of_the_focused_view(make_app, size, keys, wanted):
    app = make_app()
    app.sweep_range = (2, 4)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        for key in wanted:
            assert key in footer, footer
        assert "? Help" in footer
        assert ("q Quit" if not keys or keys[0] != "K" else "q Close") in footer
        assert footer.rstrip().endswith("ctrl+p palette")
        assert "q▏" not in footer
        # A refresh of the bindings (every focus change asks for one) that leaves the
        # same keys leaves the footer's widgets alone: no remove-and-mount of every key.
        shown = list(app.screen.query(FooterKey))
        app.screen.refresh_bindings()
        await settle(pilot)
        assert list(app.screen.query(FooterKey)) == shown


def test_fitting_drops_whole_keys_and_keeps_help_and_quit() -> None:
    from textual.binding import Binding

    items = [
        ("o", Binding("o", "sort", "Sort")),
        ("L", Binding("L", "lookalikes", "Lookalikes")),
        ("e", Binding("e", "export", "Export")),
        ("?", Binding("?", "help", "Help")),
        ("q", Binding("q", "close_or_quit", "Quit")),
    ]
    shown = [key for key, _ in fitting(items, 8 + 8 + 9 + 11)]
    assert shown == ["o", "e", "?", "q"]  # Lookalikes (15 cells) did not fit; Export did


async def test_customers_view_shows_fifteen_rows_at_80x24(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.query_one("#customer-table", FrameTable)
        lines = screen_text(app).splitlines()
        ids = table.frame["CustomerID"].to_list()
        assert sum(1 for line in lines if line[:5] in ids[:40]) >= 15
        await pilot.press("slash")
        await settle(pilot)
        assert app.query_one("#search").display
        assert sum(1 for line in screen_text(app).splitlines() if line[:5] in ids[:40]) >= 14


async def test_data_view_shows_twelve_rows_at_80x24(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.query_one("#raw-table", FrameTable)
        ids = table.frame["CustomerID"].to_list()
        assert sum(1 for line in screen_text(app).splitlines() if line[:5] in ids[:40]) >= 12

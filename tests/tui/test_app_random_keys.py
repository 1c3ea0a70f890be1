"""UI robustness: a few hundred seeded random presses of the app's own keys.

The keys are every binding of the app, its views and its dialogs (the tables help is
built from) (plus the keys that
move between widgets), without the ones that end the session (q, ctrl+q, ctrl+c) or open
the command palette (whose fuzzy search could pick Textual's own "Quit"). After the run
every dialog is closed and the app must still be running, with one consistent state:
the header's k is the result's k, the Segments view has one panel per segment, the
Customers view browses that result, and nothing failed internally.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from textual.binding import Binding

from segtui.config import Settings
from segtui.tui import app as app_module
from segtui.tui.app import SegtuiApp
from segtui.tui.keys import binding_sources
from segtui.tui.widgets.customers_view import CustomersView
from segtui.tui.widgets.segments_view import SegmentItem

from .conftest import screen_text, settle

PRESSES = 300
ESCAPE_WEIGHT = 8
ENDING = {"q", "ctrl+q", "ctrl+c", "ctrl+p"}
MOVING = ("enter", "tab", "shift+tab", "space", "up", "down", "escape")


def binding_keys() -> list[str]:
    """Every key bound anywhere in the app (the help's binding tables), minus the ones
    that end the session."""
    keys: set[str] = set(MOVING)
    for source in binding_sources(SegtuiApp.BINDINGS):
        for binding in source.bindings:
            assert isinstance(binding, Binding)
            keys.update(k.strip() for k in binding.key.split(","))
    return sorted(keys - ENDING)


class RecordingApp(SegtuiApp):
    """The app, keeping every notification (toasts expire before the end of the run)."""

    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.messages: list[str] = []

    def notify(self, message: str, **kwargs: object) -> None:  # type: ignore[override]
        self.messages.append(message)
        super().notify(message, **kwargs)  # type: ignore[arg-type]


def test_binding_keys_cover_views_and_dialogs_but_never_quit() -> None:
    keys = binding_keys()
    for key in (
        *("plus", "minus", "s", "n", "N", "e", "m", "M", "L", "l", "h", "f", "o", "t"),
        *("ctrl+s", "y", "j", "k", "g", "G", "K", "R", "ctrl+r", "slash", "5", "V"),
    ):
        assert key in keys
    assert not ENDING & set(keys)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [7])
async def test_random_keys_leave_the_app_alive_and_consistent(zeotap_dir, tmp_path, seed):
    app = RecordingApp(Settings(source=zeotap_dir), export_dir=tmp_path)
    keys = binding_keys()
    # Escape is weighted up so dialogs (whose inputs swallow most keys) close again and
    # the presses spread over every view rather than typing into one text field.
    weights = [ESCAPE_WEIGHT if key == "escape" else 1 for key in keys]
    presses = random.Random(seed).choices(keys, weights=weights, k=PRESSES)
    visited: set[str] = set()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for key in presses:
            await pilot.press(key)
            await pilot.pause()
            visited.add(type(app.screen).__name__)
        await settle(pilot)
        for _ in range(20):  # close whatever dialogs the keys left open
            if len(app.screen_stack) == 1:
                break
            await pilot.press("escape")
            await settle(pilot)
        assert len(app.screen_stack) == 1
        assert app.is_running
        assert not app.busy
        result = app.result
        assert result is not None
        assert app.settings == app.applied
        assert f"k={result.k} " in screen_text(app).splitlines()[0]
        panels = [i for i in app.query(SegmentItem) if i.segment >= 0]
        assert len(panels) == result.k
        assert [p.segment for p in panels] == list(range(result.k))
        browsed = app.query_one(CustomersView).frame
        assert browsed["CustomerID"].equals(result.segments["CustomerID"])
        assert browsed["segment"].equals(result.segments["segment"])
        assert result.segments.height == 200
        assert sum(p.size for p in result.profiles) == result.n_clustered
        assert not [m for m in app.messages if "internal error" in m]
        assert len(visited) >= 5  # the presses reached dialogs and screens, not one view
    assert app.return_code in (0, None)

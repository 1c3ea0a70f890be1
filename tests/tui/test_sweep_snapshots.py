"""SVG snapshots of the k sweep view at 80×24 and 120×40 (update with --snapshot-update)."""

from __future__ import annotations

import pytest
from conftest import PRE_SWITCH_FEATURES

from segtui.config import Settings
from segtui.tui.app import SegtuiApp

from .conftest import REFERENCE


async def sweep_view(pilot) -> None:
    """Start with k = auto, wait for it, open the sweep view and wait again."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("K")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_sweep_view(snap_compare, size, tmp_path) -> None:
    app = SegtuiApp(
        Settings(source=REFERENCE, features=PRE_SWITCH_FEATURES, k="auto"), export_dir=tmp_path
    )
    assert snap_compare(app, terminal_size=size, run_before=sweep_view)

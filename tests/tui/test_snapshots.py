"""SVG snapshots of the main views at 80×24 and 120×40 (update with --snapshot-update)."""

from __future__ import annotations

import pytest

from segtui.config import Settings
from segtui.tui.app import SegtuiApp

from .conftest import REFERENCE


async def finished(pilot) -> None:
    """Let loading and clustering finish so the picture is deterministic."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize(
    "keys", [[], ["2"], ["3"], ["4"]], ids=["segments", "customers", "data", "charts"]
)
def test_main_views(snap_compare, size, keys, tmp_path) -> None:
    app = SegtuiApp(Settings(source=REFERENCE), export_dir=tmp_path)
    assert snap_compare(app, terminal_size=size, press=keys, run_before=finished)

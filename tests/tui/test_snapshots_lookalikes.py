"""SVG snapshot of the lookalikes panel at 80×24 (update with --snapshot-update)."""

from __future__ import annotations

from conftest import PRE_SWITCH

from segtui.config import Settings
from segtui.tui.app import SegtuiApp

from .conftest import REFERENCE


async def lookalikes_of_first_customer(pilot) -> None:
    """Cluster, open the Customers view and C0001's lookalikes, and let every worker end."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("2", "L")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_lookalikes_panel(snap_compare, tmp_path) -> None:
    app = SegtuiApp(Settings(source=REFERENCE, **PRE_SWITCH), export_dir=tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=lookalikes_of_first_customer)

"""SVG snapshots of the main views at 80×24 and 120×40 (update with --snapshot-update)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PRE_SWITCH

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
    app = SegtuiApp(Settings(source=REFERENCE, **PRE_SWITCH), export_dir=tmp_path)
    assert snap_compare(app, terminal_size=size, press=keys, run_before=finished)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize(
    "keys",
    [["question_mark"], ["2", "L"], ["m", "enter"], ["2", *["right"] * 8]],
    ids=["help", "lookalikes", "migration", "customers-scrolled"],
)
def test_dialogs(snap_compare, size, keys, tmp_path) -> None:
    app = SegtuiApp(Settings(source=REFERENCE, **PRE_SWITCH), export_dir=tmp_path)

    async def run_keys(pilot) -> None:
        await finished(pilot)
        await pilot.press(*keys)
        await finished(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_keys)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_error_panel(snap_compare, size, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # a relative path: the message is the same on every run
    folder = Path("broken")
    folder.mkdir()
    (folder / "Transactions.csv").write_text(
        "TransactionID,CustomerID,ProductID,TransactionDate,Quantity,TotalValue,Price\n"
        "T1,C1,P1,2024-01-05,1,twelve,12.0\n",
        encoding="utf-8",
    )
    # The default features: the pinned ones need a customers table (region) and would
    # fail on that first, as `segtui run` does, before reading the bad amount.
    app = SegtuiApp(Settings(source=folder, k=4), export_dir=Path("."))

    async def failed(pilot) -> None:
        await finished(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=failed)


@pytest.mark.parametrize("keys", [[], ["4"]], ids=["segments", "charts"])
def test_sixteen_colour_theme(snap_compare, keys, tmp_path) -> None:
    app = SegtuiApp(Settings(source=REFERENCE, **PRE_SWITCH), export_dir=tmp_path)

    async def ansi(pilot) -> None:
        pilot.app.theme = "ansi-dark"  # the terminal's own 16 colours
        await finished(pilot)
        await pilot.press(*keys)
        await finished(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=ansi)


@pytest.mark.parametrize("keys", [[], ["4"]], ids=["segments", "charts"])
def test_no_color(snap_compare, keys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = SegtuiApp(Settings(source=REFERENCE, **PRE_SWITCH), export_dir=tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), press=keys, run_before=finished)

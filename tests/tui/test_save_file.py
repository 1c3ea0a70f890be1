"""The one save-file dialog (tui/screens/save_file.py) in each of its uses: segments
(e), settings (w), the model (M) and the migration table (m, ctrl+s).

Each use writes its file, refuses to write over a file the result was read from (before
asking anything, with or without an existing file), and closes on cancel without
writing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from conftest import PRE_SWITCH
from textual.widgets import Static

from segtui.config import Settings
from segtui.engine.models.model import load_model
from segtui.engine.output.result_files import export
from segtui.engine.output.writers import write_frame
from segtui.tui.app import SegtuiApp
from segtui.tui.screens.dialogs import ConfirmScreen
from segtui.tui.screens.export import ExportScreen
from segtui.tui.screens.migration import MigrationScreen
from segtui.tui.screens.save_file import SaveFileScreen
from segtui.tui.screens.save_model import SaveModelScreen
from segtui.tui.screens.save_table import SaveTableScreen

from .conftest import settle

USES = ["segments", "settings", "model", "table"]
DIALOG = {
    "segments": ExportScreen,
    "settings": ExportScreen,
    "model": SaveModelScreen,
    "table": SaveTableScreen,
}


@pytest.fixture()
def source(zeotap_dir: Path, tmp_path: Path) -> Path:
    """A copy of the reference tables: a refusal that failed must not touch the repo."""
    return Path(shutil.copytree(zeotap_dir, tmp_path / "source"))


def app_on(source: Path, out: Path) -> SegtuiApp:
    out.mkdir(exist_ok=True)
    return SegtuiApp(Settings(source=source).replace(**PRE_SWITCH), export_dir=out)


async def open_dialog(pilot, use: str) -> SaveFileScreen:
    """Open the save dialog of ``use`` on the loaded result."""
    if use == "table":
        await pilot.press("m", "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
    else:
        await pilot.press({"segments": "e", "settings": "w", "model": "M"}[use])
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, DIALOG[use])
    return screen


def shown_error(dialog: SaveFileScreen) -> str:
    """The dialog's error line as plain text."""
    return str(dialog.query_one("#export-error", Static).content)


def expected_bytes(app: SegtuiApp, use: str, dialog: SaveFileScreen, scratch: Path) -> bytes:
    """What the engine writes for ``use``, by its own function, into ``scratch``."""
    if use == "segments":
        return export(app.result, scratch / "reference.csv").read_bytes()
    if use == "settings":
        return export(app.result, scratch / "reference.toml").read_bytes()
    if use == "table":
        assert isinstance(dialog, SaveTableScreen)
        return write_frame(dialog.frame, scratch / "reference.csv").read_bytes()
    raise AssertionError(use)


@pytest.mark.parametrize("use", USES)
async def test_the_save_dialog_writes_the_file_of_each_use(source, tmp_path, use) -> None:
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    scratch.mkdir()
    app = app_on(source, out)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        dialog = await open_dialog(pilot, use)
        target = Path(dialog.query_one("#export-path").value)
        assert target.parent == out and not target.exists()
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, SaveFileScreen)
        assert any(str(target) in n.message for n in app._notifications)
        if use == "model":
            model = load_model(target)
            assert model.k == app.result.k
            assert model.names == {p.id: p.name for p in app.result.profiles}
        else:
            assert target.read_bytes() == expected_bytes(app, use, dialog, scratch)
        if use == "table":
            assert isinstance(app.screen, MigrationScreen)  # back to the table it saved
            assert pl.read_csv(target).height == len(app.screen.migration.row_labels)


@pytest.mark.parametrize("use", USES)
@pytest.mark.parametrize("table", ["Transactions.csv", "Customers.csv"])
async def test_the_save_dialog_refuses_an_input_of_the_result(source, tmp_path, use, table):
    read = source / table
    before = read.read_bytes()
    app = app_on(source, tmp_path / "out")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        dialog = await open_dialog(pilot, use)
        dialog.query_one("#export-path").value = str(read)
        await pilot.press("enter")
        await settle(pilot)
        # refused before any overwrite question: the dialog stays, with the reason
        assert app.screen is dialog
        assert not any(isinstance(s, ConfirmScreen) for s in app.screen_stack)
        error = shown_error(dialog)
        assert error.startswith("✖ ") and "writing it would destroy the input" in error
        assert str(read) in error
        assert read.read_bytes() == before


@pytest.mark.parametrize("use", USES)
async def test_cancelling_the_save_dialog_writes_nothing(source, tmp_path, use) -> None:
    out = tmp_path / "out"
    app = app_on(source, out)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        dialog = await open_dialog(pilot, use)
        behind = app.screen_stack[-2]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is behind
        assert not isinstance(app.screen, SaveFileScreen)
        assert list(out.iterdir()) == []
        assert dialog.result is app.result  # the dialog was on this result


async def test_a_disk_error_is_shown_as_one_line_in_the_dialog(source, tmp_path, monkeypatch):
    from segtui.engine.output import writers

    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "out" / "x.csv"))

    monkeypatch.setattr(writers, "write_frame", full_disk)
    app = app_on(source, tmp_path / "out")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        dialog = await open_dialog(pilot, "table")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        full = f"✖ No space left on device: {tmp_path / 'out' / 'x.csv'}"
        assert shown_error(dialog) == full
        assert not dialog.query_one("#do-export").disabled  # it can be tried again

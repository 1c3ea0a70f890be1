"""Pilot tests: the app opened on broken sources shows what is wrong and keeps running.

The broken folders come from the CLI's bad-input matrix (tests/test_bad_inputs.py): the
same cases, the same needles (file, column, row, value), here expected in the app's error
notification and its status line instead of on stderr.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import TINY_CUSTOMERS, TINY_PRODUCTS, TINY_TRANSACTIONS, write_tables
from test_bad_inputs import ERROR, SOURCE_CASES, Case

from segtui.config import Settings
from segtui.tui.app import SegtuiApp
from segtui.tui.screens.dialogs import HelpScreen
from segtui.tui.widgets.frame_table import FrameTable

from .conftest import screen_text, settle

UI_CASES = (
    "missing_required_column",
    "unparsable_date",
    "text_in_amount",
    "empty_transactions",
    "empty_folder",
    "k_larger_than_buying_customers",
)


def case(case_id: str) -> Case:
    found = [c for c in SOURCE_CASES if c.id == case_id]
    assert found and found[0].expect == ERROR, f"{case_id} is not an error case of the matrix"
    return found[0]


def broken_app(case_id: str, tmp_path: Path) -> SegtuiApp:
    """The app on the tiny dataset broken as matrix case ``case_id`` (k from its args)."""
    folder = write_tables(tmp_path / "broken", TINY_CUSTOMERS, TINY_PRODUCTS, TINY_TRANSACTIONS)
    chosen = case(case_id)
    chosen.setup(folder)
    settings = Settings(source=folder)
    if "-k" in chosen.args:
        settings = settings.replace(k=int(chosen.args[chosen.args.index("-k") + 1]))
    return SegtuiApp(settings, export_dir=tmp_path)


def error_messages(app: SegtuiApp) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


@pytest.mark.parametrize("case_id", UI_CASES)
async def test_broken_source_shows_an_error_naming_file_column_and_row(
    case_id: str, tmp_path: Path
) -> None:
    app = broken_app(case_id, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert app.result is None
        assert not app.busy
        messages = error_messages(app)
        assert len(messages) == 1
        for needle in case(case_id).needles:
            assert needle in messages[0]
        assert app.last_error == messages[0]


@pytest.mark.parametrize("case_id", UI_CASES)
async def test_after_a_broken_source_help_still_opens_and_q_quits(
    case_id: str, tmp_path: Path
) -> None:
    app = broken_app(case_id, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_whole_error_stays_in_a_panel_after_the_notification_at_80_columns(
    tmp_path: Path,
) -> None:
    app = broken_app("text_in_amount", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.clear_notifications()
        await pilot.pause()
        # The panel wraps long paths mid-word: join its lines without spaces.
        panel = "".join(line.strip(" │╭╮╰╯─") for line in screen_text(app).splitlines()[3:12])
        assert "Transactions.csv" in panel
        assert "lots" in panel
        assert "ctrl+r" in panel


async def test_after_a_failed_load_nothing_claims_to_be_computing(tmp_path: Path) -> None:
    app = broken_app("text_in_amount", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e", "K")
        await pilot.pause()
        warnings = [n.message for n in app._notifications if n.severity == "warning"]
        assert len(warnings) == 2
        assert all("last load failed" in w for w in warnings)
        assert not any("computing" in w for w in warnings)


@pytest.mark.slow  # a soak: every key of every view and dialog, one after another
async def test_every_view_and_dialog_key_is_harmless_without_a_result(tmp_path: Path) -> None:
    app = broken_app("missing_required_column", tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        for key in ("2", "L", "m", "M", "e", "w", "3", "t", "4", "1", "enter", "R", "plus"):
            await pilot.press(key)
            await settle(pilot)
        assert app.result is None
        assert app.is_running
        assert app.query_one("#customer-table", FrameTable).row_count == 0
        assert app.screen is app.screen_stack[0]
        assert any(
            "still computing" in n.message or "no " in n.message
            for n in app._notifications
            if n.severity == "warning"
        )


async def test_fixing_the_source_and_retrying_recovers(tmp_path: Path) -> None:
    app = broken_app("text_in_amount", tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert app.result is None
        folder = Path(app.settings.source)
        shutil.rmtree(folder)
        write_tables(folder, TINY_CUSTOMERS, TINY_PRODUCTS, TINY_TRANSACTIONS)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.result is not None
        assert app.result.n_customers == 6
        assert app.result.settings.seed == 42  # reload keeps the seed, as `segtui run`
        assert "lots" not in screen_text(app)
        assert not app.query_one("#error-panel").display

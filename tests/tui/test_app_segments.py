"""Pilot tests: the Segments view, k/seed/settings changes, cancel, errors, help, palette."""

from __future__ import annotations

import threading

import pytest
from textual.command import CommandPalette

from segtui.engine import pipeline as pipeline_module
from segtui.tui.app import SegtuiApp
from segtui.tui.screens.dialogs import HelpScreen
from segtui.tui.screens.settings import SettingsScreen
from segtui.tui.widgets.segments_view import SegmentItem

from .conftest import screen_text, settle


def panel_ids(app: SegtuiApp) -> list[int]:
    return [item.segment for item in app.query(SegmentItem)]


async def test_first_screen_shows_davies_bouldin_labelled_lower_is_better(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert f"Davies-Bouldin {app.result.metrics.davies_bouldin:.3f} (lower is better)" in text
        assert f"silhouette {app.result.metrics.silhouette:.3f}" in text
        assert "k=4" in text
        assert "62 customers with purchases dated before their SignupDate" in text


async def test_plus_adds_a_segment_and_changes_the_metrics(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = app.result.metrics.davies_bouldin
        assert panel_ids(app) == [0, 1, 2, 3, -1]
        await pilot.press("plus")
        await settle(pilot)
        assert app.result.k == 5
        assert panel_ids(app) == [0, 1, 2, 3, 4, -1]
        assert app.result.metrics.davies_bouldin != before
        assert f"{app.result.metrics.davies_bouldin:.3f} (lower is better)" in screen_text(app)


async def test_minus_removes_a_segment(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("minus")
        await settle(pilot)
        assert app.result.k == 3
        assert panel_ids(app) == [0, 1, 2, -1]
        assert "k=3" in screen_text(app)


async def test_k_never_goes_below_two(make_app) -> None:
    app = make_app(k=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("minus")
        await settle(pilot)
        assert app.result.k == 2


async def test_escape_cancels_a_running_recluster_and_keeps_the_old_result(
    make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    real_run = pipeline_module.run

    def gated_run(*args, **kwargs):
        gate.wait(timeout=30)
        return real_run(*args, **kwargs)

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = app.result
        monkeypatch.setattr(pipeline_module, "run", gated_run)
        await pilot.press("plus")
        await pilot.pause()
        assert app.busy
        assert "esc cancels" in screen_text(app)
        await pilot.press("escape")
        assert not app.busy
        gate.set()
        await settle(pilot)
        assert app.result is shown
        assert app.settings.k == 4
        assert "Cancelled" in screen_text(app)


async def test_keys_are_answered_while_a_recluster_runs(make_app, monkeypatch) -> None:
    gate = threading.Event()
    real_run = pipeline_module.run
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # gated after the first result, so only the re-clustering waits
        monkeypatch.setattr(
            pipeline_module, "run", lambda *a, **k: (gate.wait(timeout=30), real_run(*a, **k))[1]
        )
        await pilot.press("plus")
        await pilot.press("3")
        assert app.query_one("#tabs").active == "data"
        assert app.busy
        gate.set()
        await settle(pilot)
        assert app.result.k == 5


async def test_settings_dialog_changes_features_and_scaling(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        dialog = app.screen
        assert isinstance(dialog, SettingsScreen)
        dialog.query_one("#features").deselect("region")
        dialog.query_one("#features").select("recency_days")
        dialog.query_one("#scaling").value = "robust"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, SettingsScreen)
        assert "region" not in app.result.features
        assert "recency_days" in app.result.features
        assert app.result.settings.scaling == "robust"


async def test_settings_dialog_escape_changes_nothing(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = app.result
        await pilot.press("s")
        app.screen.query_one("#k").value = "6"
        await pilot.press("escape")
        await settle(pilot)
        assert app.result is shown


async def test_settings_dialog_rejects_k_below_two_and_stays_open(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        app.screen.query_one("#k").value = "1"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SettingsScreen)
        assert "at least 2" in screen_text(app)


async def test_too_many_segments_shows_the_error_and_keeps_the_result(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = app.result
        await pilot.press("s")
        app.screen.query_one("#k").value = "500"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.is_running
        assert app.result is shown
        # The settings asked for stay (s corrects them, ctrl+r retries them); the
        # result shown is the last good one, marked stale.
        assert app.settings.k == 500 and app.result.k == 4 and app.stale
        assert app.last_error is not None and "500" in app.last_error


async def test_missing_source_is_reported_and_the_app_keeps_running(make_app, tmp_path) -> None:
    app = make_app(source=tmp_path / "nowhere")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.is_running
        assert app.result is None
        assert "no such file or folder" in app.last_error
        await pilot.press("e")  # nothing to export: a warning, not a crash
        await pilot.pause()
        assert app.is_running


async def test_help_lists_every_app_binding(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for binding in SegtuiApp.BINDINGS[:5]:  # the rest is below, in the scrolled list
            assert binding.description in text
        assert ("ctrl+p", "Command palette", "everywhere") in app.screen.rows
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_offers_every_action(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for binding in SegtuiApp.BINDINGS:
            if binding.action not in ("quit", "close_or_quit"):  # Textual lists Quit
                assert binding.description in titles
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)


async def test_palette_command_runs_its_action(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "k+")
        command.callback()
        await settle(pilot)
        assert app.result.k == 5


async def test_number_keys_switch_views(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key, tab in (("2", "customers"), ("3", "data"), ("4", "charts"), ("1", "segments")):
            await pilot.press(key)
            assert app.query_one("#tabs").active == tab


async def test_q_quits(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_a_result_arriving_under_an_open_dialog_is_swapped_in(make_app, monkeypatch):
    gate = threading.Event()
    real_run = pipeline_module.run
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # gated after the first result, so only the re-clustering waits
        monkeypatch.setattr(
            pipeline_module, "run", lambda *a, **k: (gate.wait(timeout=30), real_run(*a, **k))[1]
        )
        await pilot.press("plus", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        gate.set()
        await settle(pilot)
        assert app.is_running
        assert app.result.k == 5
        await pilot.press("escape")
        assert panel_ids(app) == [0, 1, 2, 3, 4, -1]


async def test_settings_dialog_switches_to_the_rfm_method(make_app) -> None:
    from segtui.engine.features.rfm import RF_NAMES

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        dialog = app.screen
        assert isinstance(dialog, SettingsScreen)
        dialog.query_one("#method").value = "rfm"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.result.settings.method == "rfm"
        names = {p.name for p in app.result.profiles}
        assert names <= set(RF_NAMES) and len(names) == app.result.k >= 2

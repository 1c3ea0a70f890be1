"""Pilot tests: the k sweep view (key k), picking k from it, and k = auto in the app."""

from __future__ import annotations

import threading

import pytest
from conftest import PRE_SWITCH

from segtui.config import Settings
from segtui.engine.clustering import sweep as sweep_module
from segtui.engine.clustering.sweep import sweep
from segtui.tui.screens.settings import SettingsScreen
from segtui.tui.screens.sweep import SweepNotes, SweepScreen
from segtui.tui.widgets.segments_view import SegmentItem

from .conftest import screen_text, settle


def panel_ids(app) -> list[int]:
    return [item.segment for item in app.query(SegmentItem)]


async def test_sweep_view_rows_equal_the_engine_sweep(make_app, zeotap_dir) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SweepScreen)
        assert screen.result is not None
        expected = sweep(None, Settings(source=zeotap_dir, **PRE_SWITCH), 2, 10)
        assert [r.to_dict() for r in screen.rows] == [r.to_dict() for r in expected.rows]
        assert screen.result.recommended_k == expected.recommended_k
        text = screen_text(app)
        assert "lower is better" in text
        assert f"★ Recommended k = {expected.recommended_k}" in text
        for row in expected.rows:
            assert f"{row.davies_bouldin:.3f}" in text


async def test_enter_in_the_sweep_view_reclusters_with_the_picked_k(make_app) -> None:
    app = make_app()
    app.sweep_range = (2, 6)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = app.result.metrics.davies_bouldin
        await pilot.press("K")
        await settle(pilot)
        await pilot.press("home", "down", "down", "down")
        assert app.screen.cursor == 5
        assert "k = 5: Davies-Bouldin" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, SweepScreen)
        assert app.query_one("#tabs").active == "segments"
        assert app.result.k == 5
        assert panel_ids(app) == [0, 1, 2, 3, 4, -1]
        assert app.result.metrics.davies_bouldin != before
        assert "k=5" in screen_text(app)


async def test_sweep_chart_grows_as_rows_arrive(make_app, monkeypatch) -> None:
    reached, gate = threading.Event(), threading.Event()
    real_sweep = sweep_module.sweep

    def sweep_pausing_after_first_row(*args, on_row, **kwargs):
        def first_then_wait(row):
            on_row(row)
            if not reached.is_set():
                reached.set()
                gate.wait(timeout=30)

        return real_sweep(*args, on_row=first_then_wait, **kwargs)

    monkeypatch.setattr(sweep_module, "sweep", sweep_pausing_after_first_row)
    app = make_app()
    app.sweep_range = (2, 4)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("K")
        # Wait without blocking the event loop: the sweep worker starts once the sweep
        # view has mounted (a blocking wait here timed out under load).
        for _ in range(600):
            if reached.is_set():
                break
            await pilot.pause(0.05)
        assert reached.is_set()
        await pilot.pause()
        screen = app.screen
        assert [row.k for row in screen.rows] == [2]
        assert screen.running
        assert "esc cancels" in screen_text(app)
        assert "appears when every k is scored" in screen_text(app)
        gate.set()
        await settle(pilot)
        assert [row.k for row in screen.rows] == [2, 3, 4]
        assert "★ Recommended k =" in screen_text(app)


async def test_escape_cancels_a_running_sweep_and_keeps_the_app_alive(
    make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    real_sweep = sweep_module.sweep

    def gated_sweep(*args, **kwargs):
        gate.wait(timeout=30)
        return real_sweep(*args, **kwargs)

    monkeypatch.setattr(sweep_module, "sweep", gated_sweep)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = app.result
        await pilot.press("K")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SweepScreen) and screen.running
        await pilot.press("escape")
        assert not screen.running
        assert "Cancelled" in screen_text(app)
        gate.set()
        await settle(pilot)
        assert screen.rows == [] and screen.result is None
        assert app.screen is screen  # cancelling stays in the view; esc again leaves
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SweepScreen)
        assert app.is_running
        assert app.result is shown


async def test_escape_after_the_sweep_goes_back_without_reclustering(make_app) -> None:
    app = make_app()
    app.sweep_range = (2, 3)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = app.result
        await pilot.press("K")
        await settle(pilot)
        await pilot.press("down", "escape")
        await settle(pilot)
        assert not isinstance(app.screen, SweepScreen)
        assert app.result is shown


async def test_k_auto_start_shows_the_chosen_k_in_the_header(make_app) -> None:
    app = make_app(k="auto")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        chosen = app.result.k_selection["recommended_k"]
        assert app.result.k == chosen
        assert f"k={chosen} (auto)" in screen_text(app)
        assert len(panel_ids(app)) == chosen + 1


async def test_plus_overrides_k_auto_with_a_number(make_app) -> None:
    app = make_app(k="auto")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        chosen = app.result.k
        await pilot.press("plus")
        await settle(pilot)
        assert app.settings.k == chosen + 1
        assert app.result.k == chosen + 1
        assert app.result.k_selection is None
        text = screen_text(app)
        assert f"k={chosen + 1} ·" in text
        assert "(auto)" not in text


async def test_sweep_view_after_k_auto_shows_its_scores_and_picking_overrides_auto(
    make_app, monkeypatch
) -> None:
    app = make_app(k="auto")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        selection = app.result.k_selection

        def no_second_sweep(*args, **kwargs):
            raise AssertionError("the k = auto sweep should have been reused")

        monkeypatch.setattr(sweep_module, "sweep", no_second_sweep)
        await pilot.press("K")
        await settle(pilot)
        screen = app.screen
        assert [r.to_dict() for r in screen.rows] == selection["rows"]
        assert screen.cursor == selection["recommended_k"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.settings.k == selection["recommended_k"] + 1
        assert app.result.k == selection["recommended_k"] + 1
        assert "(auto)" not in screen_text(app)


async def test_settings_dialog_accepts_auto(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        assert isinstance(app.screen, SettingsScreen)
        app.screen.query_one("#k").value = "auto"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.result.settings.k == "auto"
        assert app.result.k == app.result.k_selection["recommended_k"]
        assert f"k={app.result.k} (auto)" in screen_text(app)


async def test_settings_dialog_rejects_a_word_other_than_auto(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        app.screen.query_one("#k").value = "a"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SettingsScreen)
        assert "whole number or auto" in screen_text(app)


def test_ui_command_and_config_hand_k_auto_to_the_app(zeotap_dir, tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from segtui.cli import app as cli
    from segtui.tui.app import SegtuiApp

    started: list[object] = []
    monkeypatch.setattr(SegtuiApp, "run", lambda self, **_: started.append(self.settings.k))
    # CliRunner's streams are not a terminal, which `segtui ui` otherwise refuses.
    monkeypatch.setattr("segtui.cli.ui_open.check_terminal", lambda: None)
    config = tmp_path / "segtui.toml"
    config.write_text('k = "auto"\n', encoding="utf-8")
    by_flag = CliRunner().invoke(cli, ["ui", str(zeotap_dir), "--k", "auto"])
    by_config = CliRunner().invoke(cli, ["ui", str(zeotap_dir), "--config", str(config)])
    assert by_flag.exit_code == 0 and by_config.exit_code == 0
    assert started == ["auto", "auto"]


def _contains(words: list[str], part: list[str]) -> bool:
    """True when ``part`` appears in ``words`` as one unbroken run."""
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


async def test_sweep_rule_is_readable_whole_at_80x24(make_app) -> None:
    """The rule sentence wraps below the chart; at 80x24 it runs past the screen, the
    status says "pgdn more", and pgdn shows the rest: every word of the engine's rule,
    the reason and the stability method is on screen, in order, and j/k still move k."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SweepScreen) and screen.result is not None
        notes = screen.query_one(SweepNotes)
        assert notes.max_scroll_y > 0  # the sentence does not fit: the test is needed
        assert "· pgdn more" in screen_text(app).splitlines()[1]
        seen: dict[int, str] = {}
        for _ in range(notes.max_scroll_y + 1):
            region = notes.content_region
            strips = app.screen._compositor.render_strips()
            for y in range(region.y, region.bottom):
                line = "".join(segment.text for segment in strips[y])[region.x : region.right]
                seen[int(notes.scroll_y) + y - region.y] = line
            await pilot.press("pagedown")
            await pilot.pause()
        assert int(notes.scroll_y) == notes.max_scroll_y
        words = " ".join(seen[y] for y in sorted(seen)).split()
        result = screen.result
        rule, _, because = result.rule.partition(" Chosen: ")
        assert _contains(words, f"★ Recommended k = {result.recommended_k}:".split())
        assert _contains(words, because.removeprefix(f"k = {result.recommended_k}: ").split())
        assert _contains(words, ["Rule:", *rule.split()])
        assert _contains(words, f"stability: {result.stability_method}.".split())
        await pilot.press("pageup", "pageup", "pageup")
        assert notes.scroll_y == 0
        before = screen.cursor
        await pilot.press("j")
        assert screen.cursor == min(before + 1, screen.k_max)

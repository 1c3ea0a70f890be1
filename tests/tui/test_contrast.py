"""Readable in every terminal: each character the workbench draws, in its dark and light
themes, reaches WCAG 4.5:1 (text) or 3:1 (markers) against its background, in
truecolour and downgraded to 256 and 16 colours (see contrast.py for the measure)."""

from __future__ import annotations

import pytest

from segtui.config import Settings
from segtui.tui.app import SegtuiApp
from segtui.tui.theme import DARK_NAME, LIGHT_NAME

from .conftest import REFERENCE, screen_text, settle
from .contrast import failures, ratio

SCENES = {
    "segments": [],
    "second segment selected": ["j"],
    "customers searched": ["2", "slash", *"asia", "enter"],
    "data": ["3"],
    "charts": ["4"],
    "value": ["5"],
    "settings": ["s"],
    "export": ["e"],
    "help": ["question_mark"],
    "sweep": ["K"],
    "transactions": ["2", "enter"],
    "migration": ["m", "enter"],
}


def test_the_measure_is_wcag() -> None:
    assert ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert ratio((118, 118, 118), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)
    assert ratio((18, 18, 18), (18, 18, 18)) == 1.0


@pytest.mark.parametrize("theme", [DARK_NAME, LIGHT_NAME])
@pytest.mark.parametrize("scene", list(SCENES))
async def test_every_pair_on_screen_reaches_wcag_contrast(theme, scene, tmp_path) -> None:
    app = SegtuiApp(Settings(source=REFERENCE), export_dir=tmp_path)
    app.sweep_range = (2, 5)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await settle(pilot)
        for key in SCENES[scene]:
            await pilot.press(key)
            await settle(pilot)
        app.clear_notifications()
        await pilot.pause()
        found = failures(app)
        assert not found, "\n".join(map(str, found))


async def test_the_app_starts_in_its_dark_theme(tmp_path) -> None:
    app = SegtuiApp(Settings(source=REFERENCE), export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == DARK_NAME
        assert {DARK_NAME, LIGHT_NAME} <= set(app.available_themes)


async def test_a_low_contrast_pair_is_caught(tmp_path) -> None:
    """The check fails when it should: in Textual's own textual-dark theme the selected
    segment panel's title is 3.8:1 on its blue, its marker and the footer's keys lower."""
    app = SegtuiApp(Settings(source=REFERENCE), export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = "textual-dark"
        await settle(pilot)
        found = failures(app)
        truecolour = {f.text for f in found if f.depth == "truecolor" and f.kind == "text"}
        selected = app.result.profiles[0].name  # the panel open at start
        assert any(selected in text for text in truecolour), found
        assert any(f.kind == "marker" and f.text == "●" for f in found), found
        assert any(f.depth == "16" and f.row == 23 for f in found), found  # footer keys


@pytest.mark.parametrize("keys", [["s"], ["e"]], ids=["settings", "export"])
async def test_no_color_checkboxes_show_their_state_in_the_glyph(
    make_app, keys, monkeypatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        text = screen_text(app)
        assert "[ ]" in text
        if keys == ["s"]:
            for feature in app.settings.features[:3]:  # the ones on screen
                assert f"[x] {feature}" in text
            assert "[ ] customer value" in text
        else:
            app.screen.query_one("#with-report").value = True
            await pilot.pause()
            assert "[x] Also write a Markdown report" in screen_text(app)

"""The segment panel shows the --clv figures when the run has them."""

from __future__ import annotations

from segtui.config import Settings
from segtui.engine.pipeline import run
from segtui.tui.widgets.segments_view import overall_means, panel_text


def test_panel_shows_mean_and_total_clv_and_p_alive_with_clv(zeotap_dir):
    result = run(Settings(source=zeotap_dir, clv=True))
    assert result.value is not None
    row = result.value["segments"][0]
    text = panel_text(result.profiles[0], overall_means(result.profiles), value=row).plain
    assert f"P(alive) {row['mean_p_alive']:.2f}" in text
    assert "CLV mean" in text and "total" in text


def test_panel_has_no_clv_line_without_clv(zeotap_dir):
    result = run(Settings(source=zeotap_dir))
    text = panel_text(result.profiles[0], overall_means(result.profiles)).plain
    assert "CLV" not in text

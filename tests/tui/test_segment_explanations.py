"""The segment panel's effect sizes, rule and --like match lines."""

from __future__ import annotations

from segtui.config import Settings
from segtui.engine.models.build import build_model
from segtui.engine.models.model import save_model
from segtui.engine.pipeline import run
from segtui.tui.widgets.segments_view import explanation_lines


def test_panel_lines_show_effect_sizes_rule_and_match(planted_dir, tmp_path):
    first = run(Settings(source=planted_dir))
    save_model(build_model(first), tmp_path / "m.json")
    result = run(Settings(source=planted_dir, seed=9, like=tmp_path / "m.json"))
    top = max(result.profiles, key=lambda p: p.means["total_spend"])
    effect, lines = explanation_lines(result, top.id)
    assert effect.startswith("Cohen's d: total_spend +")
    assert lines[0].startswith("rule: total_spend > ") and "precision" in lines[0]
    assert lines[1].startswith(f"= segment {top.id} before (drift ")


def test_panel_has_no_match_line_without_like(planted_dir):
    result = run(Settings(source=planted_dir))
    _effect, lines = explanation_lines(result, 0)
    assert len(lines) == 1 and lines[0].startswith("rule: ")

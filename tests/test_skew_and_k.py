"""Skew-aware clustering space, the 1% rule of `--k auto`, the dominance guard (issue 15)."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from segtui import settings_file
from segtui.cli import app
from segtui.config import Settings
from segtui.engine.clustering import diagnostics
from segtui.engine.clustering.space import fit_space, transforms
from segtui.engine.clustering.sweep import SweepRow, min_segment_size, recommend_k, sweep
from segtui.engine.errors import OptionError
from segtui.engine.pipeline import run

runner = CliRunner()


def _heavy(n: int = 2000, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "total_spend": np.exp(rng.normal(3, 1.5, n)),
            "frequency": 1 + np.floor(rng.pareto(1.2, n)).astype(np.int64),
            "recency_days": rng.uniform(0, 700, n),
            "region": rng.choice(["A", "B", "C", "D"], n),
        }
    )


def test_log_auto_transforms_only_skewed_money_and_count_features():
    frame = _heavy().with_columns(pl.Series("avg_transaction_value", np.linspace(10, 20, 2000)))
    spec, _ = fit_space(
        frame, ["total_spend", "frequency", "avg_transaction_value", "recency_days"], log="auto"
    )
    assert {c.name: c.log for c in spec.numeric} == {
        "total_spend": True,
        "frequency": True,
        "avg_transaction_value": False,  # not skewed
        "recency_days": False,  # days are never transformed
    }


def test_log_off_and_on_are_explicit():
    frame = _heavy()
    off, _ = fit_space(frame, ["total_spend", "recency_days"], log="off")
    on, _ = fit_space(frame, ["total_spend", "recency_days"], log="on")
    assert [c.log for c in off.numeric] == [False, False]
    assert [c.log for c in on.numeric] == [True, False]


def test_transforms_say_what_was_applied_to_each_feature():
    spec, _ = fit_space(_heavy(), ["total_spend", "recency_days", "region"], log="auto")
    assert transforms(spec) == {
        "total_spend": "log1p",
        "recency_days": "none",
        "region": "one-hot x1",
    }


def test_degenerate_numeric_columns_lower_the_categorical_weight_and_say_so():
    spec, warnings = fit_space(_heavy(), ["total_spend", "frequency", "region"], log="off")
    weight = float(transforms(spec)["region"].removeprefix("one-hot x"))
    assert weight < 0.5
    assert any("categorical weight was lowered" in w for w in warnings)


def test_categorical_weight_is_kept_when_numeric_columns_spread():
    spec, warnings = fit_space(_heavy(), ["total_spend", "frequency", "region"], log="auto")
    assert transforms(spec)["region"] == "one-hot x1"
    assert not any("lowered" in w for w in warnings)


def test_reference_data_has_nothing_skewed_enough_to_log(zeotap_dir):
    summary = run(Settings(source=zeotap_dir)).summary()
    assert summary["params"]["log"] == "auto"
    assert "log1p" not in summary["transforms"].values()


def test_settings_accept_booleans_for_log():
    assert Settings(log=True).log == "on" and Settings(log=False).log == "off"
    assert Settings().log == "auto"


def test_settings_file_reads_log_modes_and_booleans(tmp_path):
    path = tmp_path / "segtui.toml"
    for text, mode in (('"auto"', "auto"), ('"off"', "off"), ("true", "on"), ("false", "off")):
        path.write_text(f"log = {text}\n")
        assert settings_file.merge(settings_file.read_config(path), {}).log == mode


def test_settings_file_rejects_an_unknown_log_mode(tmp_path):
    path = tmp_path / "segtui.toml"
    path.write_text('log = "sometimes"\n')
    with pytest.raises(OptionError, match="auto"):
        settings_file.merge(settings_file.read_config(path), {})


def test_cli_unknown_log_mode_is_a_user_error(zeotap_dir):
    result = runner.invoke(app, ["run", str(zeotap_dir), "--log", "maybe"])
    assert result.exit_code == 2 and "auto" in result.stderr


def _row(k: int, db: float, stab: float, smallest: float) -> SweepRow:
    return SweepRow(k, db, 0.5, 100, 10.0, 1.0, stab, k, smallest_share=smallest)


def test_auto_k_skips_a_k_with_a_segment_under_one_percent():
    rows = [_row(2, 0.4, 1.0, 0.001), _row(3, 0.9, 0.95, 0.2), _row(4, 0.7, 0.95, 0.005)]
    k, rule = recommend_k(rows, n_clustered=10_000)
    assert k == 3 and "1%" in rule


def test_auto_k_takes_the_largest_smallest_segment_when_no_k_reaches_one_percent():
    rows = [_row(2, 0.4, 1.0, 0.004), _row(3, 0.3, 1.0, 0.008)]
    k, rule = recommend_k(rows, n_clustered=10_000)
    assert k == 3 and "No k keeps every segment" in rule


def test_min_segment_size_relaxes_below_100_customers():
    assert min_segment_size(10_000) == 100
    assert min_segment_size(150) == 2
    assert min_segment_size(60) == 1  # below 100: no empty segment


def test_sweep_and_run_score_the_same_k_identically(planted_dir):
    settings = Settings(source=planted_dir, k=3, silhouette_sample=500)
    result = run(settings)
    row = sweep(None, settings, 3, 3).row(3)
    assert row.silhouette_sample_size == result.metrics.silhouette_sample_size == 500
    assert row.silhouette == pytest.approx(result.metrics.silhouette, abs=1e-12)
    assert row.davies_bouldin == pytest.approx(result.metrics.davies_bouldin, abs=1e-12)


def test_small_segment_at_k2_does_not_suggest_a_smaller_k():
    warnings = diagnostics.small_segments([985, 15])
    assert len(warnings) == 1 and "smaller k" not in warnings[0]


def test_small_segment_above_k2_suggests_a_smaller_k():
    assert "smaller k" in diagnostics.small_segments([600, 15, 385])[0]


def test_dominance_warns_at_cramers_v_half():
    labels = np.array([0] * 60 + [1] * 40)
    region = ["A"] * 45 + ["B"] * 15 + ["A"] * 5 + ["B"] * 35  # V ~ 0.6
    frame = pl.DataFrame({"region": region})
    rows, warnings = diagnostics.dominance(frame, labels, ["region"])
    assert 0.5 <= rows[0]["cramers_v"] < 0.8
    assert len(warnings) == 1 and "mirror region" in warnings[0]


def test_sweep_rows_record_the_smallest_segment_share(zeotap_dir):
    result = runner.invoke(app, ["sweep", str(zeotap_dir), "--k-max", "4", "--json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert all(0 < r["smallest_share"] <= 1 / r["k"] for r in rows)

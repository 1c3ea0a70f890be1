"""Diagnostics in every run: dominance, separation, stability, small segments, skewness."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from conftest import PRE_SWITCH, PRE_SWITCH_FEATURES

from segtui.config import Settings
from segtui.engine.clustering import diagnostics, scores
from segtui.engine.clustering.space import fit_space
from segtui.engine.output.result_files import write_result
from segtui.engine.pipeline import run


def _mirror(warnings: list[str]) -> list[str]:
    return [w for w in warnings if w.startswith("Segments mirror")]


def test_raw_one_hot_segments_mirror_region_and_warn(zeotap_dir):
    result = run(Settings(source=zeotap_dir, **PRE_SWITCH, categorical_weight="raw"))
    region = next(d for d in result.diagnostics["dominance"] if d["feature"] == "region")
    assert region["cramers_v"] >= 0.8
    assert len(_mirror(result.warnings)) == 1 and "region" in _mirror(result.warnings)[0]


def test_default_weighting_does_not_warn_about_region(zeotap_dir):
    result = run(Settings(source=zeotap_dir, **PRE_SWITCH))
    region = next(d for d in result.diagnostics["dominance"] if d["feature"] == "region")
    assert region["cramers_v"] < 0.8 and _mirror(result.warnings) == []


def test_separation_ranks_every_feature_once(zeotap_dir):
    result = run(Settings(source=zeotap_dir, **PRE_SWITCH))
    ranked = result.diagnostics["separation"]
    assert sorted(r["feature"] for r in ranked) == sorted(result.features)
    shares = [r["eta_squared"] for r in ranked]
    assert shares == sorted(shares, reverse=True) and all(0 <= s <= 1 for s in shares)


def test_raw_region_is_the_most_separating_feature(zeotap_dir):
    result = run(Settings(source=zeotap_dir, **PRE_SWITCH, categorical_weight="raw"))
    assert result.diagnostics["separation"][0]["feature"] == "region"


def test_separation_equals_anova_share_on_a_numeric_column(zeotap_dir):
    result = run(Settings(source=zeotap_dir, k=4, features=("total_spend", "frequency")))
    x, labels = result.matrix[:, 0], result.labels
    between = sum((labels == s).sum() * (x[labels == s].mean() - x.mean()) ** 2 for s in range(4))
    expected = between / ((x - x.mean()) ** 2).sum()
    row = next(r for r in result.diagnostics["separation"] if r["feature"] == "total_spend")
    assert row["eta_squared"] == pytest.approx(expected, rel=1e-9)


def test_separation_groups_a_one_hot_block_under_its_feature(zeotap_dir):
    result = run(Settings(source=zeotap_dir, k=3, features=PRE_SWITCH_FEATURES))
    clustered = result.feature_table.frame.filter(result.feature_table.frame["has_purchases"])
    space, _ = fit_space(clustered, result.features)
    rows = diagnostics.separation(space, result.matrix, result.labels)
    assert [r["feature"] for r in rows].count("region") == 1


def test_every_run_reports_the_stability_of_its_k(zeotap_dir):
    stable = run(Settings(source=zeotap_dir, k=3, features=PRE_SWITCH_FEATURES)).diagnostics[
        "stability"
    ]
    assert stable["k"] == 3 and 0 <= stable["stability"] <= 1
    assert "subsamples" in stable["method"]


def test_low_stability_warns():
    _, warnings = diagnostics.stability_check(0.4, 6, "method")
    assert len(warnings) == 1 and "not stable" in warnings[0]


def test_high_stability_does_not_warn():
    assert diagnostics.stability_check(0.97, 3, "method")[1] == []


def test_single_member_segment_warns_as_outlier():
    warnings = diagnostics.small_segments([500, 1, 499])
    assert len(warnings) == 1 and "single customer" in warnings[0]


def test_segment_under_two_percent_warns():
    warnings = diagnostics.small_segments([600, 15, 385])
    assert len(warnings) == 1 and "1.5%" in warnings[0]


def test_skewed_spend_suggests_log():
    spend = [10.0] * 95 + [5000.0] * 5
    frame = pl.DataFrame({"total_spend": spend})
    skew, warnings = diagnostics.skewness(frame, ["total_spend"], logged=[])
    assert skew["total_spend"] > diagnostics.SKEW_LOG_HINT
    assert len(warnings) == 1 and "Consider --log" in warnings[0]


def test_no_log_hint_when_skewed_spend_was_log_transformed():
    spend = [10.0] * 95 + [5000.0] * 5
    frame = pl.DataFrame({"total_spend": spend})
    assert diagnostics.skewness(frame, ["total_spend"], logged=["total_spend"])[1] == []


def test_no_log_hint_when_log_is_on(planted_dir):
    result = run(Settings(source=planted_dir, log="on"))
    assert [w for w in result.warnings if "Consider --log" in w] == []


def test_cramers_v_of_identical_labels_is_one():
    labels = np.array([0, 1, 2, 0, 1, 2])
    table = diagnostics.contingency(labels, pl.Series(list("abcabc")))
    assert scores.cramers_v_table(table) == pytest.approx(1.0)


def test_report_lists_separation_and_stability(zeotap_dir, tmp_path):
    result = run(Settings(source=zeotap_dir, **PRE_SWITCH))
    path = write_result(result, summary=tmp_path / "report.md")[0]
    text = path.read_text()
    assert "Which features separate the segments" in text and "Stability of k = 4" in text


def test_contingency_table_and_cramers_v_match_an_independent_count_and_scipy():
    from scipy.stats.contingency import association

    rng = np.random.default_rng(5)
    labels = rng.integers(0, 5, 5000)
    labels[labels == 3] = 4  # a label value with no rows
    regions = np.array(["Asia", "Europe", "North America", "South America"])[
        (labels + rng.integers(0, 2, 5000)) % 4
    ]
    series = pl.Series(regions).scatter([0, 7], None)  # missing values count as a level
    table = diagnostics.contingency(labels, series)
    # rows: sorted labels present (0, 1, 2, 4); columns: sorted values, "(missing)" first
    levels = sorted(set(series.fill_null("(missing)").to_list()))
    values = series.fill_null("(missing)").to_numpy()
    expected = np.array(
        [[np.sum((labels == a) & (values == b)) for b in levels] for a in (0, 1, 2, 4)]
    )
    assert np.array_equal(table, expected)
    assert scores.cramers_v_table(table) == pytest.approx(
        association(expected, method="cramer"), rel=1e-12
    )

"""Effect sizes: Cohen's d per segment and feature, eta squared per feature."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from segtui.engine.segments.effects import effect_sizes, magnitude


def test_cohens_d_is_the_mean_difference_over_the_pooled_sd():
    values = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 12.0, 14.0])
    labels = np.array([0, 0, 0, 0, 1, 1, 1])
    result = effect_sizes(pl.DataFrame({"x": values}), labels, ["x"], [0, 1])
    a, b = values[:4], values[4:]
    pooled = np.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / 5)
    assert result.cohens_d[1]["x"] == pytest.approx((b.mean() - a.mean()) / pooled)
    assert result.cohens_d[0]["x"] == pytest.approx(-result.cohens_d[1]["x"])


def test_eta_squared_is_the_share_of_variance_between_segments():
    values = np.array([1.0, 1.0, 5.0, 5.0, 3.0, 3.0])
    frame = pl.DataFrame({"exact": values, "noise": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0]})
    result = effect_sizes(frame, np.array([0, 0, 1, 1, 2, 2]), ["exact", "noise"], [0, 1, 2])
    assert result.eta_squared == {"exact": pytest.approx(1.0), "noise": pytest.approx(0.0)}


def test_missing_values_are_left_out():
    frame = pl.DataFrame({"x": [1.0, None, 3.0, 10.0, 11.0, 12.0]})
    result = effect_sizes(frame, np.array([0, 0, 0, 1, 1, 1]), ["x"], [0, 1])
    a, b = np.array([1.0, 3.0]), np.array([10.0, 11.0, 12.0])
    pooled = np.sqrt((a.var(ddof=1) + 2 * b.var(ddof=1)) / 3)
    assert result.cohens_d[0]["x"] == pytest.approx((a.mean() - b.mean()) / pooled)


def test_features_are_ranked_by_absolute_d():
    rng = np.random.default_rng(3)
    labels = np.repeat([0, 1], 100)
    frame = pl.DataFrame(
        {"weak": rng.normal(0, 1, 200) + labels * 0.3, "strong": rng.normal(0, 1, 200) - labels * 3}
    )
    result = effect_sizes(frame, labels, ["weak", "strong"], [0, 1])
    assert list(result.cohens_d[1]) == ["strong", "weak"]


def test_magnitude_words_follow_cohen():
    assert [magnitude(d) for d in (0.1, -0.3, 0.6, -2.0)] == [
        "negligible",
        "small",
        "medium",
        "large",
    ]


def test_summary_lists_effect_sizes_first_in_the_report(planted_dir):
    from segtui.config import Settings
    from segtui.engine.output.report import markdown_report
    from segtui.engine.pipeline import run

    summary = run(Settings(source=planted_dir)).summary()
    assert set(summary["eta_squared"]) >= {"total_spend", "frequency"}
    section = markdown_report(summary).split("### 0.")[1]
    bullets = [line for line in section.splitlines() if line.startswith("- ")]
    assert bullets[0].startswith("- Effect sizes (Cohen's d")

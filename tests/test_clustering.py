"""Clustering space, K-Means ordering and metrics."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from conftest import PRE_SWITCH
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

import segtui
from segtui.engine.clustering.space import fit_space

NUMERIC = ["total_spend", "avg_transaction_value", "frequency", "total_quantity"]


def test_transparency_rule_metrics_recompute_from_the_segments_file(zeotap_dir, tmp_path):
    result = segtui.segment(zeotap_dir, features=NUMERIC)
    out = tmp_path / "segments.csv"
    result.write(out)
    written = pl.read_csv(out).filter(pl.col("segment") >= 0)
    X = written.select(NUMERIC).to_numpy()
    Z = (X - X.mean(axis=0)) / X.std(axis=0)  # population z-scores
    labels = written["segment"].to_numpy()
    m = result.metrics
    assert m.davies_bouldin == pytest.approx(davies_bouldin_score(Z, labels), rel=1e-9)
    assert m.silhouette == pytest.approx(silhouette_score(Z, labels), rel=1e-9)
    assert m.calinski_harabasz == pytest.approx(calinski_harabasz_score(Z, labels), rel=1e-9)
    inertia = sum(((Z[labels == s] - Z[labels == s].mean(axis=0)) ** 2).sum() for s in range(4))
    assert m.inertia == pytest.approx(inertia, rel=1e-9)
    assert m.silhouette_sample_size == 199


def test_categorical_block_carries_one_features_variance(zeotap_dir):
    result = segtui.segment(zeotap_dir, **PRE_SWITCH)
    columns = result.space.columns
    region = [i for i, c in enumerate(columns) if c.startswith("region=")]
    assert len(region) == 4
    block_variance = result.matrix[:, region].var(axis=0).sum()
    assert block_variance == pytest.approx(1.0)
    numeric = [i for i, c in enumerate(columns) if "=" not in c]
    assert result.matrix[:, numeric].var(axis=0) == pytest.approx(np.ones(len(numeric)))


def test_raw_categorical_weight_gives_each_level_unit_variance(zeotap_dir):
    result = segtui.segment(zeotap_dir, **PRE_SWITCH, categorical_weight="raw")
    region = [i for i, c in enumerate(result.space.columns) if c.startswith("region=")]
    assert result.matrix[:, region].var(axis=0) == pytest.approx(np.ones(4))


def test_segment_ids_are_ordered_by_mean_total_spend(zeotap_dir):
    result = segtui.segment(zeotap_dir, k=5)
    means = [p.means["total_spend"] for p in result.profiles]
    assert means == sorted(means, reverse=True)
    assert [p.id for p in result.profiles] == list(range(5))


def test_same_seed_same_segments_other_seed_may_differ(zeotap_dir):
    a = segtui.segment(zeotap_dir, seed=1)
    b = segtui.segment(zeotap_dir, seed=1)
    assert a.segments.equals(b.segments)
    assert a.metrics == b.metrics


@pytest.mark.parametrize("scaling", ["robust", "minmax"])
def test_other_scalings_run_and_keep_region_at_one_numeric_features_weight(zeotap_dir, scaling):
    result = segtui.segment(zeotap_dir, **PRE_SWITCH, scaling=scaling)
    columns = result.space.columns
    region = [i for i, c in enumerate(columns) if c.startswith("region=")]
    numeric = [i for i, c in enumerate(columns) if "=" not in c]
    mean_numeric_var = result.matrix[:, numeric].var(axis=0).mean()
    assert result.matrix[:, region].var(axis=0).sum() == pytest.approx(mean_numeric_var)


def test_log_transform_is_applied_to_money_and_counts_only(tiny_dir):
    frame = pl.DataFrame({"total_spend": [0.0, 9.0, 99.0], "region": ["a", "b", "a"]})
    spec, _ = fit_space(frame, ["total_spend", "region"], log=True)
    assert spec.numeric[0].log is True
    X = spec.transform(frame)
    logged = np.log1p(np.array([0.0, 9.0, 99.0]))
    assert X[:, 0] == pytest.approx((logged - logged.mean()) / logged.std())


def test_constant_feature_is_reported_not_fatal():
    frame = pl.DataFrame({"total_spend": [1.0, 2.0, 3.0, 4.0], "frequency": [2, 2, 2, 2]})
    spec, warnings = fit_space(frame, ["total_spend", "frequency"])
    assert any("same value for every customer" in w for w in warnings)
    assert np.all(spec.transform(frame)[:, 1] == 0)

"""The k sweep engine: values agree with scikit-learn and with `segtui run`, the
recommendation follows the documented rule, range errors are user errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import davies_bouldin_score

from segtui.config import Settings
from segtui.engine.clustering import stability, sweep
from segtui.engine.clustering.sweep import SweepRow, recommend_k
from segtui.engine.errors import OptionError
from segtui.engine.features.compute import compute_features
from segtui.engine.io.sources import load_source
from segtui.engine.pipeline import run


@pytest.fixture(scope="module")
def zeotap_table(zeotap_dir):
    return compute_features(load_source(zeotap_dir), Settings().features)


@pytest.fixture(scope="module")
def zeotap_sweep(zeotap_dir, zeotap_table):
    return sweep.sweep(zeotap_table, Settings(source=zeotap_dir), 2, 10)


def test_sweep_has_one_row_per_k(zeotap_sweep):
    assert [row.k for row in zeotap_sweep.rows] == list(range(2, 11))


def test_sweep_davies_bouldin_equals_sklearn_recomputation(zeotap_dir, zeotap_table, zeotap_sweep):
    settings = Settings(source=zeotap_dir)
    X = sweep.clustering_matrix(zeotap_table, settings)
    for row in zeotap_sweep.rows:
        labels = KMeans(row.k, n_init=settings.n_init, random_state=settings.seed).fit_predict(X)
        assert row.davies_bouldin == pytest.approx(davies_bouldin_score(X, labels), rel=1e-9)


def test_sweep_row_equals_the_run_with_that_k(zeotap_dir, zeotap_sweep):
    metrics = run(Settings(source=zeotap_dir, k=4)).metrics
    row = zeotap_sweep.row(4)
    assert row.davies_bouldin == pytest.approx(metrics.davies_bouldin, rel=1e-9)
    assert row.silhouette == pytest.approx(metrics.silhouette, rel=1e-9)
    assert row.calinski_harabasz == pytest.approx(metrics.calinski_harabasz, rel=1e-9)
    assert row.inertia == pytest.approx(metrics.inertia, rel=1e-9)


def test_sweep_states_its_samples(zeotap_sweep):
    assert zeotap_sweep.silhouette_sample_size == 199
    assert zeotap_sweep.fit_sample_size == 199
    assert "adjusted Rand" in zeotap_sweep.stability_method


def test_stability_is_between_zero_and_one(zeotap_sweep):
    assert all(-0.5 <= row.stability <= 1.0 for row in zeotap_sweep.rows)


def test_recommended_k_is_a_swept_k_and_the_rule_names_both_criteria(zeotap_sweep):
    assert zeotap_sweep.recommended_k in range(2, 11)
    assert "Davies-Bouldin" in zeotap_sweep.rule and "stability" in zeotap_sweep.rule


def test_sweep_is_deterministic(zeotap_dir, zeotap_table, zeotap_sweep):
    again = sweep.sweep(zeotap_table, Settings(source=zeotap_dir), 2, 10)
    assert again.to_dict() == zeotap_sweep.to_dict()


def test_json_document_has_the_documented_keys(zeotap_sweep):
    doc = zeotap_sweep.to_dict()
    assert {"rows", "recommended_k", "rule"} <= set(doc)
    keys = {"k", "davies_bouldin", "silhouette", "calinski_harabasz", "inertia", "stability"}
    assert all(keys <= set(row) for row in doc["rows"])


def _row(k: int, db: float, stab: float) -> SweepRow:
    return SweepRow(k, db, 0.5, 100, 10.0, 100.0 / k, stab, k)


def test_rule_skips_a_lower_db_when_it_is_unstable():
    rows = [_row(2, 0.9, 0.95), _row(3, 0.5, 0.6), _row(4, 0.7, 0.99)]
    assert recommend_k(rows)[0] == 4


def test_rule_falls_back_to_the_most_stable_k():
    rows = [_row(2, 0.9, 0.5), _row(3, 0.5, 0.7), _row(4, 0.7, 0.6)]
    k, rule = recommend_k(rows)
    assert k == 3 and "caution" in rule


def test_rule_skips_k_with_empty_segments():
    rows = [_row(2, 0.9, 0.95), SweepRow(3, 0.1, 0.5, 100, 10.0, 5.0, 1.0, n_segments=2)]
    assert recommend_k(rows)[0] == 2


@pytest.mark.parametrize(
    ("k_min", "k_max", "message"),
    [(1, 5, "k-min must be at least 2"), (5, 3, "smaller than k-min"), (2, 199, "k-max=199")],
)
def test_bad_ranges_are_option_errors(zeotap_dir, zeotap_table, k_min, k_max, message):
    with pytest.raises(OptionError, match=message):
        sweep.sweep(zeotap_table, Settings(source=zeotap_dir), k_min, k_max)


def test_large_data_fits_on_a_sample_and_scores_every_customer(monkeypatch, zeotap_table):
    monkeypatch.setattr(sweep, "SWEEP_FIT_SAMPLE", 120)
    X = sweep.clustering_matrix(zeotap_table, Settings())
    result = sweep.sweep_matrix(X, 3, 3, seed=42, n_init=10)
    assert result.fit_sample_size == 120 and result.n_clustered == 199
    rows = stability.sample_rows(199, 120, [42, 3])
    _, centers = stability.fit_centers(X[rows], 3, seed=42, n_init=10)
    labels = np.argmin(((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2), axis=1)
    assert result.rows[0].davies_bouldin == pytest.approx(davies_bouldin_score(X, labels))


def test_stability_of_well_separated_blobs_is_one():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(c, 0.05, size=(100, 2)) for c in (0.0, 5.0, 10.0)])
    plan = stability.make_plan(X.shape[0], seed=1, n_init=5)
    assert stability.stability(X, 3, plan) == pytest.approx(1.0)


def test_stability_of_structureless_data_at_large_k_is_low():
    X = np.random.default_rng(0).uniform(size=(400, 2))
    plan = stability.make_plan(X.shape[0], seed=1, n_init=5)
    assert stability.stability(X, 9, plan) < 0.9


def test_progress_reports_every_k(zeotap_dir, zeotap_table):
    stages: list[str] = []
    sweep.sweep(zeotap_table, Settings(source=zeotap_dir), 2, 4, progress=stages.append)
    assert [s for s in stages if s.startswith("k = ")] == [
        "k = 2 (1/3)",
        "k = 3 (2/3)",
        "k = 4 (3/3)",
    ]


def test_sweep_reads_the_source_when_given_no_table(tiny_dir):
    result = sweep.sweep(None, Settings(source=tiny_dir, features=("total_spend",)), 2, 3)
    assert result.n_clustered == 5 and result.features == ["total_spend"]
    assert all(math.isfinite(row.davies_bouldin) for row in result.rows)


def test_on_row_receives_each_row_as_it_is_scored(zeotap_dir, zeotap_table):
    seen: list[int] = []
    result = sweep.sweep(
        zeotap_table, Settings(source=zeotap_dir), 2, 4, on_row=lambda row: seen.append(row.k)
    )
    assert seen == [2, 3, 4] == [row.k for row in result.rows]


def test_sweep_refuses_customers_who_are_all_alike_but_not_two_distinct_ones() -> None:
    alike = np.tile([1.0, 2.0, 3.0], (50, 1))
    with pytest.raises(OptionError, match="all 50 customers .* same profile"):
        sweep.sweep_matrix(alike, 2, 3, seed=42, n_init=1)
    two = alike.copy()
    two[-1, 2] = 4.0  # one customer differs, in the last row and column only
    result = sweep.sweep_matrix(two, 2, 3, seed=42, n_init=1)
    assert result.row(2).n_segments == 2

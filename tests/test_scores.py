"""Every clustering score (``clustering/scores.py``) agrees with ``sklearn.metrics`` on
real values: the reference data's clustering matrix and K-Means labels."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    r2_score,
    silhouette_score,
)

from segtui.config import Settings
from segtui.engine.clustering import scores
from segtui.engine.clustering.sweep import clustering_matrix
from segtui.engine.features.compute import compute_features
from segtui.engine.io.sources import load_source


@pytest.fixture(scope="module")
def zeotap_matrix(zeotap_dir) -> np.ndarray:
    settings = Settings(source=zeotap_dir)
    table = compute_features(load_source(zeotap_dir), settings.features)
    return clustering_matrix(table, settings)


@pytest.fixture(scope="module")
def zeotap_labels(zeotap_matrix) -> np.ndarray:
    return KMeans(5, n_init=10, random_state=0).fit_predict(zeotap_matrix)


def test_davies_bouldin_equals_sklearn(zeotap_matrix, zeotap_labels):
    got = scores.label_scores(zeotap_matrix, zeotap_labels).davies_bouldin
    assert got == pytest.approx(davies_bouldin_score(zeotap_matrix, zeotap_labels), rel=1e-12)


def test_calinski_harabasz_equals_sklearn(zeotap_matrix, zeotap_labels):
    got = scores.label_scores(zeotap_matrix, zeotap_labels).calinski_harabasz
    assert got == pytest.approx(calinski_harabasz_score(zeotap_matrix, zeotap_labels), rel=1e-12)


def test_inertia_equals_kmeans_inertia(zeotap_matrix):
    model = KMeans(4, n_init=10, random_state=0).fit(zeotap_matrix)
    got = scores.label_scores(zeotap_matrix, model.labels_).inertia
    assert got == pytest.approx(model.inertia_, rel=1e-9)


def test_silhouette_from_distances_equals_sklearn(zeotap_matrix, zeotap_labels):
    distances = scores.pairwise_distances(zeotap_matrix)
    got = scores.silhouette_from_distances(distances, zeotap_labels)
    assert got == pytest.approx(silhouette_score(zeotap_matrix, zeotap_labels), rel=1e-12)


def test_empty_label_values_are_ignored_like_sklearn(zeotap_matrix, zeotap_labels):
    gapped = np.where(zeotap_labels >= 2, zeotap_labels + 1, zeotap_labels)  # no label 2
    got = scores.label_scores(zeotap_matrix, gapped)
    assert got.n_segments == 5
    assert got.davies_bouldin == pytest.approx(davies_bouldin_score(zeotap_matrix, gapped))


def test_assign_matches_kmeans_predict(zeotap_matrix):
    model = KMeans(6, n_init=3, random_state=1).fit(zeotap_matrix)
    labels = scores.assign(zeotap_matrix, model.cluster_centers_)
    assert np.array_equal(labels, model.predict(zeotap_matrix))


def test_one_segment_scores_are_undefined(zeotap_matrix):
    result = scores.label_scores(zeotap_matrix, np.zeros(zeotap_matrix.shape[0], dtype=np.int64))
    assert np.isnan(result.davies_bouldin) and result.n_segments == 1


def test_blocked_silhouette_equals_sklearn(zeotap_matrix, zeotap_labels, monkeypatch):
    # Blocks smaller than the data, so the block loop and the diagonal offsets are used.
    monkeypatch.setattr(scores, "SILHOUETTE_BLOCK", 64)
    got = scores.silhouette(zeotap_matrix, zeotap_labels)
    assert got == pytest.approx(silhouette_score(zeotap_matrix, zeotap_labels), rel=1e-12)


def test_blocked_silhouette_scores_singletons_zero_like_sklearn(zeotap_matrix):
    labels = np.zeros(zeotap_matrix.shape[0], dtype=np.int64)
    labels[:2] = [1, 2]  # two one-member segments
    got = scores.silhouette(zeotap_matrix, labels)
    assert got == pytest.approx(silhouette_score(zeotap_matrix, labels), rel=1e-12)
    assert np.isnan(scores.silhouette(zeotap_matrix, np.zeros_like(labels)))


def test_metrics_fast_and_plain_paths_agree_on_a_sampled_silhouette():
    metrics = scores.metrics
    rng = np.random.default_rng(3)
    centres = rng.normal(scale=4.0, size=(4, 5))
    X = np.vstack([c + rng.normal(size=(3000, 5)) for c in centres])
    labels = KMeans(4, n_init=3, random_state=0).fit_predict(X)
    fast = metrics(X, labels, seed=11, silhouette_sample=2000, plain=False)
    plain = metrics(X, labels, seed=11, silhouette_sample=2000, plain=True)
    assert fast.silhouette_sample_size == plain.silhouette_sample_size == 2000
    for name in ("davies_bouldin", "silhouette", "calinski_harabasz", "inertia"):
        assert getattr(fast, name) == pytest.approx(getattr(plain, name), rel=1e-9), name
    # a different sample gives a (slightly) different silhouette: the sample is really used
    other = metrics(X, labels, seed=12, silhouette_sample=2000, plain=False)
    assert other.silhouette != fast.silhouette


def test_adjusted_rand_is_sklearns_float_on_resampled_fits(zeotap_matrix, zeotap_labels):
    # The labelings the stability check compares: fits with other seeds and other k.
    for k, seed in ((5, 1), (5, 2), (3, 0), (8, 4)):
        other = KMeans(k, n_init=1, random_state=seed).fit_predict(zeotap_matrix)
        assert scores.adjusted_rand(zeotap_labels, other) == adjusted_rand_score(
            zeotap_labels, other
        )


def test_adjusted_rand_edge_cases_equal_sklearn():
    cases = [
        ([0, 0, 1, 1], [0, 1, 0, 1]),  # worse than chance: -0.5
        ([0, 0, 0, 0], [0, 1, 2, 3]),  # one segment against singletons: 0
        ([3, 3, 7, 7, 9], [1, 1, 0, 0, 2]),  # same partition, other label values: 1
        ([0, 0, 0], [5, 5, 5]),
        ([], []),
    ]
    for a, b in cases:
        got = scores.adjusted_rand(np.array(a, dtype=np.int64), np.array(b, dtype=np.int64))
        assert got == adjusted_rand_score(a, b), (a, b)


def test_eta_squared_is_sklearns_r2_of_the_segment_means(zeotap_matrix, zeotap_labels):
    spend = zeotap_matrix[:, 0]
    means = np.array([spend[zeotap_labels == s].mean() for s in range(5)])
    expected = r2_score(spend, means[zeotap_labels])
    assert scores.eta_squared(spend, zeotap_labels) == pytest.approx(expected, rel=1e-12)


def test_between_total_gives_each_columns_eta_squared(zeotap_matrix, zeotap_labels):
    between, total = scores.between_total(zeotap_matrix, zeotap_labels)
    for j in range(zeotap_matrix.shape[1]):
        column = zeotap_matrix[:, j]
        means = np.array([column[zeotap_labels == s].mean() for s in range(5)])
        expected = r2_score(column, means[zeotap_labels])
        assert between[j] / total[j] == pytest.approx(expected, rel=1e-9), j


def test_metrics_plain_path_is_sklearn_itself(zeotap_matrix, zeotap_labels):
    X, labels = zeotap_matrix, zeotap_labels
    plain = scores.metrics(X, labels, seed=0, silhouette_sample=10**6, plain=True)
    assert plain.davies_bouldin == davies_bouldin_score(zeotap_matrix, zeotap_labels)
    assert plain.calinski_harabasz == calinski_harabasz_score(zeotap_matrix, zeotap_labels)
    assert plain.silhouette == silhouette_score(zeotap_matrix, zeotap_labels)
    fast = scores.metrics(zeotap_matrix, zeotap_labels, seed=0, silhouette_sample=10**6)
    for name in ("davies_bouldin", "silhouette", "calinski_harabasz", "inertia"):
        assert getattr(fast, name) == pytest.approx(getattr(plain, name), rel=1e-9), name

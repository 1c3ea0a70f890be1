"""The sweep's fast scores agree with scikit-learn's on the reference data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from segtui.config import Settings
from segtui.engine import scores
from segtui.engine.features import compute_features
from segtui.engine.sources import load_source
from segtui.engine.sweep import clustering_matrix


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

"""Clustering on Spark: MLlib agrees with scikit-learn on planted groups; distributed
metrics equal scikit-learn's; small tables take the driver path."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)

from segtui.config import Settings
from segtui.engine.pipeline import run

# These tests are about MLlib's mechanics, not the default: the planted groups are four,
# and the space is the one these parity figures were first taken with (tests/conftest.py's
# PRE_SWITCH). The default --k auto on Spark: test_spark_auto_k.py.
PINNED: dict[str, object] = {
    "k": 4,
    "features": ("total_spend", "avg_transaction_value", "frequency", "total_quantity", "region"),
}


@pytest.fixture(scope="module")
def polars_result(planted_dir):
    return run(Settings(source=planted_dir, n_init=3, **PINNED))


@pytest.fixture(scope="module")
def mllib_result(spark, spark_options, planted_dir):
    from segtui.engine.spark.pipeline import run_spark

    options = dataclasses.replace(spark_options, driver_limit=0)
    return run_spark(Settings(source=planted_dir, n_init=2, **PINNED), options)


def test_mllib_and_scikit_learn_segmentations_agree_on_planted_groups(mllib_result, polars_result):
    assert adjusted_rand_score(mllib_result.labels, polars_result.labels) == 1.0
    assert [p.name for p in mllib_result.profiles] == [p.name for p in polars_result.profiles]


def test_mllib_segments_are_numbered_like_the_polars_engine(mllib_result, polars_result):
    assert np.array_equal(mllib_result.labels, polars_result.labels)
    assert mllib_result.segments.equals(polars_result.segments)


def test_summary_records_the_mllib_clustering_path(mllib_result):
    summary = mllib_result.summary()
    assert (summary["engine"], summary["clustering_path"]) == ("spark", "Spark MLlib")


def test_distributed_metrics_equal_scikit_learn_on_the_same_labels(spark, polars_result):
    from segtui.engine.spark import mllib

    X, labels = polars_result.matrix, polars_result.labels
    columns = [f"x{i}" for i in range(X.shape[1])]
    rows = [(*map(float, x), int(s)) for x, s in zip(X, labels, strict=True)]
    frame = spark.createDataFrame(rows, [*columns, mllib.LABEL])
    scores = mllib.metrics(frame, columns, seed=0, silhouette_sample=X.shape[0])
    assert abs(scores.davies_bouldin - davies_bouldin_score(X, labels)) < 1e-9
    assert scores.calinski_harabasz == pytest.approx(calinski_harabasz_score(X, labels), rel=1e-9)
    assert scores.inertia == pytest.approx(polars_result.metrics.inertia, rel=1e-9)
    assert scores.silhouette == pytest.approx(silhouette_score(X, labels), rel=1e-9)
    assert scores.silhouette_sample_size == X.shape[0]


def test_silhouette_is_computed_on_a_sample_of_the_requested_size(spark, polars_result):
    from segtui.engine.spark import mllib

    X, labels = polars_result.matrix, polars_result.labels
    columns = [f"x{i}" for i in range(X.shape[1])]
    rows = [(*map(float, x), int(s)) for x, s in zip(X, labels, strict=True)]
    frame = spark.createDataFrame(rows, [*columns, mllib.LABEL])
    scores = mllib.metrics(frame, columns, seed=1, silhouette_sample=300)
    assert scores.silhouette_sample_size == 300
    assert abs(scores.silhouette - polars_result.metrics.silhouette) < 0.05


def test_small_tables_are_clustered_on_the_driver_exactly_as_the_polars_engine(
    spark, spark_options, planted_dir, polars_result
):
    from segtui.engine.spark.pipeline import run_spark

    result = run_spark(Settings(source=planted_dir, n_init=3, **PINNED), spark_options)
    assert result.summary()["clustering_path"] == "scikit-learn on the driver"
    assert result.segments.equals(polars_result.segments)
    assert result.metrics == polars_result.metrics

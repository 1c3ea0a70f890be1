"""Clustering in Spark: the clustering space applied as Spark expressions, MLlib K-Means
(k-means||) over several seeds, and the quality metrics from distributed aggregations.

The space (a :class:`~segtui.engine.clustering.space.SpaceSpec`) is fitted by the shared code; only
its plain-number parameters are turned into column expressions here, so both engines put
a customer at the same point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from segtui.engine.clustering.scores import Metrics, scores_from_moments, silhouette
from segtui.engine.clustering.space import MISSING_LEVEL, SpaceSpec

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

LABEL = "segment"
# MLlib's default of 20 iterations stops long before scikit-learn would; match its 300.
MAX_ITER = 300
TOLERANCE = 1e-6


def matrix_columns(space: SpaceSpec) -> list[str]:
    """Names of the Spark columns holding the clustering matrix (x0, x1, ...)."""
    return [f"x{i}" for i in range(len(space.columns))]


def space_expressions(space: SpaceSpec) -> list[Column]:
    """One Spark column expression per matrix column, equal to ``space.transform``."""
    from pyspark.sql import functions as F

    exprs: list[Column] = []
    for col in space.numeric:
        value = F.coalesce(F.col(col.name).cast("double"), F.lit(float(col.fill)))
        if col.log:
            value = F.signum(value) * F.log1p(F.abs(value))
        exprs.append((value - F.lit(col.center)) / F.lit(col.scale))
    for block in space.categorical:
        raw = F.coalesce(F.col(block.name).cast("string"), F.lit(MISSING_LEVEL))
        for level, center, scale in zip(block.levels, block.centers, block.scales, strict=True):
            indicator = (raw == F.lit(level)).cast("double")
            exprs.append((indicator - F.lit(center)) * F.lit(scale))
    names = matrix_columns(space)
    return [expr.alias(name) for expr, name in zip(exprs, names, strict=True)]


@dataclass
class SparkClustering:
    """MLlib's result: the frame with ``segment`` (0..k-1), centroids and the best cost."""

    frame: DataFrame
    centers: np.ndarray
    cost: float
    seeds_tried: int


def kmeans(
    frame: DataFrame, columns: list[str], k: int, *, seed: int, n_init: int
) -> SparkClustering:
    """MLlib K-Means (k-means|| init) with seeds ``seed..seed+n_init-1``; lowest cost kept.

    MLlib has no ``n_init``: each seed is one full fit. Returns the frame of the best fit
    with its predictions in column ``segment``.
    """
    from pyspark.ml.clustering import KMeans
    from pyspark.ml.feature import VectorAssembler

    vectors = VectorAssembler(inputCols=columns, outputCol="_features").transform(frame)
    vectors = vectors.cache()
    best = None
    best_cost = float("inf")
    for offset in range(n_init):
        model = KMeans(
            k=k,
            seed=seed + offset,
            initMode="k-means||",
            maxIter=MAX_ITER,
            tol=TOLERANCE,
            featuresCol="_features",
            predictionCol=LABEL,
        ).fit(vectors)
        cost = float(model.summary.trainingCost)
        if cost < best_cost:
            best, best_cost = model, cost
    assert best is not None
    predicted = best.transform(vectors).drop("_features")
    centers = np.array([np.asarray(c, dtype=np.float64) for c in best.clusterCenters()])
    return SparkClustering(frame=predicted, centers=centers, cost=best_cost, seeds_tried=n_init)


def relabel(frame: DataFrame, remap: np.ndarray) -> DataFrame:
    """Replace ``segment`` s by ``remap[s]`` (used to order segments by mean spend)."""
    from pyspark.sql import functions as F

    lookup = F.array(*[F.lit(int(v)) for v in remap])
    return frame.withColumn(LABEL, F.element_at(lookup, F.col(LABEL).cast("int") + 1))


def segment_means(frame: DataFrame, value: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-segment mean of ``value`` and size, as arrays indexed by segment."""
    from pyspark.sql import functions as F

    rows = frame.groupBy(LABEL).agg(F.avg(value), F.count(F.lit(1))).collect()
    means, sizes = np.zeros(k), np.zeros(k, dtype=np.int64)
    for row in rows:
        means[int(row[0])], sizes[int(row[0])] = float(row[1]), int(row[2])
    return means, sizes


def _pick(values: np.ndarray) -> Column:
    """The row's centroid coordinate: ``values[segment]`` as a Spark expression."""
    from pyspark.sql import functions as F

    return F.element_at(F.array(*[F.lit(float(v)) for v in values]), F.col(LABEL).cast("int") + 1)


def metrics(frame: DataFrame, columns: list[str], *, seed: int, silhouette_sample: int) -> Metrics:
    """Davies-Bouldin, Calinski-Harabasz and inertia from two aggregations over ``frame``
    (columns ``columns`` + ``segment``), with the k x k step on the driver; silhouette on
    a seeded sample of at most ``silhouette_sample`` collected rows. The formulas are the
    Polars engine's (:mod:`segtui.engine.clustering.scores`); centroids are recomputed
    from the data.
    """
    from pyspark.sql import functions as F

    first = frame.groupBy(LABEL).agg(
        F.count(F.lit(1)).alias("n"), *[F.sum(c).alias(c) for c in columns]
    )
    rows = sorted(first.collect(), key=lambda r: int(r[LABEL]))
    k = len(rows)
    sizes = np.array([int(r["n"]) for r in rows], dtype=np.float64)
    sums = np.array([[float(r[c]) for c in columns] for r in rows])
    centroids = sums / sizes[:, None]
    n = float(sizes.sum())
    squared = sum(
        ((F.col(c) - _pick(centroids[:, j])) ** 2 for j, c in enumerate(columns)), F.lit(0.0)
    )
    second = frame.groupBy(LABEL).agg(
        F.avg(F.sqrt(squared)).alias("intra"), F.sum(squared).alias("within")
    )
    by_label = {int(r[LABEL]): r for r in second.collect()}
    intra = np.array([float(by_label[s]["intra"]) for s in range(k)])
    within = np.array([float(by_label[s]["within"]) for s in range(k)])
    inertia = float(within.sum())
    # Only the aggregation differs from the Polars engine: the formulas are shared.
    davies_bouldin, calinski = scores_from_moments(
        centroids, sizes, intra, inertia, sums.sum(axis=0) / n
    )
    sample = _sample(frame, columns, int(n), silhouette_sample, seed)
    silhouette_value = silhouette(sample[:, :-1], sample[:, -1].astype(np.int64))
    return Metrics(
        davies_bouldin=davies_bouldin,
        silhouette=silhouette_value,
        silhouette_sample_size=int(sample.shape[0]),
        calinski_harabasz=float(calinski),
        inertia=inertia,
    )


def _sample(frame: DataFrame, columns: list[str], n: int, size: int, seed: int) -> np.ndarray:
    """Up to ``size`` rows of (matrix columns, segment), seeded; all rows when n <= size."""
    selected = frame.select(*columns, LABEL)
    if n > size:
        # Bernoulli sampling overshoots a little so that `size` rows are nearly always there.
        fraction = min(1.0, 1.1 * size / n + 100.0 / n)
        selected = selected.sample(fraction=fraction, seed=seed).limit(size)
    rows = selected.collect()
    return np.array([[float(v) for v in row] for row in rows], dtype=np.float64)

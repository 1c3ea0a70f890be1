"""``run_spark(settings, options) -> SegmentationResult``: the pipeline on Spark.

Spark reads the source and computes the per-customer features (the heavy pass over the
transactions). Then:

- at or below ``options.driver_limit`` customers with purchases, the collected table goes
  through the Polars engine's own clustering (scikit-learn on the driver): the result is
  the one ``--engine polars`` gives;
- above it, the space is fitted on the driver (plain numbers), applied in Spark, clustered
  with MLlib K-Means and scored with distributed metrics; labels come back to the driver
  for profiles and the segments file. ``--k auto`` chooses k on the driver first, by the
  Polars engine's sweep and rule (its seeded fit sample), then MLlib fits that k.

On both paths ``--k auto`` is judged by the inner time split, computed with Spark
(``spark/inner.py``) and otherwise the Polars engine's (``clustering/inner_split.py``).

``summary()["engine"]`` and ``["clustering_path"]`` record which path ran.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from segtui.config import AUTO_K, Settings
from segtui.engine.cluster_run import cluster, single_threaded_native, validate_settings
from segtui.engine.clustering.space import fit_space
from segtui.engine.clustering.sweep import choose_k
from segtui.engine.errors import OptionError
from segtui.engine.finish import finish, profile
from segtui.engine.result import Progress, SegmentationResult
from segtui.engine.spark import SparkOptions

if TYPE_CHECKING:
    from segtui.engine.clustering.inner_split import InnerSplit
    from segtui.engine.features.compute import FeatureTable
    from segtui.engine.spark.features import SparkFeatures
    from segtui.engine.spark.reader import SparkTables

PATH_DRIVER = "scikit-learn on the driver"
PATH_MLLIB = "Spark MLlib"


def run_spark(
    settings: Settings, options: SparkOptions, *, progress: Progress | None = None
) -> SegmentationResult:
    """Run the whole pipeline with Spark. Returns the same result type as ``run``."""
    step = progress or (lambda _stage: None)
    validate_settings(settings)
    timings: dict[str, float] = {}
    tables, features = features_for(settings, options, progress=step, timings=timings)
    spark = features.frame.sparkSession
    n_clustered = int(features.table.frame.get_column("has_purchases").sum())
    mllib_path = n_clustered > options.driver_limit
    if mllib_path and settings.method != "kmeans":
        raise OptionError(
            f"--method {settings.method} is not available on the MLlib path (more "
            f"customers than --spark-driver-limit {options.driver_limit:,})",
            hint="raise --spark-driver-limit, or use the polars engine",
        )
    # The inner time split on both paths, as the Polars engine makes it: --k auto judges k
    # by it, and the activity rule learns its states there whatever k is.
    inner = auto_k_split(tables, features.table, settings, progress=step, timings=timings)
    if not mllib_path:
        result = cluster(
            features.table, settings, tables.label, progress=step, timings=timings, inner=inner
        )
        path = PATH_DRIVER
    else:
        result = cluster_mllib(
            features, settings, tables.label, progress=step, timings=timings, inner=inner
        )
        path = PATH_MLLIB
    features.frame.unpersist()
    result.execution = {
        "engine": "spark",
        "clustering_path": path,
        "spark_master": spark.sparkContext.master,
        "driver_limit": options.driver_limit,
    }
    return result


def features_for(
    settings: Settings,
    options: SparkOptions,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[SparkTables, SparkFeatures]:
    """Read ``settings.source`` and compute ``settings.features`` with Spark.

    Returns the Spark tables and the features (a cached Spark frame, unpersist it when
    done, and the collected :class:`FeatureTable` the Polars engine would build). Raises
    OptionError for single-log mapping flags on a source that is not a local log file.
    ``timings`` (when given) receives ``spark_start`` and ``features`` in seconds.
    """
    from segtui.engine.features.availability import drop_unavailable_defaults
    from segtui.engine.spark.features import compute_features_spark
    from segtui.engine.spark.reader import read_source
    from segtui.engine.spark.session import get_session

    step = progress or (lambda _stage: None)
    timings = timings if timings is not None else {}
    started = time.perf_counter()
    step("Starting Spark")
    spark = get_session(options)
    timings["spark_start"] = time.perf_counter() - started
    step("Computing features (Spark)")
    tables = read_source(spark, settings.source, settings.returns, settings.mapping_dict())
    # The default list shrinks to fit the source (a single log has no Region), as on Polars.
    requested, notes = drop_unavailable_defaults(settings.features, tables)  # type: ignore[arg-type]
    features = compute_features_spark(tables, requested, settings.as_of)
    features.table.warnings[:0] = notes
    timings["features"] = time.perf_counter() - started
    return tables, features


def auto_k_split(
    tables: SparkTables,
    table: FeatureTable,
    settings: Settings,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> InnerSplit | None:
    """The inner time split computed with Spark (``spark/inner.py``) and kept on
    ``table`` as the Polars engine keeps its own: ``--k auto`` judges k by it and every
    K-Means run's activity rule learns its states there. None for ``--method rfm`` or a
    window too short for a split. ``timings`` receives ``inner_split``."""
    from segtui.engine.spark.inner import cached_split_spark

    started = time.perf_counter()
    inner = cached_split_spark(tables, table, settings, progress)
    if timings is not None and settings.method != "rfm":
        timings["inner_split"] = time.perf_counter() - started
    return inner


def cluster_mllib(
    features: SparkFeatures,
    settings: Settings,
    source_label: str,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
    inner: InnerSplit | None = None,
) -> SegmentationResult:
    """Cluster the Spark per-customer frame with MLlib; profile on the driver.

    For ``--k auto`` the k is chosen on the driver by the Polars engine's own sweep and
    rule (``sweep.choose_k``, judged by ``inner``): K-Means fits on its seeded sample of
    at most ``SWEEP_FIT_SAMPLE`` customers, the scores on every customer, so the k is
    the one ``--engine polars`` chooses; MLlib then fits that k on all customers.
    Returns the full result (``k_selection`` as on the Polars engine); ``matrix`` is
    empty (the clustering matrix stays in Spark).
    """
    from pyspark.sql import functions as F

    from segtui.engine.spark import mllib

    step = progress or (lambda _stage: None)
    timings = timings if timings is not None else {}
    started = time.perf_counter()
    table = features.table
    names = table.features
    clustered = table.frame.filter(pl.col("has_purchases"))
    step("Clustering (MLlib)")
    space, space_warnings = fit_space(
        clustered,
        names,
        scaling=settings.scaling,
        log=settings.log,
        categorical_weight=settings.categorical_weight,
    )
    k_sweep = None
    if settings.k == AUTO_K:
        with single_threaded_native():
            k, k_sweep = choose_k(space.transform(clustered), settings, step, inner)
    else:
        k = int(settings.k)
    if k >= clustered.height:
        raise OptionError(
            f"k={k} is not smaller than the number of customers with purchases "
            f"({clustered.height})",
            hint=f"choose k between 2 and {clustered.height - 1}",
        )
    columns = mllib.matrix_columns(space)
    matrix = features.frame.where(F.col("has_purchases")).select(
        "CustomerID", "total_spend", *mllib.space_expressions(space)
    )
    fitted = mllib.kmeans(matrix, columns, k, seed=settings.seed, n_init=settings.n_init)
    means, sizes = mllib.segment_means(fitted.frame, "total_spend", k)
    order = sorted(range(k), key=lambda s: (-means[s], -sizes[s], s))
    remap = np.empty(k, dtype=np.int64)
    remap[order] = np.arange(k)
    labelled = mllib.relabel(fitted.frame, remap).cache()
    timings["clustering"] = time.perf_counter() - started
    step("Scoring (Spark)")
    scores = mllib.metrics(
        labelled, columns, seed=settings.seed, silhouette_sample=settings.silhouette_sample
    )
    assigned = pl.from_arrow(labelled.select("CustomerID", mllib.LABEL).toArrow())
    assert isinstance(assigned, pl.DataFrame)
    labelled.unpersist()
    labels = (
        clustered.select("CustomerID")
        .join(assigned, on="CustomerID", how="left", maintain_order="left")
        .get_column(mllib.LABEL)
        .cast(pl.Int64)
        .to_numpy()
    )
    step("Profiling")
    profiled = profile(table, clustered, labels, settings, space)
    timings["total"] = time.perf_counter() - started + timings.get("features", 0.0)
    result = finish(
        profiled,
        table,
        labels,
        settings,
        source_label,
        space=space,
        space_warnings=space_warnings,
        scores=scores,
        centers=fitted.centers[order],
        matrix=np.empty((0, len(columns))),
        timings=timings,
    )
    result.k_selection = k_sweep.to_dict() if k_sweep is not None else None
    return result


__all__ = [
    "PATH_DRIVER",
    "PATH_MLLIB",
    "auto_k_split",
    "cluster_mllib",
    "features_for",
    "run_spark",
]

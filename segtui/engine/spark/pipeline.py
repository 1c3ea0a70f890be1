"""``run_spark(settings, options) -> SegmentationResult``: the pipeline on Spark.

Spark reads the source and computes the per-customer features (the heavy pass over the
transactions). Then:

- at or below ``options.driver_limit`` customers with purchases, the collected table goes
  through the Polars engine's own clustering (scikit-learn on the driver): the result is
  the one ``--engine polars`` gives;
- above it, the space is fitted on the driver (plain numbers), applied in Spark, clustered
  with MLlib K-Means and scored with distributed metrics; labels come back to the driver
  for profiles and the segments file.

``summary()["engine"]`` and ``["clustering_path"]`` record which path ran.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from segtui.config import Settings
from segtui.engine.cluster_run import cluster, validate_settings
from segtui.engine.clustering.space import fit_space
from segtui.engine.errors import OptionError
from segtui.engine.finish import finish, profile
from segtui.engine.result import Progress, SegmentationResult
from segtui.engine.spark import SparkOptions

if TYPE_CHECKING:
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
    if n_clustered <= options.driver_limit:
        result = cluster(features.table, settings, tables.label, progress=step, timings=timings)
        path = PATH_DRIVER
    else:
        if settings.method != "kmeans":
            raise OptionError(
                f"--method {settings.method} is not available on the MLlib path (more "
                f"customers than --spark-driver-limit {options.driver_limit:,})",
                hint="raise --spark-driver-limit, or use the polars engine",
            )
        if not isinstance(settings.k, int):
            raise OptionError(
                "--k auto is not available on the MLlib path (more customers than "
                f"--spark-driver-limit {options.driver_limit:,})",
                hint="run segtui sweep on a sample, then pass a number to --k",
            )
        result = cluster_mllib(features, settings, tables.label, progress=step, timings=timings)
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


def cluster_mllib(
    features: SparkFeatures,
    settings: Settings,
    source_label: str,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> SegmentationResult:
    """Cluster the Spark per-customer frame with MLlib; profile on the driver.

    Returns the full result; ``matrix`` is empty (the clustering matrix stays in Spark).
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
    assert isinstance(settings.k, int)  # run_spark refuses "auto" on this path
    if settings.k >= clustered.height:
        raise OptionError(
            f"k={settings.k} is not smaller than the number of customers with purchases "
            f"({clustered.height})",
            hint=f"choose k between 2 and {clustered.height - 1}",
        )
    columns = mllib.matrix_columns(space)
    matrix = features.frame.where(F.col("has_purchases")).select(
        "CustomerID", "total_spend", *mllib.space_expressions(space)
    )
    fitted = mllib.kmeans(matrix, columns, settings.k, seed=settings.seed, n_init=settings.n_init)
    means, sizes = mllib.segment_means(fitted.frame, "total_spend", settings.k)
    order = sorted(range(settings.k), key=lambda s: (-means[s], -sizes[s], s))
    remap = np.empty(settings.k, dtype=np.int64)
    remap[order] = np.arange(settings.k)
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
    return finish(
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


__all__ = ["PATH_DRIVER", "PATH_MLLIB", "cluster_mllib", "features_for", "run_spark"]

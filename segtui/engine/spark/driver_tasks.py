"""``segtui sweep`` and ``segtui assign`` with ``--engine spark``.

Spark reads the source and computes the per-customer features (the pass over the
transactions); the rest runs on the driver on the collected per-customer table, exactly as
with the Polars engine:

- ``sweep_spark``: the k sweep always runs with scikit-learn on the collected table, so it
  refuses (OptionError) when more customers have purchases than ``--spark-driver-limit``;
  its recommended k is judged by the inner time split (``spark/inner.py``), as
  ``run --k auto`` judges it;
- ``assign_spark``: the model's stored scaling and centroids are applied to the
  Spark-computed features (no refit), giving the Polars engine's segments file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segtui.config import Settings
from segtui.engine.errors import OptionError
from segtui.engine.features.compute import FeatureTable
from segtui.engine.result import Progress
from segtui.engine.spark import SparkOptions

if TYPE_CHECKING:
    from segtui.engine.clustering.sweep import SweepResult
    from segtui.engine.models.assign import AssignResult
    from segtui.engine.models.model import SegmentModel

MAPPING_REFUSAL = "--engine spark does not take single-log mapping flags"


def sweep_spark(
    settings: Settings,
    options: SparkOptions,
    k_min: int,
    k_max: int,
    *,
    progress: Progress | None = None,
) -> SweepResult:
    """Features with Spark, then ``engine.sweep.sweep`` on the driver.

    Returns the :class:`SweepResult` the Polars engine gives for the same input. Raises
    OptionError when the customers with purchases exceed ``options.driver_limit``.
    """
    from segtui.engine.clustering.sweep import sweep
    from segtui.engine.spark.inner import cached_split_spark
    from segtui.engine.spark.pipeline import features_for

    tables, features = features_for(settings, options, progress=progress)
    try:
        n_clustered = int(features.table.frame.get_column("has_purchases").sum())
        if n_clustered > options.driver_limit:
            raise OptionError(
                f"sweep runs on the driver: {n_clustered:,} customers with purchases exceed "
                f"--spark-driver-limit {options.driver_limit:,}",
                hint="raise --spark-driver-limit, or sweep a sample (segtui sample)",
            )
        # The recommended k is judged by the inner split, as ``run --k auto`` judges it.
        cached_split_spark(tables, features.table, settings, progress)
    finally:
        features.frame.unpersist()
    return sweep(features.table, settings, k_min, k_max, progress=progress)


def assign_spark(
    model: SegmentModel,
    source: Path | str | None,
    options: SparkOptions,
    *,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    mapping_given: bool = False,
    returns: str | None = None,
) -> AssignResult:
    """Compute the model's features for ``source`` with Spark and assign its customers.

    Returns the :class:`AssignResult` of ``engine.assign.assign`` (same segments file).
    Raises OptionError for single-log mapping flags or ``--returns`` (the Spark reader
    takes canonical names), and for a model trained on a mapped single log when SOURCE
    is not a folder.
    """
    from segtui.engine.models.assign import assign_tables
    from segtui.engine.spark.features import SparkFeatures, compute_features_spark
    from segtui.engine.spark.reader import read_source
    from segtui.engine.spark.session import get_session

    hint = "use the three-table layout with canonical column names, or --engine polars"
    if mapping_given or returns is not None:
        raise OptionError(MAPPING_REFUSAL, hint=hint)
    is_folder = source is not None and Path(source).is_dir()
    if model.settings.get("mapping") and not is_folder:
        raise OptionError(
            f"{model.label()} reads single logs with a column mapping, which --engine spark "
            "does not take",
            hint=hint,
        )
    step = progress or (lambda _stage: None)
    step("Starting Spark")
    spark = get_session(options)
    step("Reading data (Spark)")
    tables = read_source(spark, source)
    computed: list[SparkFeatures] = []

    def compute(spark_tables: Any, requested: list[str], day: dt.date | None) -> FeatureTable:
        features = compute_features_spark(spark_tables, requested, day)
        computed.append(features)
        return features.table

    try:
        return assign_tables(model, tables, as_of=as_of, progress=step, compute=compute)  # type: ignore[arg-type]  # SparkTables has the same has/files/label
    finally:
        for features in computed:
            features.frame.unpersist()


__all__ = ["assign_spark", "sweep_spark"]

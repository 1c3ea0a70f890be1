"""The Spark engine: the same features, segments and report computed with Apache Spark.

Nothing here imports pyspark at module import time; ``segtui[spark]`` (pyspark) is an
optional extra and only ``--engine spark`` needs it. The modules:

- ``session``: build or reuse a SparkSession (``--spark-master``, ``--spark-conf``)
- ``reader``: SOURCE -> canonical Spark DataFrames (same names and types as ``sources``)
- ``features``: the feature engine as Spark DataFrame operations (same definitions)
- ``mllib``: the clustering space applied in Spark, MLlib K-Means, distributed metrics
- ``pipeline``: ``run_spark(settings, options) -> SegmentationResult``
"""

from __future__ import annotations

from dataclasses import dataclass, field

from segtui.config import DEFAULT_SPARK_DRIVER_LIMIT


@dataclass(frozen=True)
class SparkOptions:
    """How to reach Spark and when to cluster on the driver.

    ``master``: a Spark master URL; None means ``local[*]``, or under ``spark-submit`` the
    submitted master. ``driver_limit``: at or below this many customers with purchases
    the per-customer table is clustered on the driver with scikit-learn (exactly the
    Polars engine's clustering); above it with MLlib K-Means.
    """

    master: str | None = None  # None: local[*], or spark-submit's master when submitted
    conf: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    driver_limit: int = DEFAULT_SPARK_DRIVER_LIMIT
    app_name: str = "segtui"

"""``--k auto``'s inner time split on the Spark engine: only the two aggregations differ.

The cut and horizon (``inner_split.inner_window``), the space, the figure each k is judged
by and the rule (``k_rule``) are the Polars engine's. Spark computes the features at the
inner cut (``compute_features_spark``, the same definitions) and each customer's spend
from the cut to the as-of date, the lines ``backtest.future.next_period_query`` sums:
every dated line of a customer in [cut, cut + horizon), purchases and returns alike, a
return that carries no value left out. Nothing on or after the as-of date is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl

from segtui.config import Settings
from segtui.engine.clustering.inner_split import (
    InnerSplit,
    cached_inner_split,
    inner_window,
    split_from,
)
from segtui.engine.features.compute import FeatureTable
from segtui.engine.io.returns import RETURN_MARKER, is_marked
from segtui.engine.spark.tables import SparkTables


def next_spend_spark(tables: SparkTables, at: dt.date, horizon_days: int) -> pl.DataFrame:
    """Per customer with a line dated in [at, at + horizon_days): CustomerID,
    ``next_spend``, summed by Spark in whole millionths (``next_period_query``'s lines
    and its exact sum), and ``next_bought`` (a purchase line, not a return, among them:
    ``inner_pass.next_spend``'s)."""
    from pyspark.sql import functions as F

    from segtui.engine.spark.features import _exact_sum, _timestamp

    end = at + dt.timedelta(days=horizon_days)
    date = F.col("TransactionDate")
    when = (
        F.col("CustomerID").isNotNull()
        & date.isNotNull()
        & (date >= _timestamp(at))
        & (date < _timestamp(end))
    )
    if is_marked(tables):  # type: ignore[arg-type]  # SparkTables has the same info
        when = when & (~F.col(RETURN_MARKER) | (F.col("TotalValue") != F.lit(0)))
    value = F.coalesce(F.col("TotalValue").cast("double"), F.lit(0.0))
    rows = (
        tables.transactions.where(when)
        .groupBy("CustomerID")
        # Exact and independent of row order, as next_period_query's decimal sum.
        .agg(
            _exact_sum(value).alias("next_spend"),
            F.max((value >= F.lit(0.0)).cast("int")).alias("next_bought"),
        )
    )
    future = pl.from_arrow(rows.toArrow())
    assert isinstance(future, pl.DataFrame)
    return future.with_columns(pl.col("next_bought") == 1).sort("CustomerID")


def inner_split_spark(
    tables: SparkTables, table: FeatureTable, settings: Settings
) -> InnerSplit | None:
    """The inner split of ``table`` computed with Spark from ``tables``: the one
    ``inner_split.inner_split`` gives for the same source (None when the window is too
    short or too few customers bought before the inner cut)."""
    from segtui.engine.spark.features import compute_features_spark

    window = inner_window(table)
    if window is None:
        return None
    cut, horizon = window
    inner = compute_features_spark(tables, table.features, cut)
    try:
        future = next_spend_spark(tables, cut, horizon)
    finally:
        inner.frame.unpersist()
    # Spark's CustomerID arrives as the Polars engine's type (to_polars); align the
    # spend's to it so the join matches on value, not on dtype.
    id_type = inner.table.frame.schema["CustomerID"]
    future = future.with_columns(pl.col("CustomerID").cast(id_type))
    return split_from(inner.table, future, cut, horizon, settings)


def cached_split_spark(
    tables: SparkTables,
    table: FeatureTable,
    settings: Settings,
    progress: Callable[[str], None] | None = None,
) -> InnerSplit | None:
    """:func:`inner_split_spark`, computed once per feature table and space and kept on
    ``table`` (``inner_split.cached_inner_split``), so a sweep or run that follows on
    the same table reuses it as on the Polars engine."""
    return cached_inner_split(
        None, table, settings, progress, compute=lambda: inner_split_spark(tables, table, settings)
    )


__all__ = ["cached_split_spark", "inner_split_spark", "next_spend_spark"]

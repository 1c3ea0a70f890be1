"""Per-customer purchase histories in the form the value models read (one pass over the
transactions, in Polars).

Conventions (those of Fader, Hardie & Lee 2005 and the lifetimes/pymc-marketing libraries):
- a *purchase* is a day with at least one purchase line (several orders on one day are one
  purchase; return lines are not purchases and their values are left out);
- ``x`` (frequency) = purchase days after the first, i.e. REPEAT purchases;
- ``t_x`` (recency) = time from the first to the last purchase day;
- ``T`` (age) = time from the first purchase day to the last day observed, the day before
  the as-of date;
- ``m`` = average spend per repeat purchase day (the first purchase left out), null when
  x = 0.
Times are in weeks (``TIME_UNIT``): days / 7.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from segtui.engine.io.tables import Tables
from segtui.engine.quality.checks import diagnose_failure

TIME_UNIT = "weeks"
DAYS_PER_UNIT = 7.0
DAY = "_day"


def _midnight(day: dt.date) -> pl.Expr:
    return pl.lit(dt.datetime.combine(day, dt.time()))


def purchase_days(tables: Tables, start: dt.date | None, end: dt.date | None) -> pl.LazyFrame:
    """Purchase lines dated in [start, end) as (CustomerID, _day, value) rows (no bound
    when None; undated lines never)."""
    tx = tables.transactions.filter(pl.col("CustomerID").is_not_null())
    when = pl.col("TransactionDate").is_not_null()
    if end is not None:
        when = when & (pl.col("TransactionDate") < _midnight(end))
    if start is not None:
        when = when & (pl.col("TransactionDate") >= _midnight(start))
    tx = tx.filter(when)
    if tables.info.get("kind") == "log":
        from segtui.engine.io.returns import RETURN_MARKER

        tx = tx.filter(~pl.col(RETURN_MARKER))
    return tx.select(
        pl.col("CustomerID"),
        pl.col("TransactionDate").dt.date().alias(DAY),
        pl.col("TotalValue").cast(pl.Float64).fill_null(0.0).alias("value"),
    )


def calibration_query(tables: Tables, as_of: dt.date | None) -> pl.LazyFrame:
    """The per-customer purchase-day figures of :func:`calibration_summary` before ``T``,
    as a query. ``as_of`` None (not known before the features are computed: the default
    is the day after the last purchase) keeps every dated purchase, which is the same
    set. The features step collects it in the same plan as its group-by, so a CSV is
    parsed once (``settings.clv``)."""
    day = pl.col(DAY)
    value = pl.col("value")
    return (
        purchase_days(tables, None, as_of)
        .group_by("CustomerID")
        .agg(
            day.min().alias("first_purchase_day"),
            day.max().alias("last_purchase_day"),
            day.filter(day < day.max()).max().alias("previous_purchase_day"),
            day.n_unique().alias("_days"),
            value.sum().alias("_spend"),
            value.filter(day == day.min()).sum().alias("_first_spend"),
        )
        .with_columns(
            (pl.col("_days") - 1).cast(pl.Int64).alias("x"),
            (
                (pl.col("last_purchase_day") - pl.col("first_purchase_day")).dt.total_days()
                / DAYS_PER_UNIT
            ).alias("t_x"),
        )
        .with_columns(
            pl.when(pl.col("x") > 0)
            .then((pl.col("_spend") - pl.col("_first_spend")) / pl.col("x"))
            .alias("m")
        )
        .drop("_days", "_spend", "_first_spend")
    )


def finish_calibration(frame: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """The collected :func:`calibration_query` with each customer's age ``T`` at
    ``as_of``; customers whose first purchase is not before ``as_of`` are left out."""
    end = as_of - dt.timedelta(days=1)
    first = pl.col("first_purchase_day")
    # In CustomerID order: a group-by returns its rows in a different order every run,
    # and the fits' sums (so their last digits, stop messages and even the converged
    # flag) followed that order.
    return (
        frame.filter(first < pl.lit(as_of))
        .with_columns(((pl.lit(end) - first).dt.total_days() / DAYS_PER_UNIT).alias("T"))
        .select("CustomerID", *CALIBRATION_COLUMNS)
        .sort("CustomerID")
    )


CALIBRATION_COLUMNS = (
    "first_purchase_day",
    "last_purchase_day",
    "previous_purchase_day",
    "x",
    "t_x",
    "T",
    "m",
)


def calibration_summary(tables: Tables, as_of: dt.date) -> pl.DataFrame:
    """One row per customer with a purchase before ``as_of``: CustomerID, first_purchase_day,
    last_purchase_day, previous_purchase_day (the purchase day before the last; null for
    one purchase day), x, t_x, T, m (see the module docstring)."""
    try:
        frame = calibration_query(tables, as_of).collect(engine="streaming")
    except pl.exceptions.PolarsError as exc:
        raise diagnose_failure(tables, exc) from None
    return finish_calibration(frame, as_of)


def holdout_days(tables: Tables, as_of: dt.date, end: dt.date) -> pl.DataFrame:
    """Purchase days from ``as_of`` to ``end`` inclusive: one row per (CustomerID, _day)."""
    query = (
        purchase_days(tables, as_of, end + dt.timedelta(days=1)).select("CustomerID", DAY).unique()
    )
    try:
        return query.collect(engine="streaming")
    except pl.exceptions.PolarsError as exc:
        raise diagnose_failure(tables, exc) from None

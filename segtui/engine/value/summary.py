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
# The customer's id hash in purchase_rows_query's rows (dense.py tells customers apart by it).
ROW_HASH = "_customer_hash"


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
    from segtui.engine.io.returns import is_marked, is_purchase

    if is_marked(tables):
        tx = tx.filter(is_purchase())
    return tx.select(
        pl.col("CustomerID"),
        pl.col("TransactionDate").dt.date().alias(DAY),
        pl.col("TotalValue").cast(pl.Float64).fill_null(0.0).alias("value"),
    )


def purchase_rows_query(tables: Tables, as_of: dt.date | None) -> pl.LazyFrame:
    """The purchase lines :func:`calibration_query` groups, as (customer id hash, day
    number since 1970, value) rows: what ``dense.calibration_from_rows`` reduces with
    numpy. Collected in the features' plan, it costs a tenth of the grouped query there."""
    return purchase_days(tables, None, as_of).select(
        pl.col("CustomerID").hash(seed=0).alias(ROW_HASH),
        pl.col(DAY).cast(pl.Int32),
        pl.col("value"),
    )


def calibration_query(tables: Tables, as_of: dt.date | None) -> pl.LazyFrame:
    """The per-customer purchase-day figures of :func:`calibration_summary` before ``T``,
    as a query. ``as_of`` None (not known before the features are computed: the default
    is the day after the last purchase) keeps every dated purchase, which is the same
    set. The features step collects it in the same plan as its group-by, so a CSV is
    parsed once (``settings.clv``)."""
    return grouped_calibration(purchase_days(tables, None, as_of))


def grouped_calibration(purchases: pl.LazyFrame) -> pl.LazyFrame:
    """The per-customer figures of :func:`calibration_query` from :func:`purchase_days`'
    rows, by a Polars group-by (``dense.calibration_from_rows`` computes the same from
    :func:`purchase_rows_query`'s rows)."""
    day = pl.col(DAY)
    value = pl.col("value")
    return (
        purchases.group_by("CustomerID")
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
        )
        .with_columns(
            pl.when(pl.col("x") > 0)
            .then((pl.col("_spend") - pl.col("_first_spend")) / pl.col("x"))
            .alias("m")
        )
        .drop("_days", "_spend", "_first_spend")
    )


def finish_calibration(frame: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """The collected :func:`calibration_query` with each customer's recency ``t_x`` and
    age ``T`` at ``as_of``; customers whose first purchase is not before ``as_of`` are
    left out."""
    end = as_of - dt.timedelta(days=1)
    first = pl.col("first_purchase_day")
    # In CustomerID order: a group-by returns its rows in a different order every run,
    # and the fits' sums (so their last digits, stop messages and even the converged
    # flag) followed that order.
    frame = frame.filter(first < pl.lit(as_of)).sort("CustomerID")
    days = frame.select(
        (pl.col("last_purchase_day") - first).dt.total_days().alias("t_x"),
        (pl.lit(end) - first).dt.total_days().alias("T"),
    )
    # Divided in numpy, which rounds every quotient correctly: Polars divides by a
    # constant through its reciprocal in some kernels and not others, so the same day
    # count gave two different last bits depending on its place in the column.
    return frame.with_columns(
        pl.Series(name, days.get_column(name).to_numpy() / DAYS_PER_UNIT) for name in ("t_x", "T")
    ).select("CustomerID", *CALIBRATION_COLUMNS)


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


def holdout_days(
    tables: Tables, as_of: dt.date, end: dt.date
) -> tuple[pl.DataFrame, dt.date | None]:
    """Purchase days from ``as_of`` to ``end`` inclusive (one row per (CustomerID, _day)),
    and the day of the last transaction line on or after ``as_of`` (any line, returns
    too; None when there is none): the data's end, which a holdout past it cannot check."""
    query = (
        purchase_days(tables, as_of, end + dt.timedelta(days=1)).select("CustomerID", DAY).unique()
    )
    last = tables.transactions.filter(pl.col("TransactionDate") >= _midnight(as_of)).select(
        pl.col("TransactionDate").max().dt.date()
    )
    try:
        days, data_end = pl.collect_all([query, last], engine="streaming")
    except pl.exceptions.PolarsError as exc:
        raise diagnose_failure(tables, exc) from None
    return days, data_end.item()

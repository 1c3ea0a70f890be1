"""Per-customer purchase histories in the form the value models read (one pass over the
transactions, in Polars).

Conventions (those of Fader, Hardie & Lee 2005 and the lifetimes/pymc-marketing libraries):
- a *purchase* is a customer-day, net of that day's returns and cancellations: several
  orders on one day are one purchase, and an order cancelled the same day adds nothing
  (no purchase day, no spend). A day with a negative line (a return) is a purchase only
  when its lines net above zero; a day without one is a purchase whatever its value (the
  paper's CDNOW counts keep its $0 purchases). A day's negative balance is not carried to
  other days (docs/value.md says why and how much that is);
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
# A customer-day is a purchase when its lines net to more than this (a millionth of the
# money unit), not to more than exactly zero: an order and its cancellation summed in
# floating point may leave rounding dust (0.1 + 0.2 - 0.3 = 5.6e-17).
NET_PURCHASE_MIN = 1e-6


def _midnight(day: dt.date) -> pl.Expr:
    return pl.lit(dt.datetime.combine(day, dt.time()))


def purchase_days(tables: Tables, start: dt.date | None, end: dt.date | None) -> pl.LazyFrame:
    """Every line of a customer dated in [start, end), purchases and returns alike, as
    (CustomerID, _day, value) rows (no bound when None; undated lines never). A return's
    value is negative (or zero with ``--returns drop``), so summing a customer-day nets
    it: :func:`net_purchase_days`."""
    when = pl.col("TransactionDate").is_not_null()
    if end is not None:
        when = when & (pl.col("TransactionDate") < _midnight(end))
    if start is not None:
        when = when & (pl.col("TransactionDate") >= _midnight(start))
    from segtui.engine.io.returns import RETURN_MARKER, is_marked

    if is_marked(tables):
        # A return that carries no value (``--returns drop`` zeroes them) is no line here:
        # left in, its day would look like a purchase without a return. Zero-value lines
        # that are not returns stay: the models count a recorded purchase of $0, as the
        # paper does (CDNOW's 2,357 customers include 8 whose only purchases were $0),
        # although the features' frequency does not (io/returns.py).
        when = when & (~pl.col(RETURN_MARKER) | (pl.col("TotalValue") != 0))
    return (
        tables.transactions.filter(pl.col("CustomerID").is_not_null())
        .filter(when)
        .select(
            pl.col("CustomerID"),
            pl.col("TransactionDate").dt.date().alias(DAY),
            pl.col("TotalValue").cast(pl.Float64).fill_null(0.0).alias("value"),
        )
    )


def net_purchase_days(lines: pl.LazyFrame) -> pl.LazyFrame:
    """One row per purchase day, (CustomerID, _day, value): :func:`purchase_days`' lines
    summed per customer-day, keeping the days without a negative line and those whose
    returns leave more than NET_PURCHASE_MIN."""
    return (
        lines.group_by("CustomerID", DAY)
        .agg(pl.col("value").sum(), pl.col("value").min().alias("_lowest"))
        .filter((pl.col("value") > NET_PURCHASE_MIN) | (pl.col("_lowest") >= 0))
        .drop("_lowest")
    )


def purchase_rows_query(tables: Tables, as_of: dt.date | None) -> pl.LazyFrame:
    """The lines :func:`calibration_query` nets and groups, as (customer id hash, day
    number since 1970, value) rows: what ``dense.calibration_from_rows`` reduces with
    numpy (returns included: it nets each customer-day as :func:`net_purchase_days` does).
    Collected in the features' plan, it costs a tenth of the grouped query there."""
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
    lines, netted per customer-day and grouped by Polars (``dense.calibration_from_rows``
    computes the same from :func:`purchase_rows_query`'s rows)."""
    day = pl.col(DAY)
    value = pl.col("value")
    return (
        net_purchase_days(purchases)
        .group_by("CustomerID")
        .agg(
            day.min().alias("first_purchase_day"),
            day.max().alias("last_purchase_day"),
            day.filter(day < day.max()).max().alias("previous_purchase_day"),
            pl.len().alias("_days"),
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
    """Purchase days (net of that day's returns) from ``as_of`` to ``end`` inclusive (one
    row per (CustomerID, _day)),
    and the day of the last transaction line on or after ``as_of`` (any line, returns
    too; None when there is none): the data's end, which a holdout past it cannot check."""
    query = net_purchase_days(purchase_days(tables, as_of, end + dt.timedelta(days=1))).select(
        "CustomerID", DAY
    )
    last = tables.transactions.filter(pl.col("TransactionDate") >= _midnight(as_of)).select(
        pl.col("TransactionDate").max().dt.date()
    )
    try:
        days, data_end = pl.collect_all([query, last], engine="streaming")
    except pl.exceptions.PolarsError as exc:
        raise diagnose_failure(tables, exc) from None
    return days, data_end.item()

"""``--k auto``'s inner time split read in the same pass as the run's own features.

The inner split (``clustering/inner_split.py``) needs every customer's features at the
inner cut and their spend from the cut to the as-of date. Computed on their own, those
are a second streaming group-by over the whole file: at 1e7 lines it cost more CPU than
the first one (docs/performance.md). Here they are extra aggregations of the first
group-by instead: each is the run's own aggregation over the lines before the cut
(``aggregations.aggregations`` with a ``keep`` condition), plus the next weeks' spend, so
the file is parsed and grouped once. Files read in batches (``batches.py``, 1e8 lines) fold
them into their running per-customer arrays as exactly as the run's own figures.

The cut depends on the data's dates (a quarter of the window from the first purchase to
the as-of date, at most ``INNER_HORIZON_DAYS``), which the group-by itself finds. So the
cut is planned from the whole date column's range, read before the group-by (one
column: :func:`date_range`), and checked against the cut the finished table gives
(:func:`inner_window`). When they differ (the earliest or latest line is a return, has no
customer, or lies far from the rest) the planned figures are dropped and the inner split
makes its own pass as before: the split is the same either way, only its cost differs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from segtui.engine.features.catalog import FeatureTable
    from segtui.engine.io.tables import TableFile, Tables

INNER_HORIZON_DAYS = 90
MIN_INNER_HORIZON_DAYS = 14
# Output names of the inner aggregations inside the one group-by (split off afterwards).
INNER = "_inner:"
NEXT_SPEND = "next_spend"
# Whether a customer bought in the inner horizon: a purchase line there (not a return).
NEXT_BOUGHT = "next_bought"


@dataclass
class InnerPass:
    """The features at ``cut`` (``table``) and each customer's ``next_spend`` from it for
    ``horizon_days`` (``future``: CustomerID, next_spend; 0 for customers without a line
    in those days), collected in the run's own pass."""

    cut: dt.date
    horizon_days: int
    table: FeatureTable
    future: pl.DataFrame


def window_from(first: dt.date | None, as_of: dt.date) -> tuple[dt.date, int] | None:
    """The inner cut and horizon in days for purchases from ``first`` to ``as_of`` (see
    ``clustering/inner_split.py``), or None when the window is too short for a split."""
    if first is None:
        return None
    horizon = min(INNER_HORIZON_DAYS, (as_of - first).days // 4)
    if horizon < MIN_INNER_HORIZON_DAYS:
        return None
    return as_of - dt.timedelta(days=horizon), horizon


def inner_window(table: FeatureTable) -> tuple[dt.date, int] | None:
    """The inner cut and horizon in days for ``table``: from its first purchase to its
    as-of date. None when the observed window is too short for a split."""
    first = table.frame.select(pl.col("first_purchase").min().dt.date()).item()
    return window_from(first if isinstance(first, dt.date) else None, table.as_of)


def date_range(tables: Tables) -> tuple[dt.datetime, dt.datetime] | None:
    """The earliest and latest TransactionDate of every line (one streaming pass over the
    date column only), or None when it cannot be read (the features' own pass then
    names the bad value). Text dates in a format whose text sorts as its dates do
    (``2024-01-31 10:00``) are compared as text and only the two ends parsed: half the
    CPU of parsing every value (0.9 against 1.8 s at 1e7 CSV lines)."""
    date = pl.col("TransactionDate")
    spec = tables.files["transactions"]
    fmt = spec.date_formats.get("TransactionDate")
    if fmt is not None and not spec.is_parquet and sorts_as_text(fmt):
        try:
            return _text_range(spec, fmt)
        except (pl.exceptions.PolarsError, KeyError):
            pass  # read the parsed column instead, as for any other format
    try:
        row = (
            tables.transactions.select(date.min().alias("first"), date.max().alias("last"))
            .collect(engine="streaming")
            .row(0)
        )
    except pl.exceptions.PolarsError:
        return None
    return _both(row)


def sorts_as_text(fmt: str) -> bool:
    """True for a date format whose values, zero-padded, sort as text in date order: the
    year, month and day first, then the time, without a UTC offset."""
    from segtui.engine.io.dates import has_offset

    return fmt.startswith(("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")) and not has_offset(fmt)


def _text_range(spec: TableFile, fmt: str) -> tuple[dt.datetime, dt.datetime] | None:
    from segtui.engine.io.dates import parse
    from segtui.engine.io.tables import text_frame

    value = pl.col(spec.columns["TransactionDate"]).cast(pl.String).str.strip_chars()
    ends = (
        text_frame(spec)
        .select(value.alias("text"))
        .filter(pl.col("text") != "")
        .select(pl.col("text").min().alias("first"), pl.col("text").max().alias("last"))
        .collect(engine="streaming")
    )
    # A value that is not zero-padded sorts out of date order: the cut is then planned
    # wrong, and the finished table's check sends the split to its own pass.
    return _both(ends.select(parse(pl.col(c), fmt) for c in ends.columns).row(0))


def _both(row: tuple[object, ...]) -> tuple[dt.datetime, dt.datetime] | None:
    first, last = row
    if not isinstance(first, dt.datetime) or not isinstance(last, dt.datetime):
        return None
    return first, last


def plan_window(tables: Tables, as_of: dt.date | None) -> tuple[dt.date, int] | None:
    """The inner cut and horizon the run's table will most likely give, from the whole
    date column's range: the as-of date is ``as_of`` or the day after the latest line,
    the window starts at the earliest line. None without a usable range or window."""
    found = date_range(tables)
    if found is None:
        return None
    first, last = found
    if as_of is None and last.date() == dt.date.max:
        return None  # no day after it: the features' own pass names the date (9999-12-31)
    end = as_of if as_of is not None else last.date() + dt.timedelta(days=1)
    return window_from(first.date(), end)


def kept_lines(cut: dt.date) -> pl.Expr:
    """The lines the features at ``cut`` read: dated before it, or undated (counted and
    named, as ``compute_features`` does at any as-of date)."""
    date = pl.col("TransactionDate")
    return (date < pl.lit(dt.datetime.combine(cut, dt.time()))) | date.is_null()


def next_spend(
    tables: Tables, cut: dt.date, horizon_days: int, *, micro: bool = False
) -> list[pl.Expr]:
    """Two per-customer aggregations: ``backtest.future.next_period_query``'s next_spend
    (every dated line in [cut, cut + horizon), a return without a value left out; the
    same exact decimal sum) and ``next_bought`` (a purchase line there: a line that is
    not a return, as the backtest's ``next_purchase_days`` counts), as more aggregations
    of the run's group-by. Lines outside those days add nothing (nulls are skipped), so
    customers without such a line get 0 and false, which the split reads as no spend.
    ``micro``: next_spend as the decimal sum's Int64 micro-units, which batches add up
    exactly (``batches.py``); ``fastpath.from_micro`` then gives the same Float64 as the
    decimal sum's cast."""
    from segtui.engine.features.fastpath import MONEY_DECIMAL
    from segtui.engine.io.returns import RETURN_MARKER, is_marked

    date = pl.col("TransactionDate")
    start = dt.datetime.combine(cut, dt.time())
    end = dt.datetime.combine(cut + dt.timedelta(days=horizon_days), dt.time())
    when = date.is_not_null() & (date >= pl.lit(start)) & (date < pl.lit(end))
    if is_marked(tables):
        when = when & (~pl.col(RETURN_MARKER) | (pl.col("TotalValue") != 0))
    value = pl.col("TotalValue").cast(pl.Float64).fill_null(0.0)
    spend = pl.when(when).then(value).cast(MONEY_DECIMAL).sum()
    # A Decimal(38, 6)'s physical value is its micro-units (Int128).
    spend = spend.to_physical().cast(pl.Int64) if micro else spend.cast(pl.Float64)
    return [
        spend.alias(NEXT_SPEND),
        (when & (value >= 0)).any().alias(NEXT_BOUGHT),
    ]


def split_off(
    frame: pl.DataFrame, aligned: int | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """``frame`` (the one group-by's or counts query's result) as the run's own columns,
    the inner columns under their own names (only the rows of customers with a line
    before the cut, as the inner group-by alone would give; a counts frame keeps its one
    row) and the future (CustomerID, next_spend; empty when not collected).

    ``aligned``: the first rows are the customers table's, every customer in its order
    (the batched path's, ``batches.DenseState.frame``): those stay, the inner figures of
    customers without an inner line set to null, as a join to the table gives them, so
    the inner table's join needs no hashing either; the future keeps the customers with
    a line, as the group-by gives it."""
    inner_names = [c for c in frame.columns if c.startswith(INNER)]
    future_names = [c for c in (NEXT_SPEND, NEXT_BOUGHT) if c in frame.columns]
    own = frame.drop(*inner_names, *future_names)
    inner = frame.select(pl.col(c).alias(c.removeprefix(INNER)) for c in inner_names)
    if "CustomerID" in frame.columns:
        inner = frame.select("CustomerID").hstack(inner)
        lines = pl.col("n_lines") > 0
        if aligned is None:
            inner = inner.filter(lines)
        else:
            table_rows = inner.slice(0, aligned).with_columns(
                pl.when(lines).then(pl.col(c)) for c in inner.columns[1:]
            )
            inner = pl.concat([table_rows, inner.slice(aligned).filter(lines)])
    future = frame.select("CustomerID", *future_names) if future_names else frame[:0]
    if aligned is not None and future_names:
        future = future.filter(frame.get_column("n_lines").is_not_null())
    return own, inner, future


__all__ = [
    "INNER",
    "INNER_HORIZON_DAYS",
    "MIN_INNER_HORIZON_DAYS",
    "NEXT_BOUGHT",
    "NEXT_SPEND",
    "InnerPass",
    "date_range",
    "inner_window",
    "kept_lines",
    "next_spend",
    "plan_window",
    "split_off",
    "window_from",
]

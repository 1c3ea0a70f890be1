"""The calibration figures of :func:`segtui.engine.value.summary.calibration_query`,
reduced with numpy from the purchase rows instead of by a Polars group-by.

Why: three of the figures (distinct purchase days, the day before the last, the first
day's spend) are filters and distinct counts inside each group, which Polars evaluates
group by group. At 10^7 rows and 10^6 customers they cost 3.3 s beside the features'
group-by; the rows themselves (a customer hash, a day number and a value per line) cost
0.3 s to collect in the same plan, and this reduction about 1 s. Measured on the idle
2-core machine, bench/bench_clv.py.

How: each row becomes one 64-bit key, its customer's id hash with the low bits replaced
by the day's number (as many bits as the days span); the rows sorted by key (stably, with
their values) put every customer's lines together, day by day. Each day's lines are
summed (returns net the day's purchases) and days a return leaves worth nothing
dropped; first, last and previous day, the day count and the spends are then read at the
group edges, and the sums run in that fixed order, so they are the same on every run. The
customers are matched to the run's ids by the same shortened hash: ids that share one, or
a customer not among them, return None and the caller takes the exact Polars query
instead.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from segtui.engine.value.summary import DAY, NET_PURCHASE_MIN, ROW_HASH


def calibration_from_rows(rows: pl.DataFrame, ids: pl.Series) -> pl.DataFrame | None:
    """The result of ``calibration_query`` (one row per customer of ``ids`` with a
    purchase day, in ``ids`` order) from ``purchase_rows_query``'s collected ``rows``;
    None when there are no rows or the customers cannot be told apart by their
    shortened hash (see the module docstring). Every customer of ``rows`` must be in
    ``ids`` (the run's customers are)."""
    if rows.height == 0:
        return None
    days = rows.get_column(DAY).to_numpy()
    base = int(days.min())
    offset = (days.astype(np.int64) - base).astype(np.uint64)
    low = np.uint64((1 << max(int(offset.max()).bit_length(), 1)) - 1)
    high = ~low
    hashes = rows.get_column(ROW_HASH).to_numpy()
    keys = pl.Series("key", (hashes & high) | offset)
    # Stable, so lines with equal keys keep their file order and the sums their digits.
    ordered = pl.DataFrame([keys, rows.get_column("value")]).sort("key", maintain_order=True)
    key = ordered.get_column("key").to_numpy()
    value = ordered.get_column("value").to_numpy()
    # Each customer-day's lines summed in file order: purchases net of that day's returns;
    # a day with a return is a purchase only when it nets above zero
    # (summary.net_purchase_days).
    day_start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    day_spend = np.add.reduceat(value, day_start)
    kept = (day_spend > NET_PURCHASE_MIN) | (np.minimum.reduceat(value, day_start) >= 0)
    day_key = key[day_start][kept]
    day_spend = day_spend[kept]
    if day_key.size == 0:
        return None
    customer = day_key & high
    row_start = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])
    codes = id_positions(ids, customer[row_start], high)
    if codes is None:
        return None
    count = np.diff(np.r_[row_start, day_key.size])
    row_end = row_start + count - 1
    repeat = count > 1
    previous_row = np.maximum(row_end - 1, row_start)

    def per_id(values: np.ndarray) -> np.ndarray:
        out = np.zeros(ids.len(), dtype=values.dtype)
        out[codes] = values
        return out

    first = per_id((day_key[row_start] & low).astype(np.int64))
    last = per_id((day_key[row_end] & low).astype(np.int64))
    previous = per_id((day_key[previous_row] & low).astype(np.int64))
    x = per_id(count - 1)
    spend = per_id(np.add.reduceat(day_spend, row_start))
    first_spend = per_id(day_spend[row_start])
    has = per_id(np.ones(codes.size, dtype=bool))
    repeat = per_id(repeat)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = (spend - first_spend) / x

    def as_date(name: str, offsets: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
        series = pl.Series(name, (offsets + base).astype(np.int32)).cast(pl.Date)
        return series if valid is None else series.set(pl.Series(~valid), None)

    frame = pl.DataFrame(
        [
            ids.alias("CustomerID"),
            as_date("first_purchase_day", first),
            as_date("last_purchase_day", last),
            as_date("previous_purchase_day", previous, repeat),
            pl.Series("x", x, dtype=pl.Int64),
            pl.Series("m", m).set(pl.Series(~repeat), None),
        ]
    )
    return frame.filter(pl.Series(has))


def id_positions(ids: pl.Series, wanted: np.ndarray, high: np.uint64) -> np.ndarray | None:
    """The position in ``ids`` of each shortened hash in ``wanted``, or None when two ids
    share a shortened hash or one of ``wanted`` is not among them."""
    hashed = ids.hash(seed=0).to_numpy() & high
    order = np.argsort(hashed, kind="stable")
    ordered = hashed[order]
    if ordered.size > 1 and bool((ordered[1:] == ordered[:-1]).any()):
        return None
    at = np.minimum(np.searchsorted(ordered, wanted), max(ordered.size - 1, 0))
    if ordered.size == 0 or not bool((ordered[at] == wanted).all()):
        return None
    return order[at]

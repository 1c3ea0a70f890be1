"""Dates far from the rest of the data: one typo must not move everyone's recency.

One line dated 2124-01-01 in 2024 data would make the default as-of date 2124-01-02 and
every customer's recency about a century. The rule, on the customers' first and last
purchase dates (the whole data, never a sample):

- ``high`` = the 99.9th percentile of the last purchase dates (the lower value, so one
  typo among few customers is still above it); the data's span = ``high`` minus the
  earliest first purchase date, at least ``MIN_SPAN`` (two years);
- a date later than ``high + span`` is *far after the rest*: further from the bulk of
  the data than the data is long; symmetrically (the 0.1th percentile of the first
  purchase dates, the latest last date) for a date *far before the rest*.

``segtui run`` names the rows of such dates in a warning; a late one does not set the
default as-of date (the as-of date is the day after the rest, and the late rows fall after
it, out of the snapshot, as with ``--as-of``). ``segtui validate`` lists their rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from segtui.engine.errors import plural
from segtui.engine.io import dates
from segtui.engine.io.tables import TableFile, text_frame

FAR_QUANTILE = 0.999
# A short log (two months) is not judged by its own span alone: a purchase a year before
# the others is an old customer, not a typo. Only dates more than two years beyond the
# rest are named (a mistyped century or decade is; a year written 2023 for 2024 is not).
MIN_SPAN = dt.timedelta(days=730)
SHOWN_ROWS = 3


@dataclass(frozen=True)
class DateBounds:
    """Dates outside [earliest, latest] are far from the rest of the data."""

    earliest: dt.datetime
    latest: dt.datetime


def date_bounds(first: pl.Series, last: pl.Series) -> DateBounds | None:
    """The bounds of the rule above from per-customer first and last dates (None when
    there are no dates). Each side is judged against the rest: the late bound from the
    99.9th percentile below the largest value (with fewer than 1,000 customers, the
    second-latest) and the earliest first date; the early bound symmetrically."""
    first_us = first.drop_nulls().dt.epoch("us")
    last_us = last.drop_nulls().dt.epoch("us")
    if first_us.len() == 0 or last_us.len() == 0:
        return None
    high = int(last_us.quantile(FAR_QUANTILE, "lower"))  # type: ignore[arg-type]
    low = int(first_us.quantile(1 - FAR_QUANTILE, "higher"))  # type: ignore[arg-type]
    earliest, latest = int(first_us.min()), int(last_us.max())  # type: ignore[arg-type]
    floor = int(MIN_SPAN / dt.timedelta(microseconds=1))
    late_span = max(high - earliest, floor)
    early_span = max(latest - low, floor)
    epoch = dt.datetime(1970, 1, 1)
    return DateBounds(
        earliest=epoch + dt.timedelta(microseconds=low - early_span),
        latest=epoch + dt.timedelta(microseconds=high + late_span),
    )


def far_rows(spec: TableFile, canonical: str, condition: pl.Expr) -> tuple[int, list[str]]:
    """How many rows of ``spec`` have a ``canonical`` date meeting ``condition`` (on the
    parsed date ``_parsed``), and the first few as ``'value' (row N)``."""
    actual = spec.columns[canonical]
    parsed = dates.parse(pl.col(actual), spec.date_formats.get(canonical, dates.NATIVE))
    rows = (
        text_frame(spec)
        .select(pl.col(actual).cast(pl.String), parsed.alias("_parsed"))
        .with_row_index("row", offset=1)
        .filter(condition)
    )
    count, first = pl.collect_all([rows.select(pl.len()), rows.head(SHOWN_ROWS)])
    shown = [
        f"{value!r} (row {row})" for row, value in zip(first["row"], first[actual], strict=True)
    ]
    return int(count.item()), shown


def far_date_warning(
    spec: TableFile, bounds: DateBounds, late: bool, as_of: dt.date | None = None
) -> tuple[int, str]:
    """The warning for the rows far after (``late``) or before the rest, and their count
    (0 and "" when there are none). ``as_of``: the as-of date set without them."""
    canonical = "TransactionDate"
    limit = bounds.latest if late else bounds.earliest
    condition = pl.col("_parsed") > limit if late else pl.col("_parsed") < limit
    count, shown = far_rows(spec, canonical, condition)
    if not count:
        return 0, ""
    side = "after" if late else "before"
    text = (
        f"{plural(count, 'transaction row')} dated far {side} the rest of the data "
        f"({', '.join(shown)}{', …' if count > len(shown) else ''}: more than the data's "
        f"span {side} 99.9% of the customers' purchases): "
    )
    if late and as_of is not None:
        text += (
            f"the as-of date is {as_of}, the day after the other purchases, so "
            f"{'it is' if count == 1 else 'they are'} left out. Fix the date, or give --as-of."
        )
    else:
        text += "check the date (a typo?)."
    return count, text

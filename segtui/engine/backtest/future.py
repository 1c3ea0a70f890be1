"""The horizon's side of a backtest: what each customer bought after the cut."""

from __future__ import annotations

import datetime as dt

import polars as pl

from segtui.engine.io.tables import Tables
from segtui.engine.quality.checks import diagnose_failure
from segtui.engine.value.summary import DAY, purchase_days


def next_period(
    tables: Tables, at: dt.date, horizon_days: int
) -> tuple[pl.DataFrame, dt.date | None]:
    """Per customer with a line dated in [at, at + horizon_days): CustomerID,
    ``next_spend`` (the lines' value, net of the horizon's returns: what the customer
    brought in, as the inner split's next spend) and ``next_purchase_days`` (distinct days
    with a purchase line, i.e. a line that is not a return; a customer whose only lines
    are returns has 0 and did not buy again).
    Also the day of the data's last line on or after ``at`` (None when there is none):
    a horizon running past it cannot be judged in full. The cut is the value models'
    (``value.summary.purchase_days``), so both holdouts see the same lines."""
    query = next_period_query(tables, at, horizon_days)
    last = tables.transactions.filter(
        pl.col("TransactionDate") >= pl.lit(dt.datetime.combine(at, dt.time()))
    ).select(pl.col("TransactionDate").max().dt.date())
    try:
        future, data_end = pl.collect_all([query, last], engine="streaming")
    except pl.exceptions.PolarsError as exc:
        raise diagnose_failure(tables, exc) from None
    return future, data_end.item()


def next_period_query(tables: Tables, at: dt.date, horizon_days: int) -> pl.LazyFrame:
    """The lazy query behind :func:`next_period`'s first frame (CustomerID,
    ``next_spend``, ``next_purchase_days``), to be collected beside another query over
    the same tables (a shared scan parses a CSV once)."""
    from segtui.engine.features.fastpath import MONEY_DECIMAL

    end = at + dt.timedelta(days=horizon_days)
    return (
        purchase_days(tables, at, end)
        .group_by("CustomerID")
        .agg(
            # An exact sum, as the features' spend is: a Float64 sum in a streaming
            # group-by adds a customer's lines in whatever order the morsels arrive, so
            # two runs could differ in the last digit (seen in --k auto's eta squared).
            pl.col("value").cast(MONEY_DECIMAL).sum().cast(pl.Float64).alias("next_spend"),
            # A return (a negative value) is no purchase: returning goods bought before
            # the cut is not buying again.
            pl.col(DAY)
            .filter(pl.col("value") >= 0)
            .n_unique()
            .cast(pl.Int64)
            .alias("next_purchase_days"),
        )
        .sort("CustomerID")
    )

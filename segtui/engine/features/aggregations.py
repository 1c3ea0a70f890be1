"""The per-customer aggregations of the feature pass, as Polars expressions: one list for
the run's own group-by and, with a ``keep`` condition, the same figures over the lines
before the inner split's cut in that same group-by (``inner_pass.py``)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from segtui.engine.features.catalog import share_name
from segtui.engine.features.fastpath import MONEY_DECIMAL, max_abs_checks, micro_sum
from segtui.engine.features.inner_pass import INNER
from segtui.engine.io.purchases import purchase_key
from segtui.engine.io.returns import (
    RETURN_MARKER,
    is_marked,
    is_purchase,
    line_count,
    purchase_aggregations,
)
from segtui.engine.io.tables import Tables


def decimal_sum(expr: pl.Expr) -> pl.Expr:
    """The exact sum of ``expr`` (6 decimals) as Float64: the plain path's money sums."""
    return expr.cast(MONEY_DECIMAL).sum().cast(pl.Float64)


def aggregations(
    tables: Tables,
    categories: list[str],
    need_category: bool,
    wanted: Sequence[str] | None = None,
    ids_unique: bool = False,
    micro: bool = False,
    keep: pl.Expr | None = None,
) -> list[pl.Expr]:
    """Per-customer aggregations. ``wanted`` (fast path): skip distinct_products unless
    asked for; ``ids_unique``: TransactionIDs are known distinct, so frequency is the line
    count (see ``fastpath.ids_proved_distinct``); ``micro``: sums in Int64 micro-units.
    ``keep``: aggregate only the lines where it holds (the inner split's features at its
    cut inside the run's own group-by, ``inner_pass.py``); the same figures as a group-by
    of those lines alone, for customers with at least one (``n_lines`` > 0)."""
    _exact_sum = micro_sum if micro else decimal_sum
    marked = is_marked(tables)
    # The lines an aggregation reads: purchase lines (of a marked source) and kept lines.
    if keep is not None:
        purchase: pl.Expr | None = is_purchase() & keep if marked else keep
    else:
        purchase = is_purchase() if marked else None

    def kept(expr: pl.Expr) -> pl.Expr:  # for sums: other lines become nulls, skipped
        return expr if keep is None else pl.when(keep).then(expr)

    def bought(expr: pl.Expr, *, distinct: bool = False) -> pl.Expr:
        if purchase is None:
            return expr
        # max/min/sum skip nulls, so other lines become nulls: a filter inside the agg
        # makes the streaming group-by a second input holding every cold line's key again
        # (about 200 MB at 1e7 lines). A distinct count would count the null, so it filters.
        return expr.filter(purchase) if distinct else pl.when(purchase).then(expr)

    def lines() -> pl.Expr:
        return pl.len() if keep is None else keep.sum()

    def count_purchases() -> pl.Expr:
        if keep is None:
            return line_count(tables)
        return purchase.sum() if purchase is not None and marked else lines()

    value = pl.col("TotalValue")
    key = purchase_key(tables)  # what one purchase is (io/purchases.py)
    aggs = [
        _exact_sum(kept(value)).alias("total_spend"),
        (
            bought(key, distinct=True).n_unique()
            if key is not None and not ids_unique
            else count_purchases()
        ).alias("frequency"),
        bought(pl.col("TransactionDate")).max().alias("last_purchase"),
        bought(pl.col("TransactionDate")).min().alias("first_purchase"),
        lines().alias("n_lines"),
    ]
    if marked:
        aggs += (
            purchase_aggregations(tables)
            if keep is None
            else [
                count_purchases().alias("n_purchase_lines"),
                (pl.col(RETURN_MARKER) & keep).sum().alias("n_return_lines"),
            ]
        )
    if tables.has("transactions", "Quantity"):
        aggs.append(_exact_sum(kept(pl.col("Quantity"))).alias("total_quantity"))
    if tables.has("transactions", "ProductID") and (
        wanted is None or "distinct_products" in wanted
    ):
        aggs.append(
            bought(pl.col("ProductID"), distinct=True).n_unique().alias("distinct_products")
        )
    if need_category:
        aggs.append(
            bought(pl.col("Category"), distinct=True)
            .drop_nulls()
            .n_unique()
            .alias("distinct_categories")
        )
        for category in categories:
            of_category = pl.col("Category") == category
            if keep is not None:
                of_category = of_category & keep
            aggs.append(_exact_sum(value.filter(of_category)).alias(share_name(category)))
    if keep is not None:
        return [a.name.prefix(INNER) for a in aggs]
    return aggs


def line_counts(summed: list[str], fast: bool, keep: pl.Expr | None = None) -> list[pl.Expr]:
    """The line counts and date range behind the checks and data_quality of a table;
    ``keep`` as in :func:`aggregations` (names then prefixed ``INNER``)."""

    def col(name: str) -> pl.Expr:
        return pl.col(name) if keep is None else pl.col(name).filter(keep)

    customer = col("CustomerID")
    exprs = [
        (pl.len() if keep is None else keep.sum()).alias("rows"),
        customer.is_null().sum().alias("missing_customer"),
        col("TransactionDate").is_null().sum().alias("missing_date"),
        col("TransactionDate").min().alias("earliest_date"),
        col("TransactionDate").max().alias("latest_date"),
        ((col("TotalValue") < 0) & customer.is_not_null()).sum().alias("negative_value"),
        (col("TotalValue").is_null() & customer.is_not_null()).sum().alias("missing_value"),
        # the inner lines are a subset: the run's own maximum bounds their sums too
        *(max_abs_checks(summed) if fast and keep is None else []),
    ]
    return exprs if keep is None else [e.name.prefix(INNER) for e in exprs]

"""The feature engine: per-customer features as Polars expressions in one lazy query.

What each feature means is in ``catalog.py`` (re-exported here); the per-customer
finishing steps are in ``customers.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl

from segtui.engine.errors import InputError, plural
from segtui.engine.features.batches import aggregate_in_batches
from segtui.engine.features.catalog import (
    CATEGORY_SHARES,
    FEATURES,
    NET_RETURNER,
    NET_RETURNERS,
    NO_PURCHASES,
    SHARE_PREFIX,
    UNCLUSTERED,
    UNCLUSTERED_NAMES,
    FeatureSpec,
    FeatureTable,
    available_names,
    feature_kind,
    resolve_features,
    share_name,
    with_category,
)
from segtui.engine.features.customers import (
    derive,
    drop_not_yet_signed_up,
    join_customers,
    mark_net_returners,
    mark_returns_only,
)
from segtui.engine.features.fastpath import (
    exact_frequency,
    frequency_fast,
    from_micro,
    max_abs_checks,
    micro_sum,
    micro_sums_safe,
    plain_path,
)
from segtui.engine.io.purchases import purchase_definition, purchase_key
from segtui.engine.io.resources import wants_batches
from segtui.engine.io.returns import (
    is_marked,
    is_purchase,
    line_count,
    purchase_aggregations,
    purchases_only,
)
from segtui.engine.io.tables import Tables
from segtui.engine.quality.checks import (
    check_date_range,
    diagnose_failure,
    find_bad_date,
    no_transactions,
    value_warnings,
)
from segtui.engine.quality.outliers import DateBounds, date_bounds, far_date_warning

# The catalogue's names stay importable from here, where callers always found them.
__all__ = [
    "CATEGORY_SHARES",
    "FEATURES",
    "NET_RETURNER",
    "NET_RETURNERS",
    "NO_PURCHASES",
    "UNCLUSTERED",
    "UNCLUSTERED_NAMES",
    "SHARE_PREFIX",
    "FeatureSpec",
    "FeatureTable",
    "available_names",
    "compute_features",
    "feature_kind",
    "resolve_features",
    "share_name",
]


# Money is summed as fixed-point decimals (6 places): exact, so the result does not depend
# on the order in which a parallel group-by meets the rows. Float sums do, in the last bits,
# which made two runs on the same file write different bytes.
MONEY_DECIMAL = pl.Decimal(38, 6)


def total_too_large(tables: Tables, tx: pl.LazyFrame) -> InputError:
    """The customer whose total spend (or quantity) passes the exact-sum limit (every
    value is below it, their sum is not), named with the row of its largest value."""
    from segtui.engine.quality.checks import MAX_ABS_NUMBER

    spec = tables.files["transactions"]
    summed = [c for c in ("TotalValue", "Quantity") if tables.has("transactions", c)]
    for column in summed:
        found = (
            tx.with_row_index("row", offset=1)
            .with_columns(pl.col(column).cast(pl.Float64).alias("_value"))
            .with_columns(pl.col("_value").sum().over("CustomerID").alias("_total"))
            .filter(pl.col("_total").abs() >= MAX_ABS_NUMBER)
            .sort(pl.col("_value").abs(), descending=True)
            .head(1)
            .collect()
        )
        if found.height:
            customer = found["CustomerID"][0]
            return InputError(
                f"customer {customer}'s total is too large to add up exactly "
                f"(limit {MAX_ABS_NUMBER:g})",
                file=spec.path,
                column=spec.columns.get(column, column),
                row=int(found["row"][0]),
                value=found[column][0],
            )
    return InputError(
        f"a customer's total is too large to add up exactly (limit {MAX_ABS_NUMBER:g})",
        file=spec.path,
    )


def _decimal_sum(expr: pl.Expr) -> pl.Expr:
    return expr.cast(MONEY_DECIMAL).sum().cast(pl.Float64)


def _aggregations(
    tables: Tables,
    categories: list[str],
    need_category: bool,
    wanted: Sequence[str] | None = None,
    ids_unique: bool = False,
    micro: bool = False,
) -> list[pl.Expr]:
    """Per-customer aggregations. ``wanted`` (fast path): skip distinct_products unless
    asked for; ``ids_unique``: TransactionIDs are known distinct, so frequency is the line
    count (see ``fastpath.frequency_fast``); ``micro``: sums in Int64 micro-units."""
    _exact_sum = micro_sum if micro else _decimal_sum
    value = pl.col("TotalValue")
    key = purchase_key(tables)  # what one purchase is (io/purchases.py)
    aggs = [
        _exact_sum(value).alias("total_spend"),
        (
            purchases_only(key, tables).n_unique()
            if key is not None and not ids_unique
            else line_count(tables)
        ).alias("frequency"),
        purchases_only(pl.col("TransactionDate"), tables).max().alias("last_purchase"),
        purchases_only(pl.col("TransactionDate"), tables).min().alias("first_purchase"),
        pl.len().alias("n_lines"),
        *purchase_aggregations(tables),
    ]
    if tables.has("transactions", "Quantity"):
        aggs.append(_exact_sum(pl.col("Quantity")).alias("total_quantity"))
    if tables.has("transactions", "ProductID") and (
        wanted is None or "distinct_products" in wanted
    ):
        aggs.append(
            purchases_only(pl.col("ProductID"), tables).n_unique().alias("distinct_products")
        )
    if need_category:
        aggs.append(
            purchases_only(pl.col("Category"), tables)
            .drop_nulls()
            .n_unique()
            .alias("distinct_categories")
        )
        for category in categories:
            aggs.append(
                _exact_sum(value.filter(pl.col("Category") == category)).alias(share_name(category))
            )
    return aggs


def compute_features(
    tables: Tables,
    requested: Sequence[str],
    as_of: dt.date | None = None,
    *,
    plain: bool | None = None,
    side: Sequence[pl.LazyFrame] = (),
    ids_distinct: bool = False,
) -> FeatureTable:
    """Compute per-customer features for every customer of ``tables``.

    Returns a :class:`FeatureTable`; customers without transactions are kept with
    ``has_purchases`` false, zero totals and null averages/recency. ``plain=True`` (or
    SEGTUI_PLAIN_PATH=1) skips the large-input shortcuts; the values are the same.
    ``side``: more queries over the same tables, collected in the same plan (a shared
    scan parses a CSV once); their results are ``FeatureTable.side``.
    ``ids_distinct``: an earlier table of the same ``tables`` at a later (or no) as-of date
    proved every TransactionID distinct (its ``ids_distinct``), so they are distinct here
    too and the fast path skips its pass over the id column (``--k auto``'s inner split).
    """
    fast = not plain_path(plain)
    features, categories = resolve_features(requested, tables)
    need_category = bool(categories) or "distinct_categories" in features
    tx = with_category(tables) if need_category else tables.transactions
    if as_of is not None:
        # Rows whose date did not parse stay in, so they are counted (missing_date) and
        # named below instead of vanishing silently before the as-of date.
        day = pl.lit(dt.datetime.combine(as_of, dt.time()))
        date = pl.col("TransactionDate")
        tx = tx.filter((date < day) | date.is_null())
    # Frequency from line counts needs provably distinct ids: then each purchase line is
    # one order (``line_count`` counts purchase lines of a marked source). A log's order
    # ids repeat (one row per order line), so there the check would only cost a pass.
    check_ids = (
        fast and tables.has("transactions", "TransactionID") and tables.info.get("kind") != "log"
    )
    summed = ["TotalValue"] + (["Quantity"] if tables.has("transactions", "Quantity") else [])
    counts_query = tx.select(
        pl.len().alias("rows"),
        pl.col("CustomerID").is_null().sum().alias("missing_customer"),
        pl.col("TransactionDate").is_null().sum().alias("missing_date"),
        pl.col("TransactionDate").min().alias("earliest_date"),
        pl.col("TransactionDate").max().alias("latest_date"),
        ((pl.col("TotalValue") < 0) & pl.col("CustomerID").is_not_null())
        .sum()
        .alias("negative_value"),
        (pl.col("TotalValue").is_null() & pl.col("CustomerID").is_not_null())
        .sum()
        .alias("missing_value"),
        *(max_abs_checks(summed) if fast else []),
    )
    tx_all = tx
    tx = tx.filter(pl.col("CustomerID").is_not_null())
    aggs = _aggregations(
        tables,
        categories,
        need_category,
        features if fast else None,
        ids_unique=check_ids,
        micro=fast,
    )
    agg_query = tx.group_by("CustomerID").agg(aggs)
    customers_query = tables.customers
    queries = [agg_query, counts_query] + ([customers_query] if customers_query is not None else [])
    proved = False  # every TransactionID shown distinct (FeatureTable.ids_distinct)
    try:
        spec = tables.files["transactions"]
        batched = None
        # The customers table first, on its own: read beside the transactions' group-by,
        # its buffers added to that query's peak (which grows with the row count).
        rest = pl.collect_all(queries[2:], engine="streaming") if fast else []
        if fast and wants_batches(spec.path, spec.is_parquet):
            batched = aggregate_in_batches(
                tx_all, aggs, check_ids, summed, index_ids(rest[0] if rest else None)
            )
        if batched is not None:
            collected = [*batched, *rest]
            key = purchase_key(tables)
            if key is not None and not check_ids:
                # per-batch distinct counts do not add up: an order or a day can span
                # two batches
                purchases = tx.filter(is_purchase()) if is_marked(tables) else tx
                collected[0] = exact_frequency(collected[0], purchases, key)
            side_results = pl.collect_all(side, engine="streaming") if side else []
        elif fast:
            collected = pl.collect_all([*queries[:2], *side], engine="streaming")
            side_results = [collected.pop() for _ in side][::-1]
            if check_ids and not ids_distinct:
                collected[0], proved = frequency_fast(
                    collected[0], tx, tx.filter(is_purchase()) if is_marked(tables) else None
                )
            proved = proved or (check_ids and ids_distinct)
            collected.extend(rest)
        else:
            collected = pl.collect_all([*queries, *side])
            side_results = [collected.pop() for _ in side][::-1]
    except pl.exceptions.PolarsError as exc:
        if fast and "to `i64` failed" in str(exc):
            # A value beyond the Int64 micro-unit range (about 9.2e12) or not finite:
            # the exact Decimal path sums up to 1e32 and names a bad value's row.
            return compute_features(tables, requested, as_of, plain=True, side=side)
        if "overflow" in str(exc).lower():
            raise total_too_large(tables, tx) from None
        raise diagnose_failure(tables, exc) from None
    agg, counts = collected[0], collected[1]
    if fast:
        if not micro_sums_safe(counts):
            return compute_features(tables, requested, as_of, plain=True, side=side)
        sums = ["total_spend", "total_quantity", *(share_name(c) for c in categories)]
        agg = from_micro(agg, [c for c in sums if c in agg.columns])
    customers = collected[2] if customers_query is not None else None
    if counts["missing_date"][0]:
        raise find_bad_date(tables.files["transactions"], "TransactionDate")
    check_date_range(tables, counts, customers)
    if agg.height == 0:
        raise no_transactions(
            tables.files, int(counts["rows"][0]), int(counts["missing_customer"][0]), as_of
        )
    data_quality: dict[str, Any] = {
        "purchase_definition": purchase_definition(tables),
        "transaction_rows": int(counts["rows"][0]),
        "rows_without_customer": int(counts["missing_customer"][0]),
    }
    warnings: list[str] = [w for spec in tables.files.values() for w in spec.warnings]
    for spec in tables.files.values():
        data_quality.update(spec.data_quality)  # e.g. an ambiguous date column
    value_warnings(counts, data_quality, warnings, marked=is_marked(tables))
    frame = join_customers(agg, customers, tables, data_quality, warnings)
    # The inputs of the join are copies of its output's columns: at 1e7 customers they
    # held ~1.3 GB until the function returned.
    del agg, customers, collected
    frame = mark_returns_only(frame, tables, data_quality, warnings)
    bounds = date_bounds(frame.get_column("first_purchase"), frame.get_column("last_purchase"))
    if as_of is None:
        last = frame.get_column("last_purchase").max()
        if last is None:
            raise InputError("no purchases, only returns", file=tables.label)
        assert isinstance(last, dt.datetime)
        if bounds is not None and last > bounds.latest:
            return _without_far_dates(tables, requested, plain, side, bounds)
        as_of = last.date() + dt.timedelta(days=1)
    first = frame.get_column("first_purchase").min()
    if bounds is not None and first is not None and first < bounds.earliest:  # type: ignore[operator]
        count, text = far_date_warning(tables.files["transactions"], bounds, late=False)
        data_quality["rows_dated_far_before_the_rest"] = count
        warnings.extend([text] if count else [])
    frame = derive(frame, as_of, categories, tables)
    frame, dropped = drop_not_yet_signed_up(frame, as_of)
    frame = note_customers(frame, as_of, dropped, data_quality, warnings)
    return FeatureTable(
        frame=frame,
        features=features,
        as_of=as_of,
        data_quality=data_quality,
        warnings=warnings,
        categories=categories,
        side=side_results,
        ids_distinct=proved,
    )


def _without_far_dates(
    tables: Tables,
    requested: Sequence[str],
    plain: bool | None,
    side: Sequence[pl.LazyFrame],
    bounds: DateBounds,
) -> FeatureTable:
    """The features with the default as-of date set by the purchases that are not far
    after the rest (``quality/outliers.py``): the far ones fall after it, out of the
    snapshot, and a warning names their rows."""
    tx = tables.transactions.filter(
        pl.col("CustomerID").is_not_null() & (pl.col("TransactionDate") <= bounds.latest)
    )
    rest = purchases_only(pl.col("TransactionDate"), tables).max()
    last = tx.select(rest).collect(engine="streaming").item()
    as_of = last.date() + dt.timedelta(days=1)
    table = compute_features(tables, requested, as_of, plain=plain, side=side)
    count, text = far_date_warning(tables.files["transactions"], bounds, late=True, as_of=as_of)
    table.data_quality["rows_dated_far_after_the_rest"] = count
    table.data_quality["as_of_set_without_far_dates"] = True
    table.warnings.append(text)
    return table


def index_ids(customers: pl.DataFrame | None) -> pl.Series | None:
    """The customers table's ids when they can index the batched aggregation's arrays
    (present, no nulls, no repeats; join_customers names a repeat later), else None."""
    if customers is None:
        return None
    ids = customers.get_column("CustomerID")
    if ids.len() == 0 or ids.null_count() or ids.n_unique() < ids.len():
        return None
    return ids


def note_customers(
    frame: pl.DataFrame,
    as_of: dt.date,
    dropped: int,
    data_quality: dict[str, Any],
    warnings: list[str],
) -> pl.DataFrame:
    """Record the customer counts of a finished per-customer frame in ``data_quality`` and
    say what was left out in ``warnings`` (both engines' last step before FeatureTable).
    Returns the frame with the net returners marked (``mark_net_returners``)."""
    frame = mark_net_returners(frame, data_quality, warnings)
    data_quality["customers_signed_up_after_as_of"] = dropped
    if dropped:
        warnings.append(
            f"Not in this snapshot: {plural(dropped, 'customer')} who signed up on or after "
            f"the as-of date {as_of} without earlier purchases."
        )
    n_without = int((~frame.get_column("has_purchases")).sum())
    n_without -= data_quality.get("customers_with_only_returns", 0)
    n_without -= data_quality["net_returners"]
    data_quality["customers"] = frame.height
    data_quality["customers_without_transactions"] = n_without
    if data_quality["rows_without_customer"]:
        warnings.append(
            f"Left out: {plural(data_quality['rows_without_customer'], 'transaction row')} "
            "without a CustomerID."
        )
    if n_without:
        warnings.append(
            f"{plural(n_without, 'customer')} without transactions: they are kept as segment -1 "
            f"'{NO_PURCHASES}' and left out of the clustering."
        )
    return frame

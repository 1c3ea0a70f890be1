"""The feature engine: per-customer features as Polars expressions in one lazy query.

Every feature has one canonical name and one definition here; the CLI, the UI, model files
and other engines refer to features by these names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from segtui.engine.errors import InputError, OptionError, plural
from segtui.engine.features.fastpath import (
    aggregate_in_batches,
    distinct_ids_check,
    frequency_fast,
    from_micro,
    max_abs_checks,
    micro_sum,
    micro_sums_safe,
    plain_path,
    wants_batches,
)
from segtui.engine.io.returns import (
    is_marked,
    line_count,
    mark_returns_only,
    purchase_aggregations,
    purchases_only,
)
from segtui.engine.io.sources import Tables, diagnose_failure, find_bad_date
from segtui.engine.quality.checks import check_date_range, value_warnings


@dataclass(frozen=True)
class FeatureSpec:
    """What a feature is: its kind (money, count, days, share, categorical) and meaning."""

    name: str
    kind: str
    description: str
    needs: tuple[tuple[str, str], ...] = ()  # (table kind, canonical column)

    @property
    def is_categorical(self) -> bool:
        return self.kind == "categorical"


FEATURES: dict[str, FeatureSpec] = {
    spec.name: spec
    for spec in (
        FeatureSpec("total_spend", "money", "sum of line totals"),
        FeatureSpec("frequency", "count", "number of transactions"),
        FeatureSpec("avg_transaction_value", "money", "total_spend / frequency"),
        FeatureSpec(
            "total_quantity", "count", "sum of quantities", (("transactions", "Quantity"),)
        ),
        FeatureSpec(
            "avg_quantity", "count", "total_quantity / frequency", (("transactions", "Quantity"),)
        ),
        FeatureSpec("recency_days", "days", "days from the last purchase to the as-of date"),
        FeatureSpec(
            "tenure_days",
            "days",
            "days from signup to the as-of date",
            (("customers", "SignupDate"),),
        ),
        FeatureSpec(
            "distinct_products",
            "count",
            "number of different products bought",
            (("transactions", "ProductID"),),
        ),
        FeatureSpec(
            "distinct_categories",
            "count",
            "number of different categories bought",
            (("products", "Category"),),
        ),
        FeatureSpec("region", "categorical", "the customer's region", (("customers", "Region"),)),
    )
}
CATEGORY_SHARES = "category_shares"
SHARE_PREFIX = "share_"
NO_PURCHASES = "No purchases"


def share_name(category: str) -> str:
    """Canonical feature name of a category's spend share: ``share_home_decor``."""
    slug = re.sub(r"[^0-9a-z]+", "_", category.lower()).strip("_")
    return SHARE_PREFIX + (slug or "unknown")


def feature_kind(name: str) -> str:
    """Kind of a feature name, including ``share_*`` names."""
    if name.startswith(SHARE_PREFIX):
        return "share"
    return FEATURES[name].kind


@dataclass
class FeatureTable:
    """Per-customer features of one source.

    ``frame`` has one row per customer, sorted by CustomerID: CustomerID, CustomerName and
    Region when the source has them, ``has_purchases``, and every computed feature.
    """

    frame: pl.DataFrame
    features: list[str]
    as_of: dt.date
    data_quality: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


def _category_available(tables: Tables) -> bool:
    return tables.has("transactions", "Category") or (
        tables.has("products", "Category") and tables.has("transactions", "ProductID")
    )


def resolve_features(
    requested: Sequence[str],
    tables: Tables,
    *,
    category_values: Callable[[], list[str]] | None = None,
) -> tuple[list[str], list[str]]:
    """Validate feature names; expand ``category_shares``.

    Returns (feature names, category values). Raises OptionError for unknown names and
    InputError for features whose columns the source lacks. ``category_values`` lets
    another engine (Spark) list the sorted categories from its own tables.
    """
    names = [name.strip() for name in requested if name.strip()]
    if not names:
        raise OptionError("no features given", hint=f"choose from {', '.join(available_names())}")
    needs_categories = any(n == CATEGORY_SHARES or n.startswith(SHARE_PREFIX) for n in names)
    categories: list[str] = []
    if needs_categories or "distinct_categories" in names:
        if not _category_available(tables):
            raise InputError(
                "category features need a Category column (in Products, joined on ProductID)",
                file=tables.label,
                column="Category",
            )
    if needs_categories:
        categories = category_values() if category_values else _category_values(tables)
    share_names = [share_name(c) for c in categories]
    resolved: list[str] = []
    for name in names:
        if name == CATEGORY_SHARES:
            resolved.extend(share_names)
            continue
        if name.startswith(SHARE_PREFIX):
            if name not in share_names:
                raise OptionError(
                    f"unknown category share {name!r}",
                    hint=f"this data has {', '.join(share_names) or 'no categories'}",
                )
        elif name not in FEATURES:
            raise OptionError(
                f"unknown feature {name!r}",
                hint=f"choose from {', '.join(available_names())}",
            )
        else:
            for table, column in FEATURES[name].needs:
                if table == "products" and name == "distinct_categories":
                    continue  # checked above; Category may also come from transactions
                if not tables.has(table, column):
                    raise InputError(
                        f"feature {name!r} needs a {column} column in the {table} table",
                        file=tables.files[table].path if table in tables.files else tables.label,
                        column=column,
                    )
        resolved.append(name)
    seen: set[str] = set()
    unique = [n for n in resolved if not (n in seen or seen.add(n))]  # type: ignore[func-returns-value]
    return unique, categories


def available_names() -> list[str]:
    """Every feature name a user can ask for (category shares as one token)."""
    return [*FEATURES, CATEGORY_SHARES]


def _category_values(tables: Tables) -> list[str]:
    if tables.has("products", "Category") and tables.products is not None:
        lf = tables.products.select("Category")
    else:
        lf = tables.transactions.select("Category")
    try:
        values = lf.unique().collect().get_column("Category").drop_nulls().to_list()
    except pl.exceptions.PolarsError as exc:
        raise diagnose_failure(tables, exc) from None
    return sorted(str(v) for v in values)


def _with_category(tables: Tables) -> pl.LazyFrame:
    tx = tables.transactions
    if tables.has("transactions", "Category") or tables.products is None:
        return tx
    products = tables.products.select("ProductID", "Category").unique("ProductID", keep="first")
    return tx.join(products, on="ProductID", how="left")


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
    aggs = [
        _exact_sum(value).alias("total_spend"),
        (
            purchases_only(pl.col("TransactionID"), tables).n_unique()
            if tables.has("transactions", "TransactionID") and not ids_unique
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
) -> FeatureTable:
    """Compute per-customer features for every customer of ``tables``.

    Returns a :class:`FeatureTable`; customers without transactions are kept with
    ``has_purchases`` false, zero totals and null averages/recency. ``plain=True`` (or
    SEGTUI_PLAIN_PATH=1) skips the large-input shortcuts; the values are the same.
    """
    fast = not plain_path(plain)
    features, categories = resolve_features(requested, tables)
    need_category = bool(categories) or "distinct_categories" in features
    tx = _with_category(tables) if need_category else tables.transactions
    if as_of is not None:
        tx = tx.filter(pl.col("TransactionDate") < pl.lit(dt.datetime.combine(as_of, dt.time())))
    # Frequency from line counts needs provably distinct ids and no return lines to skip.
    check_ids = fast and tables.has("transactions", "TransactionID") and not is_marked(tables)
    summed = ["TotalValue"] + (["Quantity"] if tables.has("transactions", "Quantity") else [])
    counts_query = tx.select(
        pl.len().alias("rows"),
        pl.col("CustomerID").is_null().sum().alias("missing_customer"),
        pl.col("TransactionDate").is_null().sum().alias("missing_date"),
        pl.col("TransactionDate").min().alias("earliest_date"),
        pl.col("TransactionDate").max().alias("latest_date"),
        (pl.col("TotalValue") < 0).sum().alias("negative_value"),
        pl.col("TotalValue").is_null().sum().alias("missing_value"),
        *([distinct_ids_check()] if check_ids else []),
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
    try:
        spec = tables.files["transactions"]
        batched = (
            aggregate_in_batches(tx_all, aggs, check_ids, summed)
            if fast and wants_batches(spec.path, spec.is_parquet)
            else None
        )
        if batched is not None:
            rest = pl.collect_all(queries[2:], engine="streaming")
            collected = [*batched, *rest]
        else:
            collected = pl.collect_all(queries, engine="streaming" if fast else "auto")
            if check_ids:
                collected[0] = frequency_fast(collected[0], collected[1], tx)
    except pl.exceptions.PolarsError as exc:
        if fast and "to `i64` failed" in str(exc):
            # A value beyond the Int64 micro-unit range (about 9.2e12) or not finite:
            # the exact Decimal path sums up to 1e32 and names a bad value's row.
            return compute_features(tables, requested, as_of, plain=True)
        if "overflow" in str(exc).lower():
            raise total_too_large(tables, tx) from None
        raise diagnose_failure(tables, exc) from None
    agg, counts = collected[0], collected[1]
    if fast:
        if not micro_sums_safe(counts):
            return compute_features(tables, requested, as_of, plain=True)
        sums = ["total_spend", "total_quantity", *(share_name(c) for c in categories)]
        agg = from_micro(agg, [c for c in sums if c in agg.columns])
    customers = collected[2] if customers_query is not None else None
    if counts["missing_date"][0]:
        raise find_bad_date(tables.files["transactions"], "TransactionDate")
    check_date_range(tables, counts, customers)
    if agg.height == 0:
        raise InputError(
            "no transactions" + (f" before the as-of date {as_of}" if as_of else ""),
            file=tables.files["transactions"].path,
        )
    data_quality: dict[str, Any] = {
        "transaction_rows": int(counts["rows"][0]),
        "rows_without_customer": int(counts["missing_customer"][0]),
    }
    warnings: list[str] = [w for spec in tables.files.values() for w in spec.warnings]
    value_warnings(counts, data_quality, warnings)
    frame = _join_customers(agg, customers, tables, data_quality, warnings)
    frame = mark_returns_only(frame, tables, data_quality, warnings)
    if as_of is None:
        last = frame.get_column("last_purchase").max()
        if last is None:
            raise InputError("no purchases, only returns", file=tables.label)
        assert isinstance(last, dt.datetime)
        as_of = last.date() + dt.timedelta(days=1)
    frame = _derive(frame, as_of, categories, tables)
    frame, dropped = _drop_not_yet_signed_up(frame, as_of)
    data_quality["customers_signed_up_after_as_of"] = dropped
    if dropped:
        warnings.append(
            f"Not in this snapshot: {plural(dropped, 'customer')} who signed up on or after "
            f"the as-of date {as_of} without earlier purchases."
        )
    n_without = int((~frame.get_column("has_purchases")).sum())
    n_without -= data_quality.get("customers_with_only_returns", 0)
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
    return FeatureTable(
        frame=frame,
        features=features,
        as_of=as_of,
        data_quality=data_quality,
        warnings=warnings,
        categories=categories,
    )


_KNOWN = "_in_customers_table"


def _join_customers(
    agg: pl.DataFrame,
    customers: pl.DataFrame | None,
    tables: Tables,
    data_quality: dict[str, Any],
    warnings: list[str],
) -> pl.DataFrame:
    if customers is None:
        return agg.with_columns(pl.lit(True).alias("has_purchases"))
    spec = tables.files["customers"]
    customers = customers.filter(pl.col("CustomerID").is_not_null())
    ids = customers.get_column("CustomerID")
    # n_unique is cheap; the row of the first repeat is only looked for when there is one.
    if ids.n_unique() < ids.len():
        dup = customers.with_row_index("row", offset=1).filter(
            ~pl.col("CustomerID").is_first_distinct()
        )
        raise InputError(
            "duplicate CustomerID in the customers table",
            file=spec.path,
            column=spec.columns["CustomerID"],
            row=int(dup["row"][0]),
            value=dup["CustomerID"][0],
        )
    if "SignupDate" in customers.columns:
        missing = customers.get_column("SignupDate").null_count()
        if missing:
            # A missing signup date only matters for tenure_days; say so, don't fail.
            warnings.append(f"{plural(missing, 'customer')} without SignupDate ({spec.path.name}).")
    # A marker column says which rows came from the customers table (cheaper than an
    # is_in lookup of every id afterwards); the streaming join uses both cores.
    frame = (
        customers.lazy()
        .with_columns(pl.lit(True).alias(_KNOWN))
        .join(agg.lazy(), on="CustomerID", how="full", coalesce=True)
        .with_columns(pl.col("n_lines").is_not_null().alias("has_purchases"))
        .collect(engine="streaming")
    )
    unknown = int((frame.get_column("has_purchases") & frame.get_column(_KNOWN).is_null()).sum())
    frame = frame.drop(_KNOWN)
    data_quality["customers_not_in_customers_table"] = unknown
    if unknown:
        warnings.append(
            f"{plural(unknown, 'customer')} in the transactions but not in "
            f"{spec.path.name}; they are kept without region or signup date."
        )
    if "SignupDate" in frame.columns:
        before = frame.filter(pl.col("first_purchase") < pl.col("SignupDate")).height
        data_quality["customers_buying_before_signup"] = before
        if before:
            warnings.append(
                f"{plural(before, 'customer')} with purchases dated before their SignupDate."
            )
    return frame


def _derive(
    frame: pl.DataFrame, as_of: dt.date, categories: list[str], tables: Tables
) -> pl.DataFrame:
    as_of_dt = pl.lit(dt.datetime.combine(as_of, dt.time()))
    has = pl.col("has_purchases")
    freq = pl.col("frequency")
    exprs = [
        pl.col("total_spend").fill_null(0.0),
        freq.fill_null(0).cast(pl.Int64),
        pl.when(has).then(pl.col("total_spend") / freq).alias("avg_transaction_value"),
        (as_of_dt - pl.col("last_purchase").dt.truncate("1d"))
        .dt.total_days()
        .alias("recency_days"),
    ]
    if "total_quantity" in frame.columns:
        exprs.append(pl.col("total_quantity").fill_null(0.0))
        exprs.append(pl.when(has).then(pl.col("total_quantity") / freq).alias("avg_quantity"))
    if "distinct_products" in frame.columns:
        exprs.append(pl.col("distinct_products").fill_null(0).cast(pl.Int64))
    if "distinct_categories" in frame.columns:
        exprs.append(pl.col("distinct_categories").fill_null(0).cast(pl.Int64))
    if "Region" in frame.columns:
        exprs.append(pl.col("Region").alias("region"))
    if "SignupDate" in frame.columns:
        exprs.append(
            (as_of_dt - pl.col("SignupDate").dt.truncate("1d")).dt.total_days().alias("tenure_days")
        )
    spend = pl.col("total_spend")
    for category in categories:
        name = share_name(category)
        exprs.append(
            pl.when(has & (spend > 0)).then(pl.col(name).fill_null(0.0) / spend).alias(name)
        )
    frame = frame.with_columns(exprs)
    # Quantities are usually whole numbers: keep them integers in the output when they are.
    if "total_quantity" in frame.columns:
        q = frame.get_column("total_quantity")
        if q.len() and (q.round(0) == q).all():
            frame = frame.with_columns(pl.col("total_quantity").cast(pl.Int64))
    return frame.sort("CustomerID")


def _drop_not_yet_signed_up(frame: pl.DataFrame, as_of: dt.date) -> tuple[pl.DataFrame, int]:
    if "SignupDate" not in frame.columns:
        return frame, 0
    late = ~pl.col("has_purchases") & (
        pl.col("SignupDate") >= pl.lit(dt.datetime.combine(as_of, dt.time()))
    )
    dropped = frame.filter(late).height
    return frame.filter(~late.fill_null(False)), dropped

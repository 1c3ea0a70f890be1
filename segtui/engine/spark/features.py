"""The feature engine as Spark DataFrame operations: same names, same definitions as
``segtui.engine.features.compute`` (read that module for the meaning of each feature).

One pass over the transactions groups them by CustomerID (rows without a customer form
the null group, which gives the data-quality counts for free); the per-customer table is
then joined with Customers and derived in Spark, and collected to Polars so profiles,
names and outputs are the Polars engine's own code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from segtui.engine.errors import InputError, plural
from segtui.engine.features.compute import (
    FeatureTable,
    note_customers,
    resolve_features,
    share_name,
)
from segtui.engine.features.customers import mark_returns_only
from segtui.engine.io.purchases import CUSTOMER_DAY, ROW, definition, unit_of
from segtui.engine.io.returns import RETURN_MARKER, ZERO_MARKER
from segtui.engine.quality.checks import no_transactions, value_warnings
from segtui.engine.quality.outliers import date_bounds, far_date_warning
from segtui.engine.spark.reader import BAD_NUMBERS, SparkTables, bad_date_error, bad_number_error

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

MICROS = 1_000_000.0  # money and quantities are summed in millionths (see _exact_sum)


@dataclass
class SparkFeatures:
    """The per-customer features as a cached Spark DataFrame and collected to Polars."""

    frame: DataFrame
    table: FeatureTable


def _category_values(tables: SparkTables) -> list[str]:
    if tables.has("products", "Category") and tables.products is not None:
        df = tables.products
    else:
        df = tables.transactions
    rows = df.select("Category").where("Category IS NOT NULL").distinct().collect()
    return sorted(str(r[0]) for r in rows)


def _with_category(tables: SparkTables) -> DataFrame:
    from pyspark.sql import functions as F

    tx = tables.transactions
    if tables.has("transactions", "Category") or tables.products is None:
        return tx
    # First row per ProductID wins, as Polars' unique(keep="first") in file order.
    products = (
        tables.products.select("ProductID", "Category")
        .withColumn("_order", F.monotonically_increasing_id())
        .groupBy("ProductID")
        .agg(F.min_by("Category", "_order").alias("Category"))
    )
    return tx.join(products, on="ProductID", how="left")


def _n_unique(col: Column, where: Column) -> Column:
    """Polars' ``col.filter(where).n_unique()``: distinct values on the rows ``where``
    holds, a null counting as one value.

    ``size(collect_set)`` rather than ``count_distinct``: several distinct counts in one
    aggregation make Spark expand every row once per count (measured 1.5x slower here);
    a customer's set of ids is small.
    """
    from pyspark.sql import functions as F

    kept = F.when(where, col)
    return F.size(F.collect_set(kept)) + F.max(F.when(where & col.isNull(), 1).otherwise(0))


def _is_purchase() -> Column:
    """``returns.is_purchase``: neither a return nor a zero-value line."""
    from pyspark.sql import functions as F

    return ~(F.col(RETURN_MARKER) | F.col(ZERO_MARKER))


def _frequency(tables: SparkTables) -> Column:
    """Purchases per customer as ``io/purchases.py`` defines them: distinct order ids
    (or TransactionIDs) of purchase lines, distinct days for a log without an order id,
    or purchase lines for a folder without TransactionID."""
    from pyspark.sql import functions as F

    purchase = _is_purchase()
    unit = unit_of(tables.info.get("kind") == "log", tables.has("transactions", "TransactionID"))
    if unit == ROW:
        return F.sum(purchase.cast("long"))
    if unit == CUSTOMER_DAY:
        return _n_unique(F.to_date("TransactionDate"), purchase)
    return _n_unique(F.col("TransactionID"), purchase)


def _exact_sum(col: Column) -> Column:
    """Sum in whole millionths (64-bit integers), then as a double.

    Exact and independent of row order, like the Polars engine's decimal(38,6) sum, and
    about twice as fast in Spark as decimal arithmetic (which is BigDecimal above 18
    digits). Each value is rounded to 6 decimals as the decimal cast does; a total above
    9.2e12 per customer overflows, which Spark's ANSI mode reports as an error.
    """
    from pyspark.sql import functions as F

    return F.sum(F.round(col * F.lit(MICROS)).cast("long")) / F.lit(MICROS)


def _aggregations(tables: SparkTables, categories: list[str], need_category: bool) -> list[Any]:
    from pyspark.sql import functions as F

    value = F.col("TotalValue")
    purchase = _is_purchase()
    date = F.when(purchase, F.col("TransactionDate"))
    aggs = [
        _exact_sum(value).alias("total_spend"),
        _frequency(tables).alias("frequency"),
        F.max(date).alias("last_purchase"),
        F.min(date).alias("first_purchase"),
        F.count(F.lit(1)).alias("n_lines"),
        # returns.purchase_aggregations; the rest of n_lines are zero-value lines
        F.sum(purchase.cast("long")).alias("n_purchase_lines"),
        F.sum(F.col(RETURN_MARKER).cast("long")).alias("n_return_lines"),
    ]
    if tables.has("transactions", "Quantity"):
        aggs.append(_exact_sum(F.col("Quantity")).alias("total_quantity"))
    if tables.has("transactions", "ProductID"):
        aggs.append(_n_unique(F.col("ProductID"), purchase).alias("distinct_products"))
    if need_category:
        categories_bought = F.count_distinct(F.when(purchase, F.col("Category")))
        aggs.append(categories_bought.alias("distinct_categories"))
        for category in categories:
            aggs.append(
                _exact_sum(F.when(F.col("Category") == category, value)).alias(share_name(category))
            )
    aggs.append(F.sum(F.col("TransactionDate").isNull().cast("long")).alias("_missing_date"))
    aggs.append(F.sum(BAD_NUMBERS).alias("_bad_numbers"))
    # The same usable-oddity counts as the Polars engine (checks.value_warnings).
    aggs.append(F.sum((F.col("TotalValue") < 0).cast("long")).alias("_negative_value"))
    aggs.append(F.sum(F.col("TotalValue").isNull().cast("long")).alias("_missing_value"))
    return aggs


def _timestamp(day: dt.date) -> Column:
    from pyspark.sql import functions as F

    return F.lit(day.isoformat()).cast("timestamp_ntz")


def compute_features_spark(
    tables: SparkTables, requested: list[str], as_of: dt.date | None = None
) -> SparkFeatures:
    """Per-customer features of ``tables`` computed by Spark.

    Returns the cached Spark frame and the same :class:`FeatureTable` that
    ``features.compute_features`` builds (frame sorted by CustomerID, same columns).
    """
    from pyspark.sql import functions as F

    given_as_of = as_of
    features, categories = resolve_features(
        requested,
        tables,  # type: ignore[arg-type]  # SparkTables has the same has/files/label
        category_values=lambda: _category_values(tables),
    )
    need_category = bool(categories) or "distinct_categories" in features
    tx = _with_category(tables) if need_category else tables.transactions
    if as_of is not None:
        # Unparsed (null) dates stay in to be counted and named, as in the Polars engine.
        date = F.col("TransactionDate")
        tx = tx.where((date < _timestamp(as_of)) | date.isNull())
    grouped = tx.groupBy("CustomerID").agg(*_aggregations(tables, categories, need_category))
    grouped = grouped.cache()
    totals = grouped.agg(
        F.sum("n_lines").alias("rows"),
        F.sum(F.when(F.col("CustomerID").isNull(), F.col("n_lines")).otherwise(0)).alias(
            "missing_customer"
        ),
        F.sum("_missing_date").alias("missing_date"),
        F.sum("_bad_numbers").alias("bad_numbers"),
        # Rows with a customer only: the others reach no customer's total.
        F.sum(F.when(F.col("CustomerID").isNotNull(), F.col("_negative_value"))).alias(
            "negative_value"
        ),
        F.sum(F.when(F.col("CustomerID").isNotNull(), F.col("_missing_value"))).alias(
            "missing_value"
        ),
        F.max(F.when(F.col("CustomerID").isNotNull(), F.col("last_purchase"))).alias("last"),
    ).collect()[0]
    if totals["bad_numbers"]:
        raise bad_number_error(tables)
    if totals["missing_date"]:
        raise bad_date_error(tables)
    agg = grouped.where(F.col("CustomerID").isNotNull()).drop(
        "_missing_date", "_bad_numbers", "_negative_value", "_missing_value"
    )
    if int(totals["rows"] or 0) == int(totals["missing_customer"] or 0):
        raise no_transactions(
            tables.files, int(totals["rows"] or 0), int(totals["missing_customer"] or 0), as_of
        )
    if totals["last"] is None:
        raise InputError("no purchases, only returns", file=tables.label)
    order_id = tables.files["transactions"].columns.get("TransactionID")
    is_log = tables.info.get("kind") == "log"
    data_quality: dict[str, Any] = {
        "purchase_definition": definition(unit_of(is_log, order_id is not None), order_id),
        "transaction_rows": int(totals["rows"] or 0),
        "rows_without_customer": int(totals["missing_customer"] or 0),
    }
    warnings: list[str] = [w for spec in tables.files.values() for w in spec.warnings]
    for spec in tables.files.values():
        data_quality.update(spec.data_quality)  # e.g. an ambiguous date column
    value_warnings(
        pl.DataFrame(
            {
                "negative_value": [int(totals["negative_value"] or 0)],
                "missing_value": [int(totals["missing_value"] or 0)],
            }
        ),
        data_quality,
        warnings,
        marked=True,
    )
    if as_of is None:
        as_of = totals["last"].date() + dt.timedelta(days=1)
    assert as_of is not None
    frame = _join_customers(agg, tables, data_quality, warnings)
    frame = _derive(frame, as_of, categories)
    frame, dropped = _drop_not_yet_signed_up(frame, as_of)
    frame = frame.cache()
    collected = to_polars(frame)
    grouped.unpersist()
    # has_purchases is already set from the purchase lines (in Spark, before the averages);
    # this adds the returns' data_quality and warnings, as on the Polars engine.
    collected = mark_returns_only(collected, tables, data_quality, warnings)  # type: ignore[arg-type]
    if tables.local_folder is not None or tables.info.get("kind") == "log":
        # The far-date rule re-reads the file's rows to name them: local sources only.
        again = _far_dates(tables, requested, collected, given_as_of, data_quality, warnings)
        if again is not None:
            frame.unpersist()
            return again
    collected = note_customers(collected, as_of, dropped, data_quality, warnings)
    table = FeatureTable(
        frame=collected,
        features=features,
        as_of=as_of,
        data_quality=data_quality,
        warnings=warnings,
        categories=categories,
    )
    return SparkFeatures(frame=frame, table=table)


def _far_dates(
    tables: SparkTables,
    requested: list[str],
    collected: pl.DataFrame,
    given_as_of: dt.date | None,
    data_quality: dict[str, Any],
    warnings: list[str],
) -> SparkFeatures | None:
    """``compute._without_far_dates`` on Spark: when a purchase far after the rest
    (``quality/outliers.py``) would set the default as-of date, the features computed
    again with the as-of date set by the others, with the warning naming their rows;
    else None, after recording the rows far before the rest in ``data_quality``."""
    from pyspark.sql import functions as F

    bounds = date_bounds(collected.get_column("first_purchase"), collected["last_purchase"])
    if bounds is None:
        return None
    spec = tables.files["transactions"]
    last = collected.get_column("last_purchase").max()
    if given_as_of is None and isinstance(last, dt.datetime) and last > bounds.latest:
        date = F.col("TransactionDate")
        latest = F.lit(bounds.latest.isoformat(sep=" ")).cast("timestamp_ntz")
        rest = tables.transactions.where(
            F.col("CustomerID").isNotNull() & (date <= latest) & _is_purchase()
        )
        as_of = rest.agg(F.max(date)).collect()[0][0].date() + dt.timedelta(days=1)
        result = compute_features_spark(tables, requested, as_of)
        count, text = far_date_warning(spec, bounds, late=True, as_of=as_of)
        result.table.data_quality["rows_dated_far_after_the_rest"] = count
        result.table.data_quality["as_of_set_without_far_dates"] = True
        result.table.warnings.append(text)
        return result
    first = collected.get_column("first_purchase").min()
    if isinstance(first, dt.datetime) and first < bounds.earliest:
        count, text = far_date_warning(spec, bounds, late=False)
        data_quality["rows_dated_far_before_the_rest"] = count
        warnings.extend([text] if count else [])
    return None


def _join_customers(
    agg: DataFrame, tables: SparkTables, data_quality: dict[str, Any], warnings: list[str]
) -> DataFrame:
    from pyspark.sql import functions as F

    has_purchases = F.coalesce(F.col("n_purchase_lines"), F.lit(0)) > 0  # mark_returns_only
    if tables.customers is None:
        return agg.withColumn("has_purchases", has_purchases)
    spec = tables.files["customers"]
    customers = tables.customers.where(F.col("CustomerID").isNotNull())
    dup = customers.groupBy("CustomerID").count().where("count > 1").limit(1).collect()
    if dup:
        raise InputError(
            "duplicate CustomerID in the customers table",
            file=spec.path,
            column=spec.columns["CustomerID"],
            value=dup[0]["CustomerID"],
        )
    has_signup = "SignupDate" in customers.columns
    if has_signup:
        missing = customers.where(F.col("SignupDate").isNull()).count()
        if missing:
            warnings.append(f"{plural(missing, 'customer')} without SignupDate ({spec.path.name}).")
    marked = customers.withColumn("_known", F.lit(True))
    frame = marked.join(agg, on="CustomerID", how="full")
    checks = [F.sum((F.col("n_lines").isNotNull() & F.col("_known").isNull()).cast("long"))]
    if has_signup:
        checks.append(F.sum((F.col("first_purchase") < F.col("SignupDate")).cast("long")))
    counts = frame.agg(*checks).collect()[0]
    unknown = int(counts[0] or 0)
    data_quality["customers_not_in_customers_table"] = unknown
    if unknown:
        warnings.append(
            f"{plural(unknown, 'customer')} in the transactions but not in "
            f"{spec.path.name}; they are kept without region or signup date."
        )
    if has_signup:
        before = int(counts[1] or 0)
        data_quality["customers_buying_before_signup"] = before
        if before:
            warnings.append(
                f"{plural(before, 'customer')} with purchases dated before their SignupDate."
            )
    return frame.drop("_known").withColumn("has_purchases", has_purchases)


def _derive(frame: DataFrame, as_of: dt.date, categories: list[str]) -> DataFrame:
    from pyspark.sql import functions as F

    as_of_day = F.lit(as_of.isoformat()).cast("date")
    has = F.col("has_purchases")
    freq = F.col("frequency")
    spend = F.col("total_spend")
    columns = frame.columns
    new: dict[str, Column] = {
        "total_spend": F.coalesce(spend, F.lit(0.0)),
        "frequency": F.coalesce(freq, F.lit(0)).cast("long"),
        "avg_transaction_value": F.when(has, spend / freq),
        "recency_days": F.datediff(as_of_day, F.to_date("last_purchase")).cast("long"),
    }
    if "total_quantity" in columns:
        quantity = F.col("total_quantity")
        new["total_quantity"] = F.coalesce(quantity, F.lit(0.0))
        new["avg_quantity"] = F.when(has, quantity / freq)
    for name in ("distinct_products", "distinct_categories"):
        if name in columns:
            new[name] = F.coalesce(F.col(name), F.lit(0)).cast("long")
    if "Region" in columns:
        new["region"] = F.col("Region")
    if "SignupDate" in columns:
        new["tenure_days"] = F.datediff(as_of_day, F.to_date("SignupDate")).cast("long")
    for category in categories:
        name = share_name(category)
        new[name] = F.when(has & (spend > 0), F.coalesce(F.col(name), F.lit(0.0)) / spend)
    return frame.withColumns(new)


def _drop_not_yet_signed_up(frame: DataFrame, as_of: dt.date) -> tuple[DataFrame, int]:
    from pyspark.sql import functions as F

    if "SignupDate" not in frame.columns:
        return frame, 0
    late = ~F.col("has_purchases") & (F.col("SignupDate") >= _timestamp(as_of))
    late = F.coalesce(late, F.lit(False))
    dropped = frame.where(late).count()
    return frame.where(~late), dropped


def to_polars(frame: DataFrame) -> pl.DataFrame:
    """Collect the per-customer Spark frame as the Polars engine's frame.

    Returns the frame sorted by CustomerID with the Polars engine's dtypes (whole-number
    quantities as integers, ``n_lines`` as UInt32).
    """
    collected = pl.from_arrow(frame.toArrow())
    assert isinstance(collected, pl.DataFrame)
    casts = [pl.col(c).cast(pl.UInt32) for c in ("n_lines", "n_purchase_lines", "n_return_lines")]
    for name in ("last_purchase", "first_purchase", "SignupDate"):
        if name in collected.columns:
            casts.append(pl.col(name).cast(pl.Datetime("us")))
    collected = collected.with_columns(casts)
    if "total_quantity" in collected.columns:
        q = collected.get_column("total_quantity")
        if q.len() and (q.round(0) == q).all():
            collected = collected.with_columns(pl.col("total_quantity").cast(pl.Int64))
    return collected.sort("CustomerID")

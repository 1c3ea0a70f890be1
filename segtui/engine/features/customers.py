"""Per-customer finishing of the feature table: joining the customers table, customers
with only returns, derived features (averages, recency, tenure, shares) and customers who
signed up after the as-of date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from segtui.engine.errors import InputError, plural
from segtui.engine.features.catalog import (
    NET_RETURNER,
    NET_RETURNERS,
    NO_PURCHASES,
    share_name,
)
from segtui.engine.io.tables import Tables


def mark_returns_only(
    frame: pl.DataFrame, tables: Tables, data_quality: dict[str, Any], warnings: list[str]
) -> pl.DataFrame:
    """Set ``has_purchases`` from purchase lines, so a customer whose lines are all
    returns or zero-value lines is kept as segment -1; add the source's facts and the
    return and zero-value line counts (lines with a customer only) to ``data_quality``,
    with a warning that says what they do. Returns the frame."""
    if "n_purchase_lines" not in frame.columns:
        return frame
    data_quality.update(tables.info.get("data_quality", {}))
    warnings.extend(tables.info.get("warnings", []))
    only_returns = pl.col("n_lines").is_not_null() & (pl.col("n_purchase_lines") == 0)
    count = frame.filter(only_returns).height
    lines = int(frame.get_column("n_lines").fill_null(0).sum())
    purchases = int(frame.get_column("n_purchase_lines").fill_null(0).sum())
    returned = int(frame.get_column("n_return_lines").fill_null(0).sum())
    zero = lines - purchases - returned
    data_quality["return_lines"] = returned
    data_quality["zero_value_lines"] = zero
    data_quality["customers_with_only_returns"] = count
    rule = data_quality.get("returns_rule", tables.info.get("returns_rule", "net"))
    if returned:
        cancelled = (
            ", or a line of a cancelled order" if data_quality.get("cancelled_order_prefix") else ""
        )
        effect = (
            "lower total_spend and total_quantity (their values count as negative whatever "
            "their sign)"
            if rule == "net"
            else "count for nothing (--returns drop)"
        )
        warnings.append(
            f"{plural(returned, 'return line')} of customers (a negative quantity or amount"
            f"{cancelled}) {effect}; they are not purchases."
        )
    if zero:
        warnings.append(
            f"{plural(zero, 'line')} of customers with a zero amount, quantity or price "
            "are not purchases (no frequency, recency or products)."
        )
    if count:
        warnings.append(
            f"{plural(count, 'customer')} with returns or zero-value lines but no purchases: "
            f"kept as segment -1 '{NO_PURCHASES}'."
        )
    return frame.with_columns((pl.col("n_purchase_lines").fill_null(0) > 0).alias("has_purchases"))


def mark_net_returners(
    frame: pl.DataFrame, data_quality: dict[str, Any], warnings: list[str]
) -> pl.DataFrame:
    """Mark the customers with purchases whose returns cancel or exceed them (return
    lines and a net ``total_spend`` of zero or less, within a millionth of the money
    unit): the
    ``net_returner`` column is true and ``has_purchases`` false for them, so they are kept
    in every output as segment -2 and left out of the clustering, the metrics, tiers and
    the choice of k (24 such customers of UCI Online Retail formed a cluster of their own,
    0.55% at every k >= 4, which the size rule then refused). Counted in ``data_quality``
    as ``net_returners``, with a warning. Returns the frame."""
    from segtui.engine.value.summary import NET_PURCHASE_MIN

    has = pl.col("has_purchases").fill_null(False)
    spend = pl.col("total_spend").fill_null(0.0)
    # returns must be what brought the spend down: a purchase line without a value (a null
    # amount) leaves spend at 0 and is no return
    returned = (
        pl.col("n_return_lines").fill_null(0) > 0
        if "n_return_lines" in frame.columns
        else spend < 0
    )
    net = has & returned & (spend <= NET_PURCHASE_MIN)
    count = int(frame.select(net.sum()).item())
    data_quality["net_returners"] = count
    if count:
        warnings.append(
            f"{plural(count, 'customer')} whose returns cancel or exceed their purchases "
            f"(total_spend of zero or less): kept as segment -2 '{NET_RETURNERS}' and left "
            "out of the clustering."
        )
    return frame.with_columns(net.alias(NET_RETURNER), (has & ~net).alias("has_purchases"))


def checked_customers(customers: pl.DataFrame, tables: Tables) -> pl.DataFrame:
    """The customers table's rows that have an id, in id order; InputError naming the row
    of the first repeated id (in the file's order). A table already in id order (sorted
    before the group-by, and the run's reused for the inner split's table) is checked by
    comparing neighbours and kept as it is: sorting a million customers took 0.86 s,
    and it was done once per table."""
    spec = tables.files["customers"]
    customers = customers.filter(pl.col("CustomerID").is_not_null())
    ids = customers.get_column("CustomerID")
    in_order = ids.is_sorted()
    if in_order:
        repeated = ids.len() > 1 and bool((ids.slice(1) == ids.slice(0, ids.len() - 1)).any())
    else:
        # n_unique is cheap; the row of the first repeat is only looked for when there is one.
        repeated = ids.n_unique() < ids.len()
    if repeated:
        if in_order and tables.customers is not None:
            # Sorted here (compute_features) or in the file: the file's own order names
            # the row, so read it again (only on this error path).
            customers = tables.customers.collect().filter(pl.col("CustomerID").is_not_null())
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
    return customers if in_order else customers.sort("CustomerID")


def join_customers(
    agg: pl.DataFrame,
    customers: pl.DataFrame | None,
    tables: Tables,
    data_quality: dict[str, Any],
    warnings: list[str],
) -> pl.DataFrame:
    """``agg`` joined to the customers table (``checked_customers``' frame or the table
    as read) in id order, customers without transactions kept; the counts and warnings
    of the join in ``data_quality`` and ``warnings``. Returns the joined frame."""
    if customers is None:
        return agg.with_columns(pl.lit(True).alias("has_purchases"))
    spec = tables.files["customers"]
    # The customers table in id order, joined by a left join that keeps that order, then
    # the customers it lacks appended: when it lacks none (the usual case) the result is
    # already in id order and ``derive`` skips its sort, a whole-table copy (at 1e7
    # customers the join, derive and two sorts held 5.9 GB; measured by bench_perf).
    customers = checked_customers(customers, tables)
    if "SignupDate" in customers.columns:
        missing = customers.get_column("SignupDate").null_count()
        if missing:
            # A missing signup date only matters for tenure_days; say so, don't fail.
            warnings.append(f"{plural(missing, 'customer')} without SignupDate ({spec.path.name}).")
    n = customers.height
    if agg.height >= n and agg.get_column("CustomerID").head(n).equals(customers["CustomerID"]):
        # Already one row per customer of the table in its order, then the customers it
        # lacks (the batched path's, features/batches.py): side by side, the same frame
        # as the join without its hash tables (+1.8 GB at 1e7 customers).
        known = customers.hstack(agg.slice(0, n).drop("CustomerID").get_columns())
        extra = agg.slice(n)
    else:
        known = customers.join(agg, on="CustomerID", how="left", maintain_order="left")
        # Every line count found a customer's row (a customer id is in the table once):
        # then no customer is missing from the table, and the anti join that would find
        # them (0.3 s at 1e6 customers) is not needed. A null count in ``agg`` only
        # lowers the count, so the join is then made.
        all_known = known.get_column("n_lines").count() == agg.height
        extra = (
            agg.clear()
            if all_known
            else agg.join(customers.select("CustomerID"), on="CustomerID", how="anti")
        )
    del customers
    unknown = extra.height
    frame = (pl.concat([known, extra], how="diagonal_relaxed") if unknown else known).with_columns(
        pl.col("n_lines").is_not_null().alias("has_purchases")
    )
    del known, extra
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


def derive(
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
    return sorted_by_id(frame)


def sorted_by_id(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` in CustomerID order: as it is when it already is (an O(n) check instead
    of a sort, which copies every column)."""
    if frame.get_column("CustomerID").is_sorted():
        return frame
    return frame.sort("CustomerID")


def drop_not_yet_signed_up(frame: pl.DataFrame, as_of: dt.date) -> tuple[pl.DataFrame, int]:
    if "SignupDate" not in frame.columns:
        return frame, 0
    late = ~pl.col("has_purchases") & (
        pl.col("SignupDate") >= pl.lit(dt.datetime.combine(as_of, dt.time()))
    )
    dropped = frame.filter(late).height
    return frame.filter(~late.fill_null(False)), dropped


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

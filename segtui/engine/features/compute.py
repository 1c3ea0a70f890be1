"""The feature engine: per-customer features as Polars expressions in one lazy query.

What each feature means is in ``catalog.py`` (re-exported here); the per-customer
finishing steps are in ``customers.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from segtui.engine.errors import InputError
from segtui.engine.features.aggregations import aggregations, line_counts
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
    checked_customers,
    derive,
    drop_not_yet_signed_up,
    join_customers,
    mark_returns_only,
    note_customers,
    sorted_by_id,
)
from segtui.engine.features.fastpath import (
    exact_frequency,
    from_micro,
    ids_proved_distinct,
    micro_sums_safe,
    plain_path,
)
from segtui.engine.features.inner_pass import (
    INNER,
    NEXT_SPEND,
    InnerPass,
    inner_window,
    kept_lines,
    next_spend,
    split_off,
)
from segtui.engine.io.purchases import purchase_definition, purchase_key
from segtui.engine.io.resources import wants_batches
from segtui.engine.io.returns import (
    is_marked,
    is_purchase,
    purchases_only,
)
from segtui.engine.io.tables import Tables
from segtui.engine.quality.checks import (
    check_date_range,
    diagnose_failure,
    find_bad_date,
    no_transactions,
    total_too_large,
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


def compute_features(
    tables: Tables,
    requested: Sequence[str],
    as_of: dt.date | None = None,
    *,
    plain: bool | None = None,
    side: Sequence[pl.LazyFrame] = (),
    ids_distinct: bool = False,
    inner: tuple[dt.date, int] | None = None,
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
    ``inner``: the inner split's planned (cut, horizon days): on the fast path its
    features and next weeks' spend are aggregated in the same group-by (or the same
    batches, ``batches.py``), and kept as ``FeatureTable.inner_pass`` when the finished
    table gives that same cut (``inner_pass.py``).
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
    spec = tables.files["transactions"]
    # The inner split's figures ride on this pass: its one streaming group-by, or its
    # batches (folded exactly, as the run's own figures). The plain path has its own.
    if not fast:
        inner = None
    keep = kept_lines(inner[0]) if inner is not None else None
    counts_query = tx.select(
        *line_counts(summed, fast), *(line_counts(summed, fast, keep) if keep is not None else [])
    )
    tx_all = tx
    tx = tx.filter(pl.col("CustomerID").is_not_null())
    aggs = aggregations(
        tables,
        categories,
        need_category,
        features if fast else None,
        ids_unique=check_ids,
        micro=fast,
    )
    extra: list[pl.Expr] = []
    batch_extra: list[pl.Expr] = []  # the same, with next_spend in micro-units
    if inner is not None:
        extra = aggregations(
            tables, categories, need_category, features, check_ids, micro=True, keep=keep
        )
        batch_extra = extra + next_spend(tables, *inner, micro=True)
        extra += next_spend(tables, *inner)
    agg_query = tx.group_by("CustomerID").agg(aggs + extra)
    customers_query = tables.customers
    queries = [agg_query, counts_query] + ([customers_query] if customers_query is not None else [])
    proved = False  # every TransactionID shown distinct (FeatureTable.ids_distinct)
    try:
        batched = None
        # The customers table first, on its own: read beside the transactions' group-by,
        # its buffers added to that query's peak (which grows with the row count).
        rest = pl.collect_all(queries[2:], engine="streaming") if fast else []
        ids = None
        if fast and wants_batches(spec.path, spec.is_parquet):
            ids = index_ids(rest[0] if rest else None)
            if ids is not None and not ids.is_sorted():
                # in the id order join_customers puts it in (once, not per table)
                rest[0] = rest[0].sort("CustomerID")
                ids = rest[0].get_column("CustomerID")
            batched = aggregate_in_batches(
                tx_all,
                aggs + batch_extra,
                check_ids,
                summed,
                ids,
                line_counts(summed, fast, keep) if keep is not None else (),
                aligned=ids is not None,
            )
        if batched is not None:
            collected = [*batched, *rest]
            proved = check_ids  # the batches proved every TransactionID distinct
            if inner is not None:
                collected[0] = from_micro(collected[0], [NEXT_SPEND])
            key = purchase_key(tables)
            if key is not None and not check_ids:
                # per-batch distinct counts do not add up: an order or a day can span
                # two batches
                purchases = tx.filter(is_purchase()) if is_marked(tables) else tx
                also = {INNER + "frequency": keep} if keep is not None else None
                collected[0] = exact_frequency(collected[0], purchases, key, also)
            side_results = pl.collect_all(side, engine="streaming") if side else []
        elif fast:
            # Work on the whole file's columns before the group-by, not after it: there
            # it came on top of the memory the group-by had just freed, which the
            # allocator still held, and set the run's peak (docs/performance.md). The
            # customers in id order for the join (checked_customers) and the id proof.
            rest = [sorted_by_id(frame) for frame in rest]
            proved = check_ids and (ids_distinct or ids_proved_distinct(tx))
            collected = pl.collect_all([*queries[:2], *side], engine="streaming")
            side_results = [collected.pop() for _ in side][::-1]
            if check_ids and not proved:
                purchases = tx.filter(is_purchase()) if is_marked(tables) else tx
                collected[0] = exact_frequency(collected[0], purchases, pl.col("TransactionID"))
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
    # Lists, so that each frame's last reference goes to the finishing step, which drops
    # it after the join (at 1e7 customers the join's inputs held ~1.3 GB).
    found, counts = [collected[0]], collected[1]
    people = [collected[2] if customers_query is not None else None]
    del collected
    if inner is not None:
        # the batched rows are the customers table's (aligned) when it indexed them
        found = list(split_off(found.pop(), len(ids) if batched and ids is not None else None))
        counts, inner_counts, _ = split_off(counts)
    if fast and not micro_sums_safe(counts):
        return compute_features(tables, requested, as_of, plain=True, side=side)
    finish = _Finish(tables, requested, features, categories, fast, plain, side)
    if inner is None:
        return finish(found.pop(), counts, people.pop(), as_of, side_results, proved)
    finish.reuse_customers = True
    table = finish(found.pop(0), counts, people.pop(), as_of, side_results, proved)
    # Without the proof the frequency was recounted exactly from another pass, which
    # the inner lines would need too: the inner split then makes its own pass.
    if inner_window(table) == inner and (proved or not check_ids):
        inner_agg, future = found
        found.clear()
        customers, finish.checked = finish.checked, None
        inner_table = finish(inner_agg, inner_counts, customers, inner[0], [], proved)
        table.inner_pass = InnerPass(inner[0], inner[1], inner_table, future)
    return table


@dataclass
class _Finish:
    """The per-customer finishing of collected aggregations into a :class:`FeatureTable`
    (the run's own and, from the same pass, the inner split's at its cut)."""

    tables: Tables
    requested: Sequence[str]
    features: list[str]
    categories: list[str]
    fast: bool
    plain: bool | None
    side: Sequence[pl.LazyFrame]
    # The inner split's table joins the same customers table: checked and sorted once
    # (``checked``), not once per table.
    reuse_customers: bool = False
    checked: pl.DataFrame | None = None

    def __call__(
        self,
        agg: pl.DataFrame,
        counts: pl.DataFrame,
        customers: pl.DataFrame | None,
        as_of: dt.date | None,
        side_results: list[pl.DataFrame],
        proved: bool,
    ) -> FeatureTable:
        tables, categories = self.tables, self.categories
        if self.fast:
            sums = ["total_spend", "total_quantity", *(share_name(c) for c in categories)]
            agg = from_micro(agg, [c for c in sums if c in agg.columns])
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
        if customers is not None and self.reuse_customers:
            customers = self.checked = checked_customers(customers, tables)
        frame = join_customers(agg, customers, tables, data_quality, warnings)
        del agg, customers  # the join's inputs: copies of its output's columns
        frame = mark_returns_only(frame, tables, data_quality, warnings)
        bounds = date_bounds(frame.get_column("first_purchase"), frame.get_column("last_purchase"))
        if as_of is None:
            last = frame.get_column("last_purchase").max()
            if last is None:
                raise InputError("no purchases, only returns", file=tables.label)
            assert isinstance(last, dt.datetime)
            if bounds is not None and last > bounds.latest:
                return _without_far_dates(tables, self.requested, self.plain, self.side, bounds)
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
            features=self.features,
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

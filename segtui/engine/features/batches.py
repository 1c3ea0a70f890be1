"""Per-customer aggregation of large transaction files in bounded memory.

Polars' streaming group-by keeps what it has read until it has seen every row, so its
memory grows with the row count (pola-rs/polars#25607): ~0.6 GB for the group-by of a
1e7-row, 600 MB CSV, ~12 GB at 1e8 rows. Above ``BATCH_ABOVE_BYTES`` the transactions
are read in batches of ``BATCH_ROWS`` rows instead (``io.resources.wants_batches``, which
the memory check shares). Below it the one-shot streaming
query is faster (at 1e7 rows the batches' read-ahead alone took 0.45-0.7 GB, so they
saved no memory there either; measured). Each batch is aggregated by Polars
and folded into running per-customer numpy arrays indexed by the customer's row in the
customers table (:class:`DenseState`): memory is one batch plus a few numbers per
customer, whatever the row count. Every merge is exact (integer sums, min, max), so the
result equals the one-shot aggregation; ``tests/test_fastpath.py`` checks it. The inner
split's figures (``inner_pass.py``: the same aggregations over the lines before its cut,
the next weeks' spend and the counts of those lines) are folded the same way, so the
split needs no second pass over the file here either (``tests/test_inner_pass.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from segtui.engine.features.fastpath import MAX_ABS, distinct_hashes
from segtui.engine.features.inner_pass import INNER, NEXT_BOUGHT, NEXT_SPEND

BATCH_ROWS = 1_000_000
_MERGE = {"max": ("last_purchase", NEXT_BOUGHT), "min": ("first_purchase",)}
# How the counts row's figures combine across batches (the rest are sums).
_COUNT_MERGE = {"earliest_date": "min", "latest_date": "max"}
# Up to this many rows the cross-batch distinctness check sorts the rows' id hashes
# (8 bytes a row); above it, it counts them in bucketed passes over the id column.
HASH_SORT_ROWS = 30_000_000
# Buckets of the bucketed check: each pass keeps the hashes of 1/ID_BUCKETS of the rows
# (8 bytes each: 0.2 GB at 1e8 rows), sorted with numpy.
ID_BUCKETS = 4


def disjoint(ranges: list[tuple[str, str]]) -> bool:
    """True when no two (min, max) ranges overlap. Each batch's TransactionIDs are
    distinct; batches whose id ranges do not overlap cannot share an id, so then every id
    in the file is distinct (the usual case: logs written in id or date order)."""
    ordered = sorted(ranges)
    return all(prev[1] < nxt[0] for prev, nxt in zip(ordered, ordered[1:], strict=False))


def distinct_in_buckets(transactions: pl.LazyFrame) -> bool:
    """True when every TransactionID of ``transactions`` is distinct, checked in
    ``ID_BUCKETS`` streaming passes over the id column, each sorting the hashes of one
    bucket of hash values (memory: one bucket's hashes, not the whole file's). Only for
    files beyond ``HASH_SORT_ROWS`` whose batches' id ranges overlap."""
    hashed = pl.col("TransactionID").hash(seed=0)
    for bucket in range(ID_BUCKETS):
        part = (
            transactions.select(hashed.alias("h"))
            .filter(pl.col("h") % ID_BUCKETS == bucket)
            .collect(engine="streaming")
        )
        if not distinct_hashes(part.to_series()):
            return False
        del part
    return True


def fold_counts(total: pl.DataFrame, part: pl.DataFrame) -> pl.DataFrame:
    """Two counts rows (``line_counts``' figures, of the lines so far and of one batch)
    as one: the date range by min and max, every count summed; exact, as the one-shot
    query's figures over all lines."""
    both = pl.concat([total, part])
    return both.select(
        getattr(pl.col(n), _COUNT_MERGE.get(n.removeprefix(INNER), "sum"))() for n in both.columns
    )


def merge_kind(name: str) -> str | None:
    """How a per-customer aggregate of several batches combines: "sum", "min", "max", or
    None when it cannot (distinct counts). The inner split's aggregations (``INNER``
    names) combine as the run's own; its next weeks' spend (micro-units) is a sum and
    whether the customer bought then a maximum (any)."""
    name = name.removeprefix(INNER)
    if name in _MERGE["max"]:
        return "max"
    if name in _MERGE["min"]:
        return "min"
    if name in (
        "total_spend",
        "total_quantity",
        "frequency",
        "n_lines",
        "n_purchase_lines",
        "n_return_lines",
        NEXT_SPEND,
    ):
        return "sum"
    if name.startswith("share_"):
        return "sum"
    return None


def _merge_exprs(kinds: dict[str, str]) -> list[pl.Expr]:
    return [getattr(pl.col(n), kind)().alias(n) for n, kind in kinds.items()]


class DenseState:
    """Running per-customer aggregates: one numpy array per aggregate, indexed by the
    customer's row in the customers table (found by hash: see ``_codes``). Customers
    once). Customers missing from the table (rare) are merged the slow way, by
    concatenating and re-aggregating their few rows."""

    def __init__(self, ids: pl.Series | None, kinds: dict[str, str]) -> None:
        self.ids = ids
        self.kinds = kinds
        self.arrays: dict[str, np.ndarray] = {}
        self.dtypes: dict[str, pl.DataType] = {}
        self.seen = np.zeros(len(ids) if ids is not None else 0, dtype=bool)
        self.extra: pl.DataFrame | None = None
        if ids is not None:
            # Ids are looked up by hash: sorted hashes, searched with numpy. A hit is
            # confirmed by comparing the id text, so a collision can only send a customer
            # to the slow merge, never to another customer's row.
            hashed = ids.hash(seed=0).to_numpy()
            self.order = np.argsort(hashed, kind="stable")
            self.sorted_hashes = hashed[self.order]

    def _codes(self, part_ids: pl.Series) -> tuple[np.ndarray, np.ndarray]:
        """Row of each id in the customers table, and which ids were found."""
        assert self.ids is not None
        hashed = part_ids.hash(seed=0).to_numpy()
        # Searching in sorted order walks the table once instead of jumping around it:
        # 2-3x faster at 10^6 customers (cache misses dominate).
        query_order = np.argsort(hashed)
        pos = np.empty(len(hashed), dtype=np.intp)
        pos[query_order] = np.searchsorted(self.sorted_hashes, hashed[query_order])
        pos[pos == len(self.sorted_hashes)] = 0
        codes = self.order[pos]
        found = self.sorted_hashes[pos] == hashed
        same = (self.ids.gather(codes) == part_ids).fill_null(False).to_numpy()
        return codes, found & same

    def add(self, part: pl.DataFrame) -> None:
        """Fold one batch's per-customer aggregates (``part``: one row per customer)."""
        if self.ids is None:
            self._add_extra(part)
            return
        codes, known = self._codes(part.get_column("CustomerID"))
        if not known.all():
            mask = pl.Series(known)
            self._add_extra(part.filter(~mask))
            part = part.filter(mask)
            codes = codes[known]
        index = codes
        self.seen[index] = True
        for name, kind in self.kinds.items():
            column = part.get_column(name)
            self.dtypes.setdefault(name, column.dtype)
            values = self._physical(column, kind)
            state = self.arrays.get(name)
            if state is None:
                state = self.arrays[name] = np.full(len(self.seen), _identity(kind, values))
            # codes are distinct within a part, so fancy-indexed updates are exact
            if kind == "sum":
                state[index] += values
            elif kind == "min":
                state[index] = np.minimum(state[index], values)
            else:
                state[index] = np.maximum(state[index], values)

    @staticmethod
    def _physical(column: pl.Series, kind: str) -> np.ndarray:
        physical = column.to_physical()
        if kind == "sum":
            dtype = pl.Float64 if physical.dtype.is_float() else pl.Int64
            return physical.cast(dtype).fill_null(0).to_numpy()
        fill = np.iinfo(np.int64).max if kind == "min" else np.iinfo(np.int64).min
        return physical.cast(pl.Int64).fill_null(fill).to_numpy()

    def _add_extra(self, part: pl.DataFrame) -> None:
        if self.extra is None:
            self.extra = part
        else:
            merged = pl.concat([self.extra, part]).group_by("CustomerID")
            self.extra = merged.agg(_merge_exprs(self.kinds)).select(part.columns)

    def frame(
        self, columns: list[str], empty: pl.DataFrame, *, aligned: bool = False
    ) -> pl.DataFrame:
        """The per-customer table (``columns`` in order), customers with rows only; with
        ``aligned``, every customer of the customers table in its order (null figures
        for those without rows, as a left join gives), then the customers it lacks:
        ``join_customers`` then puts the tables side by side instead of a hash join. Each
        running array is let go once its column is made (at 1e7 customers the arrays
        and the columns together held ~1.3 GB more)."""
        parts = []
        if self.ids is not None and (aligned or self.seen.any()):
            rows = None if aligned else pl.Series(self.seen)
            data: dict[str, pl.Series] = {
                "CustomerID": self.ids if rows is None else self.ids.filter(rows)
            }
            for name, kind in self.kinds.items():
                data[name] = self._column(name, kind, aligned, empty.schema[name])
            parts.append(pl.DataFrame(data).select(columns))
        if self.extra is not None:
            parts.append(self.extra.select(columns))
        return pl.concat(parts) if parts else empty

    def _column(self, name: str, kind: str, aligned: bool, dtype: pl.DataType) -> pl.Series:
        """One aggregate's column for :meth:`frame`, its running array released."""
        values = self.arrays.pop(name, None)
        if values is None:  # no batch had a customer of the table
            return pl.Series(name, [None] * len(self.seen), dtype=dtype)
        null = ~self.seen if aligned else None
        if not aligned:
            values = values[self.seen]
        if kind != "sum":
            sentinel = np.iinfo(np.int64).max if kind == "min" else np.iinfo(np.int64).min
            null = values == sentinel if null is None else null | (values == sentinel)
        series = pl.Series(name, values)
        del values
        if null is not None and null.any():
            series = series.set(pl.Series(null), None)
        return series.cast(self.dtypes.get(name, dtype))


def _identity(kind: str, values: np.ndarray) -> int | float:
    if kind == "sum":
        return values.dtype.type(0)
    return np.iinfo(np.int64).max if kind == "min" else np.iinfo(np.int64).min


def aggregate_in_batches(
    transactions: pl.LazyFrame,
    aggs: list[pl.Expr],
    check_ids: bool,
    summed: list[str],
    customer_ids: pl.Series | None,
    counted: Sequence[pl.Expr] = (),
    aligned: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """Per-customer ``aggs`` and the counts row, computed batch by batch in bounded memory.

    ``customer_ids``: the customers table's ids (distinct, no nulls, at least one),
    which index the running arrays; None without a usable table. ``counted``: more
    counts-row expressions over all lines (the inner split's ``line_counts``), each
    batch's row folded into one (:func:`fold_counts`) and added to the counts row.
    ``aligned``: the per-customer rows are the customers table's in its order, then
    those of customers it lacks (:meth:`DenseState.frame`).
    Returns None when an aggregation cannot be merged across batches (distinct counts)
    or when the TransactionIDs are not provably distinct; the caller then takes the
    one-shot path.
    """
    names = [a.meta.output_name() for a in aggs]
    kinds = {n: merge_kind(n) for n in names}
    if any(kind is None for kind in kinds.values()):
        return None
    state = DenseState(customer_ids, {n: k for n, k in kinds.items() if k is not None})
    needed = {"CustomerID", "TransactionDate", *summed}
    needed.update(root for a in [*aggs, *counted] for root in a.meta.root_names())
    if check_ids:
        needed.add("TransactionID")
    columns = [c for c in transactions.collect_schema().names() if c in needed]
    transactions = transactions.select(columns)
    rows = missing_customer = missing_date = negative_value = missing_value = 0
    earliest: object = None
    latest: object = None
    max_abs = dict.fromkeys(summed, 0.0)
    id_ranges: list[tuple[str, str]] = []
    hashes: list[np.ndarray] | None = []
    folded = transactions.head(0).select(counted).collect() if counted else None
    for batch in transactions.collect_batches(chunk_size=BATCH_ROWS, maintain_order=False):
        rows += batch.height
        missing_customer += batch.get_column("CustomerID").null_count()
        dates = batch.get_column("TransactionDate")
        missing_date += dates.null_count()
        if dates.len() > dates.null_count():
            low, high = dates.min(), dates.max()
            earliest = low if earliest is None or low < earliest else earliest  # type: ignore[operator]
            latest = high if latest is None or high > latest else latest  # type: ignore[operator]
        amounts = batch.get_column("TotalValue")
        has_customer = batch.get_column("CustomerID").is_not_null()
        negative_value += int(((amounts < 0) & has_customer).sum())
        missing_value += int((amounts.is_null() & has_customer).sum())
        for col in summed:
            biggest = batch.get_column(col).abs().max()
            if biggest is not None:
                max_abs[col] = max(max_abs[col], float(biggest))  # type: ignore[arg-type]
        if check_ids:
            ids = batch.get_column("TransactionID")
            hashed = ids.hash(seed=0)
            if hashed.n_unique() < batch.height:
                return None  # repeated ids (or a collision): needs exact distinct counts
            if ids.null_count() < ids.len():
                id_ranges.append((str(ids.min()), str(ids.max())))
            if hashes is not None and rows <= HASH_SORT_ROWS:
                hashes.append(hashed.to_numpy())
            else:
                hashes = None  # too many rows to keep: bucketed passes if needed
        if folded is not None:
            folded = fold_counts(folded, batch.select(counted))
        part = batch.filter(pl.col("CustomerID").is_not_null()).group_by("CustomerID").agg(aggs)
        del batch
        state.add(part)
    if check_ids and not disjoint(id_ranges):
        distinct = (
            distinct_hashes(hashes) if hashes is not None else distinct_in_buckets(transactions)
        )
        if not distinct:
            return None
    counts = pl.DataFrame(
        {
            "rows": [rows],
            "missing_customer": [missing_customer],
            "missing_date": [missing_date],
            # the same data-quality facts the one-shot counts query gives (checks.py)
            "earliest_date": pl.Series([earliest], dtype=pl.Datetime("us")),
            "latest_date": pl.Series([latest], dtype=pl.Datetime("us")),
            "negative_value": [negative_value],
            "missing_value": [missing_value],
            **{MAX_ABS + c: [v] for c, v in max_abs.items()},
        }
    )
    if folded is not None:
        counts = counts.hstack(folded)
    empty = transactions.head(0).group_by("CustomerID").agg(aggs).collect()
    return state.frame(empty.columns, empty, aligned=aligned), counts

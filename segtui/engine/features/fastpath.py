"""Switches and helpers for the large-input fast paths (see README "Performance").

Every shortcut sits behind the same public functions as the plain computation and can be
turned off with ``SEGTUI_PLAIN_PATH=1`` (or ``plain=True`` where a function takes it), so
tests and ``bench/inertia_check.py`` compare the two on the same data.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import polars as pl

PLAIN_ENV = "SEGTUI_PLAIN_PATH"
DISTINCT_HASHES = "_distinct_id_hashes"
_preload: threading.Thread | None = None


def plain_path(plain: bool | None = None) -> bool:
    """True when the plain (non-optimised) path is requested: ``plain`` if given, else the
    ``SEGTUI_PLAIN_PATH`` environment variable."""
    if plain is not None:
        return plain
    return os.environ.get(PLAIN_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _import_sklearn() -> None:
    import gc

    # Importing creates ~10^6 objects and no garbage: the cyclic collector's passes over
    # them cost 0.17 s of CPU (measured) while the main thread waits inside Polars.
    enabled = gc.isenabled()
    gc.disable()
    try:
        import sklearn.cluster  # noqa: F401
        import sklearn.metrics  # noqa: F401
    finally:
        if enabled:
            gc.enable()


def preload_sklearn() -> None:
    """Start importing scikit-learn in a daemon thread (once) and return at once.

    Importing scikit-learn takes ~1 s of pure Python work; Polars releases the GIL while it
    reads and aggregates, so the import overlaps with reading instead of following it. A
    later ``import sklearn...`` in the main thread simply waits for the import lock.
    """
    global _preload
    if _preload is None:
        _preload = threading.Thread(target=_import_sklearn, name="segtui-preload", daemon=True)
        _preload.start()


def distinct_ids_check() -> pl.Expr:
    """Expression for the transactions' counts query: the number of distinct TransactionID
    hashes (``_distinct_id_hashes``).

    Counting distinct strings per customer is the costliest aggregation on large logs.
    When the number of distinct *hashes* over all rows equals the row count, every
    TransactionID is distinct (equal strings hash equal), so each customer's frequency is
    exactly their line count. A hash collision can only make the check fail, never pass
    wrongly; :func:`frequency_fast` then counts exactly.
    """
    return pl.col("TransactionID").hash(seed=0).n_unique().alias(DISTINCT_HASHES)


def frequency_fast(
    agg: pl.DataFrame, counts: pl.DataFrame, transactions: pl.LazyFrame
) -> pl.DataFrame:
    """``agg`` (frequency = line count) when the ids proved distinct; otherwise ``agg`` with
    frequency recomputed exactly as the number of distinct TransactionIDs per customer."""
    if int(counts[DISTINCT_HASHES][0]) == int(counts["rows"][0]):
        return agg
    exact = (
        transactions.group_by("CustomerID")
        .agg(pl.col("TransactionID").n_unique().alias("frequency"))
        .collect(engine="streaming")
    )
    return agg.drop("frequency").join(exact, on="CustomerID", how="left").select(agg.columns)


# Money and quantities are summed as integer micro-units on the fast path: as exact and
# order-independent as the Decimal(38, 6) sums of the plain path (so outputs stay
# byte-identical across thread counts), with a third less memory in the streaming
# group-by. Int64 holds 9.2e18 micro-units: safe while rows x max |value| < SAFE_TOTAL.
MICRO = 1_000_000
SAFE_TOTAL = 9.0e12
MAX_ABS = "_max_abs_"


def micro_sum(expr: pl.Expr) -> pl.Expr:
    """Exact sum of ``expr`` rounded to 6 decimals, as Int64 micro-units (convert the
    collected column with :func:`from_micro`)."""
    return (expr * MICRO).round().cast(pl.Int64).sum()


def from_micro(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """``frame`` with micro-unit ``columns`` turned into Float64 amounts.

    The division runs in numpy, which rounds it correctly, so the result equals the plain
    path's Decimal -> Float64 cast bit for bit (Polars divides by a literal through its
    reciprocal, which is off by one unit in the last place for ~30% of values).
    """
    return frame.with_columns(
        pl.Series(name, frame.get_column(name).cast(pl.Float64).to_numpy() / MICRO)
        for name in columns
    )


def max_abs_checks(columns: list[str]) -> list[pl.Expr]:
    """Counts-query expressions: the largest absolute value of each summed column."""
    return [pl.col(c).abs().max().alias(MAX_ABS + c) for c in columns]


def micro_sums_safe(counts: pl.DataFrame) -> bool:
    """True when no micro-unit sum can overflow Int64 (rows x max |value| < SAFE_TOTAL)."""
    rows = int(counts["rows"][0])
    for name in counts.columns:
        if name.startswith(MAX_ABS):
            biggest = counts[name][0]
            if biggest is not None and float(biggest) * rows >= SAFE_TOTAL:
                return False
    return True


# Polars' streaming group-by builds its hash tables only after it has seen every row, so
# its memory grows with the row count (pola-rs/polars#25607): ~12 GB at 1e8 rows. Above
# these file sizes the transactions are streamed in batches of BATCH_ROWS rows, each
# batch aggregated and merged into a running per-customer table: memory stays at about
# one batch plus the customers, whatever the row count.
BATCH_ABOVE_BYTES = {"csv": 1_500_000_000, "parquet": 500_000_000}
BATCH_ROWS = 2_000_000
_MERGE = {"max": ("last_purchase",), "min": ("first_purchase",)}


def disjoint(ranges: list[tuple[str, str]]) -> bool:
    """True when no two (min, max) ranges overlap. Each batch's TransactionIDs are
    distinct; batches whose id ranges do not overlap cannot share an id, so then every id
    in the file is distinct (the usual case: logs written in id or date order)."""
    ordered = sorted(ranges)
    return all(prev[1] < nxt[0] for prev, nxt in zip(ordered, ordered[1:], strict=False))


# Buckets of the exact cross-batch distinctness check: each pass holds the hashes of
# 1/ID_BUCKETS of the rows.
ID_BUCKETS = 16


def distinct_in_buckets(transactions: pl.LazyFrame) -> bool:
    """True when every TransactionID of ``transactions`` is distinct, checked in
    ``ID_BUCKETS`` streaming passes over the id column, each counting the distinct hashes
    of one bucket of hash values (memory: one bucket's hash set, not the whole file's).
    Only runs when batches' id ranges overlap (ids not written in order)."""
    hashed = pl.col("TransactionID").hash(seed=0)
    for bucket in range(ID_BUCKETS):
        rows, distinct = (
            transactions.select(hashed.alias("h"))
            .filter(pl.col("h") % ID_BUCKETS == bucket)
            .select(pl.len(), pl.col("h").n_unique())
            .collect(engine="streaming")
            .row(0)
        )
        if distinct < rows:
            return False
    return True


def wants_batches(path: Path, is_parquet: bool) -> bool:
    """True when the transactions file is large enough for batched aggregation."""
    limit = BATCH_ABOVE_BYTES["parquet" if is_parquet else "csv"]
    try:
        return path.stat().st_size > limit
    except OSError:
        return False


def _merge_expr(name: str) -> pl.Expr | None:
    if name in _MERGE["max"]:
        return pl.col(name).max()
    if name in _MERGE["min"]:
        return pl.col(name).min()
    if name in ("total_spend", "total_quantity", "frequency", "n_lines") or name.startswith(
        "share_"
    ):
        return pl.col(name).sum()
    return None  # distinct counts cannot be merged from partial results


def aggregate_in_batches(
    transactions: pl.LazyFrame, aggs: list[pl.Expr], check_ids: bool, summed: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """Per-customer ``aggs`` and the counts row, computed batch by batch in bounded memory.

    Returns None when an aggregation cannot be merged across batches (distinct counts) or
    when the TransactionIDs are not provably distinct; the caller then takes the one-shot
    path. Every merged aggregation is exact (integer sums, min, max), so the result equals
    the one-shot aggregation.
    """
    names = [a.meta.output_name() for a in aggs]
    merges = [_merge_expr(n) for n in names]
    if any(m is None for m in merges):
        return None
    merge_exprs = [m.alias(n) for m, n in zip(merges, names, strict=True) if m is not None]
    needed = {"CustomerID", "TransactionDate", *summed}
    needed.update(root for a in aggs for root in a.meta.root_names())
    if check_ids:
        needed.add("TransactionID")
    columns = [c for c in transactions.collect_schema().names() if c in needed]
    transactions = transactions.select(columns)
    state: pl.DataFrame | None = None
    rows = missing_customer = missing_date = negative_value = missing_value = 0
    earliest: object = None
    latest: object = None
    max_abs = dict.fromkeys(summed, 0.0)
    id_ranges: list[tuple[str, str]] = []
    for batch in transactions.collect_batches(chunk_size=BATCH_ROWS, maintain_order=True):
        rows += batch.height
        missing_customer += batch.get_column("CustomerID").null_count()
        dates = batch.get_column("TransactionDate")
        missing_date += dates.null_count()
        if dates.len() > dates.null_count():
            low, high = dates.min(), dates.max()
            earliest = low if earliest is None or low < earliest else earliest  # type: ignore[operator]
            latest = high if latest is None or high > latest else latest  # type: ignore[operator]
        amounts = batch.get_column("TotalValue")
        negative_value += int((amounts < 0).sum())
        missing_value += amounts.null_count()
        for col in summed:
            biggest = batch.get_column(col).abs().max()
            if biggest is not None:
                max_abs[col] = max(max_abs[col], float(biggest))  # type: ignore[arg-type]
        if check_ids:
            ids = batch.get_column("TransactionID")
            if ids.hash(seed=0).n_unique() < batch.height:
                return None  # repeated ids (or a collision): needs exact distinct counts
            if ids.null_count() < ids.len():
                id_ranges.append((str(ids.min()), str(ids.max())))
        part = batch.filter(pl.col("CustomerID").is_not_null()).group_by("CustomerID").agg(aggs)
        del batch
        state = (
            part
            if state is None
            else pl.concat([state, part]).group_by("CustomerID").agg(merge_exprs)
        )
    if check_ids and not (disjoint(id_ranges) or distinct_in_buckets(transactions)):
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
    if state is None:
        state = transactions.head(0).group_by("CustomerID").agg(aggs).collect()
    return state, counts

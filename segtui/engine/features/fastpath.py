"""Switches and helpers for the large-input fast paths (see README "Performance").

Every shortcut sits behind the same public functions as the plain computation and can be
turned off with ``SEGTUI_PLAIN_PATH=1`` (or ``plain=True`` where a function takes it), so
tests and ``bench/inertia_check.py`` compare the two on the same data.
"""

from __future__ import annotations

import os
import threading

import numpy as np
import polars as pl

PLAIN_ENV = "SEGTUI_PLAIN_PATH"
# Money is summed as fixed-point decimals (6 places): exact, so the result does not depend
# on the order in which a parallel group-by meets the rows. Float sums do, in the last bits,
# which made two runs on the same file write different bytes.
MONEY_DECIMAL = pl.Decimal(38, 6)
_preload: threading.Thread | None = None


def plain_path(plain: bool | None = None) -> bool:
    """True when the plain (non-optimised) path is requested: ``plain`` if given, else the
    ``SEGTUI_PLAIN_PATH`` environment variable."""
    if plain is not None:
        return plain
    return os.environ.get(PLAIN_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _import_sklearn() -> None:
    import gc

    # The thread keeps the process's priority. It used to run at niceness 19 so that it
    # took only CPU the parsing left idle, but the main thread always ends up waiting for
    # this import (on the module's import lock): with two CPU-bound processes beside it, a
    # niceness-19 thread got ~1.5% of a core and a 60-customer run took 76 s instead of
    # 3 s. At the process's priority the same run finishes with the load and no slower
    # idle (the scheduler gives the CPU to whoever is runnable either way).
    # Importing creates ~10^6 objects and no garbage: the cyclic collector's passes over
    # them cost 0.17 s of CPU (measured) while the main thread waits inside Polars.
    enabled = gc.isenabled()
    gc.disable()
    try:
        import sklearn.cluster  # noqa: F401
        import sklearn.metrics  # noqa: F401
    except BaseException:  # noqa: S110
        # Out of memory, say: the main thread's own import meets the same error and
        # reports it in one line; a traceback from this thread would only add noise.
        pass
    finally:
        if enabled:
            gc.enable()


def preload_sklearn() -> None:
    """Start importing scikit-learn in a daemon thread (once) and return.

    Importing scikit-learn takes ~1 s of pure Python work; Polars releases the GIL while it
    reads and aggregates, so the import overlaps with reading instead of following it.
    A later ``import sklearn...`` in the main thread waits for the import lock, so the
    thread runs at the main thread's priority: nothing the run waits for is niced.
    """
    global _preload
    if _preload is None:
        _preload = threading.Thread(target=_import_sklearn, name="segtui-preload", daemon=True)
        _preload.start()


def distinct_hashes(hashes: list[np.ndarray] | pl.Series) -> bool:
    """True when no hash repeats across ``hashes`` (a Series, or each batch's id hashes):
    sorted, no two neighbours equal. Equal ids hash equal, so this proves the ids
    distinct; a collision can only make it fail (the exact path then runs). Polars' sort
    uses every core: 0.16 s for 1e7 hashes where numpy's took 0.65 s."""
    if isinstance(hashes, pl.Series):
        series = hashes
    else:
        series = pl.Series(np.concatenate(hashes) if hashes else np.empty(0, dtype=np.uint64))
    ordered = series.sort()
    n = ordered.len()
    return n < 2 or not bool((ordered.slice(1) == ordered.slice(0, n - 1)).any())


def ids_proved_distinct(transactions: pl.LazyFrame) -> bool:
    """True when every TransactionID of ``transactions`` is proved distinct, so each
    customer's frequency is exactly their (purchase) line count; False when the proof
    fails (then :func:`exact_frequency` counts the distinct ids).

    Counting distinct strings per customer is the costliest aggregation on large logs.
    A pass over the TransactionID column hashes every id; sorted, no two equal
    neighbours proves every TransactionID distinct (equal strings hash equal), so each
    customer's frequency is exactly their line count. A collision can only make the
    check fail, never pass wrongly. Measured on the idle machine at 1e7 CSV rows: the
    pass takes 0.62 s and the sort 0.16 s, where a Polars hash set beside the group-by
    made it 2.8 s (and raised the peak from 0.64 to 1.14 GB) and collecting the hashes in
    the group-by's own plan made it 3.3 s.

    ``compute_features`` makes this pass before the group-by: right after it, the pass's
    read buffers and the 80 MB of hashes came on top of the group-by's freshly freed
    memory, which the allocator still held, and set the run's peak (docs/performance.md).
    Ids distinct over all lines are distinct over the purchase lines, so the proof reads
    only the id column of every line (filtering first would parse the number columns
    again: 2.5 s instead of 0.3 s at 1e6 CSV rows).
    """
    hashes = transactions.select(pl.col("TransactionID").hash(seed=0)).collect(engine="streaming")
    return distinct_hashes(hashes.to_series())


def exact_frequency(
    agg: pl.DataFrame,
    transactions: pl.LazyFrame,
    key: pl.Expr,
    also: dict[str, pl.Expr] | None = None,
) -> pl.DataFrame:
    """``agg`` with frequency recomputed as the number of distinct ``key`` values per
    customer over ``transactions`` (already restricted to purchase lines where needed):
    for the batched path, whose per-batch distinct counts cannot be added up (an order
    or a day can span two batches), and when :func:`ids_proved_distinct` fails.
    ``also``: more frequency columns of ``agg`` by name, each the distinct ``key`` values
    of the lines where its condition holds (the inner split's, over the lines before its
    cut), counted in the same group-by."""
    counts = {
        "frequency": key.n_unique(),
        **{n: key.filter(c).n_unique() for n, c in (also or {}).items()},
    }
    exact = (
        transactions.group_by("CustomerID")
        .agg(expr.alias(name) for name, expr in counts.items())
        .collect(engine="streaming")
    )
    frame = agg.drop(*counts).join(exact, on="CustomerID", how="left", maintain_order="left")
    # 0 for customers without a purchase line; null where ``agg`` has none (the batched
    # path's customers-table rows of customers without a line, batches.DenseState.frame)
    return frame.with_columns(
        pl.when(pl.lit(agg.get_column(name).is_not_null())).then(pl.col(name).fill_null(0))
        for name in counts
    ).select(agg.columns)


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
    # A null (a customer without lines, batched) goes through numpy as NaN and back as
    # null: a micro-unit integer divided is never NaN.
    return frame.with_columns(
        pl.Series(
            name, frame.get_column(name).cast(pl.Float64).to_numpy() / MICRO, nan_to_null=True
        )
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

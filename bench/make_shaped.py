"""Generate the shaped datasets of the performance bench (issue 18), fast and in chunks.

    python bench/make_shaped.py DIR --shape pareto --customers 1e6 --transactions 1e7 \
        --formats csv,parquet

Writes ``DIR/csv/`` and/or ``DIR/parquet/``, each a folder segtui reads (Customers,
Products, Transactions; the columns and text formats of ``segtui sample``: dates as
``%Y-%m-%d %H:%M:%S`` text in CSV, typed in Parquet). Two shapes:

- ``uniform``: every transaction's customer drawn uniformly; sequential CustomerIDs and
  TransactionIDs in row (date) order, like an export written in order.
- ``pareto``: Pareto-distributed activity (shape ``PARETO_SHAPE``, roughly 80/20),
  ``NO_TX_SHARE`` of the customers without transactions, CustomerIDs scrambled (not
  sequential, not in row order), TransactionIDs scrambled (distinct, not in row order),
  log-normal order values.

Transactions are generated and written ``CHUNK_ROWS`` at a time, each chunk covering
its slice of the year in date order, so memory stays at one chunk (1e8 rows work).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from segtui.engine.sample import (
    FIRST,
    LAST,
    PERIOD_DAYS,
    PERIOD_START,
    REGIONS,
    generate,
    typed_dates,
)

SHAPES = ("uniform", "pareto")
PARETO_SHAPE = 1.16  # classic 80/20
NO_TX_SHARE = 0.05
CHUNK_ROWS = 10_000_000
# Odd multipliers make i -> i * M mod 2**bits a bijection: distinct, scrambled ids.
_ID_MULT = 0x9E3779B1
_CUSTOMER_MULT = 0x85EBCA6B
SEED = 18


def id_bits(n: int) -> int:
    """Bits of the smallest power of two holding ``n`` ids (at least 8)."""
    return max(8, math.ceil(math.log2(max(n, 2))))


def scrambled(index: np.ndarray, n: int, mult: int) -> np.ndarray:
    """Distinct, unordered numbers for ``index`` in [0, n): a bijection of [0, 2**bits)."""
    mask = (1 << id_bits(n)) - 1
    return ((index.astype(np.uint64) * np.uint64(mult)) + np.uint64(0x5BD1)) & np.uint64(mask)


def id_strings(prefix: str, numbers: np.ndarray, n: int) -> pl.Series:
    """``prefix`` + zero-padded ``numbers``, wide enough for every id of a set of ``n``."""
    width = len(str((1 << id_bits(n)) - 1))
    digits = pl.Series(numbers.astype(np.int64)).cast(pl.String).str.zfill(width)
    return (prefix + digits).rename("id")


def customer_ids(n: int, shape: str) -> pl.Series:
    """The CustomerIDs: sequential for ``uniform``, scrambled for ``pareto``."""
    index = np.arange(n, dtype=np.int64)
    if shape == "uniform":
        return id_strings("C", index + 1, n + 1).rename("CustomerID")
    return id_strings("K", scrambled(index, n, _CUSTOMER_MULT), n).rename("CustomerID")


def transaction_ids(start: int, count: int, total: int, shape: str) -> pl.Series:
    """TransactionIDs of rows ``start``..``start+count`` of ``total``: in row order for
    ``uniform``, scrambled (distinct, not in row order) for ``pareto``."""
    index = np.arange(start, start + count, dtype=np.int64)
    if shape == "uniform":
        return id_strings("T", index + 1, total + 1).rename("TransactionID")
    return id_strings("T", scrambled(index, total, _ID_MULT), total).rename("TransactionID")


def activity(rng: np.random.Generator, n_customers: int, shape: str) -> np.ndarray:
    """Relative purchase rate per customer: equal for ``uniform``; Pareto for ``pareto``,
    zero for a random ``NO_TX_SHARE`` of the customers."""
    if shape == "uniform":
        return np.ones(n_customers)
    weights = rng.pareto(PARETO_SHAPE, n_customers) + 1.0
    weights[rng.random(n_customers) < NO_TX_SHARE] = 0.0
    return weights


def draw_customers(
    rng: np.random.Generator, weights: np.ndarray, count: int, guaranteed: np.ndarray | None
) -> np.ndarray:
    """``count`` customer indices drawn in proportion to ``weights``; the ``guaranteed``
    indices come first, once each (every Pareto buyer buys at least once, so the share
    without transactions stays NO_TX_SHARE instead of every low-rate customer's)."""
    head = guaranteed if guaranteed is not None else np.empty(0, dtype=np.int64)
    head = head[:count]
    cdf = np.cumsum(weights)
    draws = rng.random(count - head.shape[0]) * cdf[-1]
    drawn = np.minimum(np.searchsorted(cdf, draws, side="right"), weights.shape[0] - 1)
    return np.concatenate([head.astype(np.int64), drawn])


def customers_frame(rng: np.random.Generator, ids: pl.Series) -> pl.DataFrame:
    """Customers: id, name, region (unrelated to behaviour), signup before the period."""
    n = ids.len()
    first = pl.Series(FIRST).gather(rng.integers(0, len(FIRST), n))
    last = pl.Series(LAST).gather(rng.integers(0, len(LAST), n))
    signup = np.datetime64(PERIOD_START.date(), "D") - rng.integers(1, 1500, n).astype(
        "timedelta64[D]"
    )
    return pl.DataFrame(
        {
            "CustomerID": ids,
            "CustomerName": first + " " + last,
            "Region": pl.Series(REGIONS).gather(rng.integers(0, len(REGIONS), n)),
            "SignupDate": pl.Series(signup).dt.strftime("%Y-%m-%d"),
        }
    )


def transactions_chunk(
    rng: np.random.Generator,
    customers: np.ndarray,
    ids: pl.Series,
    products: pl.DataFrame,
    first_row: int,
    total: int,
    shape: str,
    span: tuple[float, float],
) -> pl.DataFrame:
    """One chunk of transactions for customer indices ``customers``, dated within
    ``span`` (fractions of the period) and sorted by date."""
    count = customers.shape[0]
    seconds = np.sort(rng.uniform(span[0], span[1], count) * PERIOD_DAYS * 86400).astype("int64")
    when = (np.datetime64(PERIOD_START, "s") + seconds.astype("timedelta64[s]")).astype(
        "datetime64[ms]"
    )
    rng.shuffle(customers)  # date order is not customer order
    pick = rng.integers(0, products.height, count)
    quantity = 1 + rng.poisson(0.8, count)
    if shape == "pareto":
        total_value = np.round(rng.lognormal(3.6, 1.0, count), 2)
        price = np.round(total_value / quantity, 2)
    else:
        price = products.get_column("Price").to_numpy()[pick]
        total_value = np.round(quantity * price, 2)
    return pl.DataFrame(
        {
            "TransactionID": transaction_ids(first_row, count, total, shape),
            "CustomerID": ids.gather(customers),
            "ProductID": products.get_column("ProductID").gather(pick),
            "TransactionDate": pl.Series(when).dt.strftime("%Y-%m-%d %H:%M:%S"),
            "Quantity": quantity,
            "TotalValue": total_value,
            "Price": price,
        }
    )


class _Sink:
    """Writes one table as CSV and/or Parquet, chunk by chunk, renamed into place at the end."""

    def __init__(self, folders: dict[str, Path], name: str) -> None:
        self.paths = {fmt: folder / f"{name}.{fmt}" for fmt, folder in folders.items()}
        self.tmp = {fmt: path.with_suffix(path.suffix + ".tmp") for fmt, path in self.paths.items()}
        self.parquet: pq.ParquetWriter | None = None
        self.csv = open(self.tmp["csv"], "wb") if "csv" in self.tmp else None  # noqa: SIM115
        self.header = True

    def write(self, frame: pl.DataFrame) -> None:
        if self.csv is not None:
            frame.write_csv(self.csv, include_header=self.header)
        self.header = False
        if "parquet" in self.tmp:
            table = typed_dates(frame).to_arrow()
            if self.parquet is None:
                self.parquet = pq.ParquetWriter(self.tmp["parquet"], table.schema)
            self.parquet.write_table(table, row_group_size=1_000_000)

    def close(self) -> None:
        if self.csv is not None:
            self.csv.close()
        if self.parquet is not None:
            self.parquet.close()
        for fmt, tmp in self.tmp.items():
            tmp.replace(self.paths[fmt])


def make(
    folder: Path,
    shape: str,
    n_customers: int,
    n_transactions: int,
    formats: list[str],
    seed: int = SEED,
) -> dict[str, Path]:
    """Write the dataset under ``folder/<fmt>/``; returns the folder of each format."""
    rng = np.random.default_rng(seed)
    folders = {fmt: folder / fmt for fmt in formats}
    for path in folders.values():
        path.mkdir(parents=True, exist_ok=True)
    ids = customer_ids(n_customers, shape)
    weights = activity(rng, n_customers, shape)
    buyers = np.flatnonzero(weights > 0) if shape == "pareto" else None
    if buyers is not None:
        rng.shuffle(buyers)
    products = generate(10, 20, seed=seed).products
    for name, frame in (
        ("Customers", customers_frame(rng, ids)),
        ("Products", products),
    ):
        sink = _Sink(folders, name)
        sink.write(frame)
        sink.close()
    sink = _Sink(folders, "Transactions")
    chunks = max(1, math.ceil(n_transactions / CHUNK_ROWS))
    for c in range(chunks):
        start, stop = c * n_transactions // chunks, (c + 1) * n_transactions // chunks
        # The guaranteed one purchase per buyer is spread over the chunks, in order.
        share = None
        if buyers is not None:
            share = buyers[c * buyers.shape[0] // chunks : (c + 1) * buyers.shape[0] // chunks]
        drawn = draw_customers(rng, weights, stop - start, share)
        span = (c / chunks, (c + 1) / chunks)
        sink.write(
            transactions_chunk(rng, drawn, ids, products, start, n_transactions, shape, span)
        )
        print(f"  chunk {c + 1}/{chunks}", file=sys.stderr, flush=True)
    sink.close()
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--shape", choices=SHAPES, default="pareto")
    parser.add_argument("--customers", type=float, default=1e6)
    parser.add_argument("--transactions", type=float, default=1e7)
    parser.add_argument("--formats", default="csv,parquet")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    started = time.perf_counter()
    formats = [f for f in args.formats.split(",") if f]
    make(args.folder, args.shape, int(args.customers), int(args.transactions), formats, args.seed)
    took = time.perf_counter() - started
    print(f"wrote {args.folder} in {took:.1f} s ({dt.datetime.now():%H:%M})", file=sys.stderr)


if __name__ == "__main__":
    main()

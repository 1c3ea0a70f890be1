"""Generate a 1e8-transaction dataset in bounded memory: 10 chunks of `segtui sample` data.

    python bench/make_huge.py bench/data/parquet_1e8 [--chunks 10] [--csv]

Chunk c is ``generate(1_000_000, 10_000_000, seed=100 + c)`` with CustomerIDs and
TransactionIDs prefixed by c so they stay unique: 10,000,000 customers, 100,000,000
transactions. Transactions are appended chunk by chunk (Parquet row groups), so memory
stays at one chunk's worth (~2 GB). Products come from chunk 0 (prices of the other
chunks' lines differ slightly; no feature uses Products for the default run). ``--csv``
also writes the same data as CSV next to it (streamed from the Parquet files).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from segtui.engine.sample import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--chunks", type=int, default=10)
    parser.add_argument("--chunk-transactions", type=int, default=10_000_000)
    parser.add_argument("--csv", action="store_true", help="also write a CSV copy")
    args = parser.parse_args()
    folder: Path = args.folder
    folder.mkdir(parents=True, exist_ok=True)
    n_tx = args.chunk_transactions
    tx_writer = cust_writer = None
    for c in range(args.chunks):
        print(f"chunk {c + 1}/{args.chunks}", file=sys.stderr, flush=True)
        data = generate(n_tx // 10, n_tx, seed=100 + c)
        prefix = pl.lit(f"C{c}")
        customers = data.customers.with_columns(
            (prefix + pl.col("CustomerID").str.slice(1)).alias("CustomerID")
        )
        transactions = data.transactions.with_columns(
            (prefix + pl.col("CustomerID").str.slice(1)).alias("CustomerID"),
            (pl.lit(f"T{c}") + pl.col("TransactionID").str.slice(1)).alias("TransactionID"),
        )
        if c == 0:
            data.products.write_parquet(folder / "Products.parquet")
        tx_table, cust_table = transactions.to_arrow(), customers.to_arrow()
        if tx_writer is None:
            tx_writer = pq.ParquetWriter(folder / "Transactions.parquet.tmp", tx_table.schema)
            cust_writer = pq.ParquetWriter(folder / "Customers.parquet.tmp", cust_table.schema)
        tx_writer.write_table(tx_table, row_group_size=1_000_000)
        assert cust_writer is not None
        cust_writer.write_table(cust_table)
        del data, customers, transactions, tx_table, cust_table
    assert tx_writer is not None and cust_writer is not None
    tx_writer.close()
    cust_writer.close()
    for name in ("Transactions", "Customers"):
        (folder / f"{name}.parquet.tmp").replace(folder / f"{name}.parquet")
    if args.csv:
        csv_name = folder.name.replace("parquet", "csv")
        csv_folder = folder.with_name(csv_name if csv_name != folder.name else csv_name + "_csv")
        csv_folder.mkdir(parents=True, exist_ok=True)
        for name in ("Customers", "Products", "Transactions"):
            print(f"csv {name}", file=sys.stderr, flush=True)
            pl.scan_parquet(folder / f"{name}.parquet").sink_csv(csv_folder / f"{name}.csv")


if __name__ == "__main__":
    main()

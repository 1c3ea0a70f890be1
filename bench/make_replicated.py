"""Make a 1e8-transaction dataset with 1,000,000 customers by replicating a 1e7 one.

    python bench/make_replicated.py bench/data/parquet_1e7 bench/data/parquet_1e8_1m [--times 10]

Every copy of Transactions gets its TransactionIDs prefixed with the copy number (so they
stay distinct); customers and products are the same. Streamed with ``sink_parquet``, so
memory stays bounded. Complements make_huge.py (10,000,000 customers): this one keeps
the customer count of the 1e7 dataset and grows the transactions per customer.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import polars as pl


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--times", type=int, default=10)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    for name in ("Customers", "Products"):
        shutil.copyfile(args.source / f"{name}.parquet", args.folder / f"{name}.parquet")
    source = pl.scan_parquet(args.source / "Transactions.parquet")
    copies = [
        source.with_columns(
            (pl.lit(f"T{c}") + pl.col("TransactionID").str.slice(1)).alias("TransactionID")
        )
        for c in range(args.times)
    ]
    tmp = args.folder / "Transactions.parquet.tmp"
    pl.concat(copies).sink_parquet(tmp)
    tmp.replace(args.folder / "Transactions.parquet")


if __name__ == "__main__":
    main()

"""A local single log on the Spark engine, read by the Polars engine's own log reader.

Everything a single log needs decided (its columns by name, type and evidence, the date
format, the decimal comma, the cancellation convention, the currency, the returns rule)
is decided on whole columns by ``io/logfile.py``; a second implementation in Spark would
drift from it. So the Polars reader writes the log's canonical lines (with the
``IsReturn``/``IsZeroValue`` marks) to a temporary Parquet file in one streaming pass,
and Spark reads that file: a purchase is then an order or, without an order id, a
customer-day (``io/purchases.py``), as on the Polars engine.

The file is local to the driver, as a folder's tables are (``tables.local_uri``); it is
removed when the process exits.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from segtui.engine.spark.tables import BAD_NUMBERS, SparkTables, local_uri

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_DIRS: list[Path] = []


def _remove_dirs() -> None:
    for folder in _DIRS:
        shutil.rmtree(folder, ignore_errors=True)


atexit.register(_remove_dirs)


def read_log(
    spark: SparkSession, path: Path, mapping: Mapping[str, str], returns: str
) -> SparkTables:
    """Read the single log ``path`` as ``load_log`` does (``mapping``: the single-log
    flags; ``returns``: net or drop). Returns SparkTables whose ``info`` is the Polars
    reader's; raises InputError naming the file, column and row of a bad value."""
    from pyspark.sql import functions as F

    from segtui.engine.io.logfile import load_log
    from segtui.engine.quality.checks import diagnose_failure

    tables = load_log(path, mapping, returns=returns)
    folder = Path(tempfile.mkdtemp(prefix="segtui-spark-log-"))
    _DIRS.append(folder)
    written = {"transactions": tables.transactions}
    if tables.customers is not None:
        written["customers"] = tables.customers
    try:
        for name, frame in written.items():
            frame.sink_parquet(folder / f"{name}.parquet")
    except pl.exceptions.PolarsError as exc:
        raise diagnose_failure(tables, exc) from None
    # A cell that is not a number already stopped the Polars reader above.
    transactions = spark.read.parquet(local_uri(folder / "transactions.parquet"))
    transactions = transactions.withColumns(
        {"TransactionDate": F.col("TransactionDate").cast("timestamp_ntz"), BAD_NUMBERS: F.lit(0)}
    )
    customers = None
    if "customers" in written:
        customers = spark.read.parquet(local_uri(folder / "customers.parquet"))
        if "SignupDate" in customers.columns:
            customers = customers.withColumn(
                "SignupDate", F.col("SignupDate").cast("timestamp_ntz")
            )
    return SparkTables(
        transactions=transactions,
        customers=customers,
        products=None,
        files=tables.files,
        label=tables.label,
        info=tables.info,
    )

"""Feature parity: on the same input the Spark and Polars engines give the same frame."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from segtui.engine.errors import InputError
from segtui.engine.features.compute import compute_features
from segtui.engine.io.sources import load_source
from segtui.engine.spark.reader import spark_pattern

ALL = [
    "total_spend",
    "frequency",
    "avg_transaction_value",
    "total_quantity",
    "avg_quantity",
    "recency_days",
    "tenure_days",
    "distinct_products",
    "distinct_categories",
    "region",
    "category_shares",
]


def spark_table(spark, source, features=ALL, as_of=None):
    from segtui.engine.spark.features import compute_features_spark
    from segtui.engine.spark.reader import read_source

    return compute_features_spark(read_source(spark, source), list(features), as_of).table


def assert_same_features(spark_result, polars_result) -> None:
    """Exact for counts, days, dates and text; 1e-9 relative for money and shares."""
    assert spark_result.features == polars_result.features
    assert spark_result.as_of == polars_result.as_of
    assert spark_result.frame.schema == polars_result.frame.schema
    assert_frame_equal(spark_result.frame, polars_result.frame, check_exact=False, rel_tol=1e-9)
    assert spark_result.data_quality == polars_result.data_quality
    assert spark_result.warnings == polars_result.warnings


def test_engine_modules_do_not_import_pyspark_at_import_time():
    code = (
        "import sys, segtui.engine.spark, segtui.engine.spark.pipeline, "
        "segtui.engine.spark.features, segtui.engine.spark.mllib;"
        "print('pyspark' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_chrono_formats_become_spark_patterns():
    assert spark_pattern("%Y-%m-%d %H:%M:%S") == "yyyy-M-d H:m:s"
    assert spark_pattern("%Y-%m-%dT%H:%M:%S%.f") == "yyyy-M-d'T'H:m:s[.SSSSSSSSS]"
    assert spark_pattern("%d/%m/%Y") == "d/M/yyyy"
    assert spark_pattern("%Y%m%d") == "yyyyMMdd"


def test_spark_features_equal_polars_features_on_the_reference_data(spark, zeotap_dir):
    polars_result = compute_features(load_source(zeotap_dir), ALL)
    assert_same_features(spark_table(spark, zeotap_dir), polars_result)


def test_spark_features_equal_polars_features_on_planted_data_with_an_as_of_date(
    spark, planted_dir
):
    as_of = dt.date(2024, 7, 5)
    polars_result = compute_features(load_source(planted_dir), ALL, as_of)
    spark_result = spark_table(spark, planted_dir, as_of=as_of)
    assert polars_result.data_quality["customers_signed_up_after_as_of"] > 0
    assert_same_features(spark_result, polars_result)


def test_spark_reads_parquet_tables_like_polars(spark, tiny_dir, tmp_path):
    folder = tmp_path / "parquet tables"
    folder.mkdir()
    for name in ("Customers", "Products", "Transactions"):
        pl.read_csv(tiny_dir / f"{name}.csv", infer_schema=False).write_parquet(
            folder / f"{name}.parquet"
        )
    polars_result = compute_features(load_source(folder), ALL)
    assert_same_features(spark_table(spark, folder), polars_result)


def test_a_transactions_file_path_is_read_as_the_transactions_table(spark, tiny_dir, tmp_path):
    only = tmp_path / "only transactions"  # a space: Spark gets a file:// path, not %20
    only.mkdir()
    (only / "Transactions.csv").write_bytes((tiny_dir / "Transactions.csv").read_bytes())
    features = ["total_spend", "frequency", "recency_days", "distinct_products"]
    polars_result = compute_features(load_source(only), features)
    spark_result = spark_table(spark, str(only / "Transactions.csv"), features)
    assert_frame_equal(spark_result.frame, polars_result.frame, check_exact=False, rel_tol=1e-9)


def test_day_first_dates_are_parsed_with_the_detected_format(spark, tmp_path):
    folder = tmp_path / "dayfirst"
    folder.mkdir()
    (folder / "Transactions.csv").write_text(
        "CustomerID,TransactionDate,TotalValue\n"
        "A,25/12/2024 10:00,10.5\nA,03/01/2025 09:00,4.25\nB,31/01/2025 23:59,7\n",
        encoding="utf-8",
    )
    features = ["total_spend", "frequency", "recency_days"]
    spark_result = spark_table(spark, folder, features)
    assert spark_result.as_of == dt.date(2025, 2, 1)
    assert spark_result.frame.get_column("recency_days").to_list() == [29, 1]
    assert_frame_equal(spark_result.frame, compute_features(load_source(folder), features).frame)


def test_a_value_that_is_not_a_number_is_named_with_its_row(spark, tiny_dir: Path):
    path = tiny_dir / "Transactions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",24.0,", ",24x,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        spark_table(spark, tiny_dir, ["total_spend"])
    assert "not a number" in str(info.value)
    assert info.value.row == 3

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


def spark_table(spark, source, features=ALL, as_of=None, returns="net"):
    from segtui.engine.spark.features import compute_features_spark
    from segtui.engine.spark.reader import read_source

    tables = read_source(spark, source, returns)
    return compute_features_spark(tables, list(features), as_of).table


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


def test_a_transactions_file_path_is_read_as_a_single_log_like_polars(spark, tiny_dir, tmp_path):
    only = tmp_path / "only transactions"  # a space: Spark gets a file:// path, not %20
    only.mkdir()
    log = only / "Transactions.csv"
    log.write_bytes((tiny_dir / "Transactions.csv").read_bytes())
    features = ["total_spend", "frequency", "recency_days", "distinct_products"]
    polars_result = compute_features(load_source(log), features)
    spark_result = spark_table(spark, str(log), features)
    assert spark_result.data_quality["purchase_definition"]["unit"] == "order"
    assert_same_features(spark_result, polars_result)


LOG_FEATURES = [
    "total_spend",
    "frequency",
    "avg_transaction_value",
    "total_quantity",
    "avg_quantity",
    "recency_days",
    "distinct_products",
]


def test_a_log_without_an_order_id_counts_customer_days_on_spark(spark, tmp_path):
    log = tmp_path / "grocery.csv"
    log.write_text(
        "customer,date,product,quantity,sales_value\n"
        "A,2024-03-01 09:00,milk,1,1.5\nA,2024-03-01 09:01,bread,2,4.0\n"
        "A,2024-03-01 17:30,eggs,1,3.0\nA,2024-03-04 10:00,milk,1,1.5\n"
        "B,2024-03-02 11:00,tea,3,9.0\nB,2024-03-02 11:00,tea,-2,6.0\n"
        "B,2024-03-05 12:00,bag,0,0.0\nC,2024-03-03 08:00,jam,-1,-2.0\n",
        encoding="utf-8",
    )
    spark_result = spark_table(spark, log, LOG_FEATURES)
    frame = spark_result.frame
    # A: 4 lines on 2 days; B: 1 purchase day (a return, a zero-value line); C: returns only
    assert frame.get_column("frequency").to_list() == [2, 1, 0]
    assert frame.get_column("total_spend").to_list() == [10.0, 3.0, -2.0]
    assert frame.get_column("n_purchase_lines").to_list() == [4, 1, 0]
    assert frame.get_column("n_return_lines").to_list() == [0, 1, 1]
    assert spark_result.data_quality["purchase_definition"]["unit"] == "customer-day"
    assert spark_result.data_quality["customers_with_only_returns"] == 1
    assert_same_features(spark_result, compute_features(load_source(log), LOG_FEATURES))


def test_a_date_typo_a_century_ahead_does_not_set_the_as_of_date_on_spark(spark, tmp_path):
    log = tmp_path / "typo.csv"
    lines = [f"C{i},2024-0{1 + i % 6}-1{i % 9},{10 + i}.5" for i in range(30)]
    log.write_text(
        "customer_id,date,amount\n" + "\n".join(lines) + "\nC3,2124-01-01,5.0\n",
        encoding="utf-8",
    )
    features = ["total_spend", "frequency", "recency_days"]
    spark_result = spark_table(spark, log, features)
    assert spark_result.as_of == dt.date(2024, 6, 19)  # the day after the last 2024 date
    assert spark_result.data_quality["as_of_set_without_far_dates"] is True
    assert spark_result.data_quality["rows_dated_far_after_the_rest"] == 1
    assert_same_features(spark_result, compute_features(load_source(log), features))


def test_a_log_with_cancelled_invoices_reads_as_on_polars(spark, tmp_path):
    log = tmp_path / "retail.csv"
    log.write_text(
        "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
        "536365,A1,2,2024-01-05 10:00,3.0,17850\n536365,A2,1,2024-01-05 10:00,5.0,17850\n"
        "536366,A1,4,2024-01-09 12:00,3.0,17850\nC536367,A1,4,2024-01-10 12:00,3.0,17850\n"
        "536368,B7,10,2024-01-11 08:00,1.25,13047\n",
        encoding="utf-8",
    )
    spark_result = spark_table(spark, log, LOG_FEATURES)
    frame = spark_result.frame
    # 13047: one order; 17850: two orders (536365 has two lines), C536367 cancels 12.0
    assert frame.get_column("CustomerID").to_list() == ["13047", "17850"]
    assert frame.get_column("frequency").to_list() == [1, 2]
    assert frame.get_column("total_spend").to_list() == [12.5, 11.0]
    assert spark_result.data_quality["cancelled_order_prefix"] == "C"
    assert_same_features(spark_result, compute_features(load_source(log), LOG_FEATURES))


@pytest.mark.parametrize("returns", ["net", "drop"])
def test_a_folder_with_returns_and_zero_lines_reads_as_on_polars(spark, tmp_path, returns):
    folder = tmp_path / "returns"
    folder.mkdir()
    (folder / "Transactions.csv").write_text(
        "TransactionID,CustomerID,ProductID,TransactionDate,Quantity,TotalValue\n"
        "T1,A,P1,2024-01-02,2,20\nT2,A,P2,2024-01-05,-1,10\nT3,A,P3,2024-01-07,0,0\n"
        "T4,B,P1,2024-01-03,1,10\nT5,B,P1,2024-01-04,-1,-10\nT6,C,P2,2024-01-06,0,0\n",
        encoding="utf-8",
    )
    features = ["total_spend", "frequency", "total_quantity", "recency_days", "distinct_products"]
    spark_result = spark_table(spark, folder, features, returns=returns)
    frame = spark_result.frame
    # A: T2 is a return (negative quantity, positive amount), T3 a zero-value line;
    # B's return cancels its purchase (a net returner); C has only a zero-value line.
    expected = [10.0, 0.0, 0.0] if returns == "net" else [20.0, 10.0, 0.0]
    assert frame.get_column("total_spend").to_list() == expected
    assert frame.get_column("frequency").to_list() == [1, 1, 0]
    assert frame.get_column("recency_days").to_list() == [2, 1, None]
    assert spark_result.data_quality["return_lines"] == 2
    assert spark_result.data_quality["zero_value_lines"] == 2
    polars_result = compute_features(load_source(folder, returns=returns), features)
    assert_same_features(spark_result, polars_result)


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

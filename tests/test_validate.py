"""``segtui validate``: every planted defect is found, with its row numbers."""

from __future__ import annotations

import json
import textwrap

import pytest
from conftest import TINY_CUSTOMERS, TINY_PRODUCTS, TINY_TRANSACTIONS, write_tables
from typer.testing import CliRunner

from segtui.cli import app
from segtui.engine.quality.validate import validate_source

# Row numbers count data rows: row 1 is the line after the header.
BROKEN_LOG = """
    InvoiceNo,CustomerID,StockCode,InvoiceDate,Quantity,UnitPrice,Amount
    1001,C1,P1,2024-01-05 10:00:00,2,5.0,10.0
    1001,C1,P2,2024-01-05 10:00:00,1,3.0,3.0
    1002,C2,P1,2024-13-45 10:00:00,1,5.0,5.0
    1003,,P1,2024-02-01 10:00:00,1,5.0,5.0
    1004,C3,P1,2024-02-02 10:00:00,-2,5.0,-10.0
    1005,C3,P2,2024-02-03 10:00:00,1,0,0
    1006,C1,P2,2024-02-04 10:00:00,2,3.0,7.5
    1001,C1,P1,2024-01-05 10:00:00,2,5.0,10.0
    1007,C4,P1,2024-02-05 10:00:00,1,5.0,5.0
    1007,C2,P2,2024-02-05 10:00:00,1,3.0,3.0
    1008,C2,P1,2023-01-01 10:00:00,1,5.0,5.0
    1009,C3,P1,2024-03-01 10:00:00,abc,5.0,5.0
    1010,C1,P1,2024-03-02 10:00:00,0,5.0,0
"""
BROKEN_CUSTOMERS = """
    CustomerID;Region;SignupDate
    C1;North;2023-01-01
    C2;South;2023-06-01
    C3;North;2023-01-01
    C5;East;2023-01-01
"""
PLANTED = {
    "unparsable_dates": ("error", [3]),
    "missing_customer_id": ("warning", [4]),
    "negative_Quantity": ("warning", [5]),
    "zero_Price": ("warning", [6]),
    "total_not_quantity_times_price": ("warning", [7]),
    "duplicate_lines": ("warning", [8]),
    "unknown_customers": ("warning", [9]),
    "orders_with_several_customers": ("warning", [9, 10]),
    "transactions_before_signup": ("warning", [11]),
    "not_a_number_Quantity": ("error", [12]),
    "zero_Quantity": ("warning", [13]),
    "customers_without_transactions": ("info", [4]),
}


def write(path, text: str):
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture()
def broken(tmp_path):
    log = write(tmp_path / "orders.csv", BROKEN_LOG)
    customers = write(tmp_path / "clients.csv", BROKEN_CUSTOMERS)
    return log, customers


@pytest.fixture()
def broken_report(broken):
    log, customers = broken
    return validate_source(log, {"customers": str(customers)})


@pytest.mark.parametrize("check", sorted(PLANTED))
def test_each_planted_defect_is_found_with_its_rows(broken_report, check):
    found = {f.check: f for f in broken_report.findings}
    severity, rows = PLANTED[check]
    assert check in found, sorted(found)
    assert found[check].severity == severity
    assert [e["row"] for e in found[check].examples] == rows
    assert found[check].count == len(rows)


def test_nothing_but_the_planted_defects_is_reported(broken_report):
    assert {f.check for f in broken_report.findings} == set(PLANTED)


def test_counts_and_date_range_of_the_broken_log(broken_report):
    assert broken_report.transaction_rows == 13
    assert broken_report.customers_in_transactions == 4  # C1, C2, C3, C4
    assert broken_report.customers_in_customers_table == 4
    assert broken_report.date_range == ("2023-01-01 10:00:00", "2024-03-02 10:00:00")
    assert broken_report.missing[str(broken_report.source)]["CustomerID"] == 1


def test_unparsable_date_example_shows_the_value(broken_report):
    finding = next(f for f in broken_report.findings if f.check == "unparsable_dates")
    assert finding.examples == [{"row": 3, "value": "2024-13-45 10:00:00"}]
    assert finding.column == "InvoiceDate"


def test_validate_exits_2_when_the_source_is_not_usable(broken):
    log, customers = broken
    result = CliRunner().invoke(app, ["validate", str(log), "--customers", str(customers)])
    assert result.exit_code == 2
    assert "row 3: '2024-13-45 10:00:00'" in result.stdout
    assert "NOT usable: 2 errors" in result.stdout


def test_validate_json_is_the_report_and_nothing_else(broken):
    log, customers = broken
    args = ["validate", str(log), "--customers", str(customers), "--json"]
    result = CliRunner().invoke(app, args)
    report = json.loads(result.stdout)
    assert result.exit_code == 2
    assert report["usable"] is False and report["errors"] == 2
    assert report["read_as"]["column_mapping"]["CustomerID"] == "CustomerID"


def test_validate_exits_0_with_warnings_on_the_reference_data(zeotap_dir):
    result = CliRunner().invoke(app, ["validate", str(zeotap_dir), "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    found = {f["check"]: f for f in report["findings"]}
    assert found["transactions_before_signup"]["count"] == 201
    assert found["customers_without_transactions"]["examples"] == [{"row": 180, "value": "C0180"}]
    assert report["transaction_rows"] == 1000 and report["customers_in_customers_table"] == 200


def test_folder_with_a_repeated_transaction_id_and_an_unknown_product(tmp_path):
    transactions = TINY_TRANSACTIONS.replace("T6,C3,P3", "T5,C3,P9")
    folder = write_tables(tmp_path / "t", TINY_CUSTOMERS, TINY_PRODUCTS, transactions)
    found = {f.check: f for f in validate_source(folder).findings}
    assert [e["row"] for e in found["duplicate_transaction_ids"].examples] == [6]
    assert found["unknown_products"].examples == [{"row": 6, "value": "P9"}]


def test_quiet_validate_prints_nothing_and_keeps_the_exit_code(broken):
    log, customers = broken
    args = ["validate", str(log), "--customers", str(customers), "--quiet"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and result.stdout == ""


def test_validate_reads_the_mapping_from_a_config_file(tmp_path):
    log = write(
        tmp_path / "orders.csv",
        """
        Kunde;Datum;Betrag
        00007;05/01/2024;12,5
        00008;06/01/2024;3
        """,
    )
    config = write(
        tmp_path / "segtui.toml",
        """
        [mapping]
        customer_col = "Kunde"
        date_col = "Datum"
        amount_col = "Betrag"
        date_format = "%d/%m/%Y"
        """,
    )
    result = CliRunner().invoke(app, ["validate", str(log), "--config", str(config), "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["date_range"]["first"] == "2024-01-05 00:00:00"
    assert report["customers_in_transactions"] == 2
    assert report["read_as"]["decimal_comma"] is True and report["errors"] == 0


def test_validate_reports_dates_that_read_both_ways(tmp_path):
    log = write(tmp_path / "orders.csv", "Customer,Date,Amount\n1,05/01/2024,3\n2,06/02/2024,4\n")
    found = [f for f in validate_source(log).findings if f.check == "read_warning"]
    assert len(found) == 1 and "ambiguous" in found[0].message


@pytest.mark.parametrize("suffix", [".csv.gz", ".parquet"])
def test_validate_names_rows_in_gzip_and_parquet_logs(tmp_path, suffix):
    import polars as pl

    text = write(tmp_path / "plain.csv", BROKEN_LOG)
    frame = pl.read_csv(text, infer_schema=False)
    path = tmp_path / f"orders{suffix}"
    if suffix == ".parquet":
        frame.write_parquet(path)
    else:
        import gzip

        path.write_bytes(gzip.compress(text.read_bytes()))
    found = {f.check: f for f in validate_source(path).findings}
    assert [e["row"] for e in found["unparsable_dates"].examples] == [3]
    assert [e["row"] for e in found["not_a_number_Quantity"].examples] == [12]

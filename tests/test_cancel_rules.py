"""Cancellations, returns, zero-value lines and decimal separators, each decided on the
whole column of logs these tests build (issue 27: hex ids, numberings that change after
row 2,000, decimal commas that change, returns written with a positive amount)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.engine.errors import InputError
from segtui.engine.features.compute import compute_features
from segtui.engine.io.sources import load_source

runner = CliRunner()
SPEND = ["total_spend", "frequency", "recency_days"]


def _write(path, header, rows):
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


def _by_customer(table):
    return {row["CustomerID"]: row for row in table.frame.iter_rows(named=True)}


def test_hex_order_ids_starting_with_c_are_orders_not_cancellations(tmp_path):
    rows = []
    for i in range(400):
        order = hashlib.md5(str(i).encode()).hexdigest()
        rows.append((order, f"K{i % 40}", f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", 10 + i % 7))
    c_ids = [r for r in rows if r[0].startswith("c")]
    assert len(c_ids) >= 10  # the shape the issue found: ~1/16 of hex ids start with c
    log = _write(tmp_path / "hex.csv", "order_id,customer_id,date,amount", rows)
    table = compute_features(load_source(log), SPEND)
    spend: dict[str, float] = {}
    for _order, customer, _date, amount in rows:
        spend[customer] = spend.get(customer, 0.0) + amount
    got = _by_customer(table)
    assert {c: got[c]["total_spend"] for c in spend} == pytest.approx(spend)
    assert all(got[c]["frequency"] == 10 for c in spend)
    assert table.data_quality["cancelled_order_prefix"] is None
    assert table.data_quality["return_lines"] == 0
    assert not any("negative" in w or "cancel" in w for w in table.warnings)


def _numbering(tmp_path, first: str, later: str, n_first: int = 2000, n_later: int = 3000):
    rows = []
    for i in range(n_first + n_later):
        prefix = first if i < n_first else later
        rows.append((f"{prefix}{i + 1:06d}", f"K{i % 50}", f"2024-{1 + i % 12:02d}-01", 5))
    return _write(tmp_path / "orders.csv", "order,customer,date,amount", rows)


def test_order_numbering_changing_from_o_to_c_after_row_2000_stays_purchases(tmp_path):
    log = _numbering(tmp_path, "O", "C")
    table = compute_features(load_source(log), SPEND)
    frame = table.frame
    assert frame["total_spend"].sum() == pytest.approx(5000 * 5)
    assert frame["frequency"].sum() == 5000
    assert table.data_quality["return_lines"] == 0
    said = [w for w in table.warnings if "C002001" in w]
    assert len(said) == 1 and "row 2001" in said[0] and "'O000001', row 1" in said[0]
    assert "--cancelled-ids on" in said[0]
    assert not any("negative" in w for w in table.warnings)


def test_numbering_changing_from_digits_to_c_partway_stops_naming_the_row(tmp_path):
    log = _numbering(tmp_path, "", "C", n_first=3000, n_later=1000)
    with pytest.raises(InputError) as caught:
        load_source(log)
    text = str(caught.value)
    assert "row 3001" in text and "C003001" in text and "--cancelled-ids" in text


@pytest.mark.parametrize(("mode", "returns"), [("off", 0), ("on", 1000)])
def test_cancelled_ids_setting_decides_a_changing_numbering(tmp_path, mode, returns):
    log = _numbering(tmp_path, "", "C", n_first=3000, n_later=1000)
    table = compute_features(load_source(log, {"cancelled_ids": mode}), SPEND)
    assert table.data_quality["return_lines"] == returns
    assert table.frame["total_spend"].sum() == pytest.approx((3000 + 1000 - 2 * returns) * 5)


def test_online_retail_cancellations_between_numeric_invoices_are_returns(tmp_path):
    rows = [(f"{536000 + i}", f"K{i % 5}", "2024-03-01", 10) for i in range(40)]
    rows.insert(7, ("C536999", "K1", "2024-03-02", 10))  # written positive, still a return
    log = _write(tmp_path / "retail.csv", "InvoiceNo,CustomerID,InvoiceDate,Amount", rows)
    table = compute_features(load_source(log), SPEND)
    k1 = _by_customer(table)["K1"]
    assert k1["total_spend"] == pytest.approx(8 * 10 - 10)
    assert k1["frequency"] == 8
    assert table.data_quality["cancelled_order_prefix"] == "C"
    warning = next(w for w in table.warnings if "return line" in w)
    assert warning.startswith("1 return line of customers") and "negative TotalValue" not in warning


def test_a_few_other_invoices_among_numbers_keep_the_cancellation_rule(tmp_path):
    # Online Retail: three A563185-style bad-debt invoices among 532,000 numeric ones
    rows = [(f"{536000 + i}", f"K{i % 5}", "2024-03-01", 10) for i in range(200)]
    rows.insert(50, ("A563185", "K2", "2024-03-01", 10))
    rows.insert(90, ("C536999", "K1", "2024-03-02", 10))
    log = _write(tmp_path / "retail.csv", "InvoiceNo,CustomerID,InvoiceDate,Amount", rows)
    table = compute_features(load_source(log), SPEND)
    assert table.data_quality["cancelled_order_prefix"] == "C"
    assert "1 ('A563185', row 51), read as orders" in table.data_quality["cancelled_ids_rule"]
    assert _by_customer(table)["K1"]["total_spend"] == pytest.approx(40 * 10 - 10)
    assert _by_customer(table)["K2"]["total_spend"] == pytest.approx(41 * 10)


def test_cancelled_ids_off_reads_online_retail_c_invoices_as_orders(tmp_path):
    rows = [(f"{536000 + i}", "K1", "2024-03-01", 10) for i in range(5)]
    rows.append(("C536999", "K1", "2024-03-02", 10))
    log = _write(tmp_path / "retail.csv", "InvoiceNo,CustomerID,InvoiceDate,Amount", rows)
    table = compute_features(load_source(log, {"cancelled_ids": "off"}), SPEND)
    assert _by_customer(table)["K1"]["total_spend"] == pytest.approx(60)
    assert table.data_quality["cancelled_order_prefix"] is None


def test_a_return_written_with_a_positive_amount_lowers_spend(tmp_path):
    rows = [
        ("1", "K1", "2024-01-05", 1, 100.0),
        ("2", "K1", "2024-02-05", -2, 5000.0),  # quantity -2, amount written positive
        ("3", "K2", "2024-02-05", 3, 30.0),
    ]
    log = _write(tmp_path / "ret.csv", "order,customer,date,quantity,amount", rows)
    table = compute_features(load_source(log), [*SPEND, "total_quantity"])
    k1 = _by_customer(table)["K1"]
    assert k1["total_spend"] == pytest.approx(100.0 - 5000.0)
    assert k1["total_quantity"] == -1
    assert k1["frequency"] == 1
    assert table.as_of.isoformat() == "2024-02-06"
    assert k1["recency_days"] == 32  # the return is not the last purchase
    drop = compute_features(load_source(log, returns="drop"), SPEND)
    assert _by_customer(drop)["K1"]["total_spend"] == pytest.approx(100.0)


def test_return_warning_counts_only_rows_with_a_customer(tmp_path):
    rows = [
        ("1", "K1", "2024-01-05", 100.0),
        ("2", "K1", "2024-01-06", -10.0),
        ("3", "", "2024-01-06", -20.0),
        ("4", "", "2024-01-07", -30.0),
        ("5", "K2", "2024-01-07", 40.0),
    ]
    log = _write(tmp_path / "ret.csv", "order,customer,date,amount", rows)
    table = compute_features(load_source(log), SPEND)
    assert table.data_quality["return_lines"] == 1
    assert table.data_quality["rows_with_negative_value"] == 1
    assert any(w.startswith("1 return line of customers") for w in table.warnings)


def test_zero_value_lines_are_not_purchases(tmp_path):
    rows = [
        ("1", "K1", "2024-01-05", 2, 3.0),
        ("2", "K1", "2024-03-05", 0, 3.0),  # zero quantity: not a purchase
        ("3", "K1", "2024-03-06", 4, 0.0),  # zero price: not a purchase
        ("4", "K2", "2024-03-06", 0, 9.0),  # K2 has nothing else
        ("5", "K3", "2024-03-01", 1, 5.0),
    ]
    log = _write(tmp_path / "zero.csv", "order,customer,date,quantity,price", rows)
    table = compute_features(load_source(log), SPEND)
    got = _by_customer(table)
    assert got["K1"]["frequency"] == 1
    assert got["K1"]["total_spend"] == pytest.approx(6.0)
    assert table.as_of.isoformat() == "2024-03-02"  # the zero-value lines set no date
    assert got["K1"]["recency_days"] == (dt.date(2024, 3, 2) - dt.date(2024, 1, 5)).days
    assert got["K2"]["has_purchases"] is False
    assert table.data_quality["zero_value_lines"] == 3
    assert table.data_quality["customers_with_only_returns"] == 1


def test_decimal_comma_that_changes_to_a_point_after_row_2000_stops_naming_the_row(tmp_path):
    rows = [
        f"K{i % 50};2024-01-{1 + i % 28:02d};{'12,50' if i < 2000 else '12.50'}"
        for i in range(3000)
    ]
    log = tmp_path / "komma.csv"
    log.write_text("Kunde;Datum;Betrag\n" + "\n".join(rows) + "\n")
    mapping = {"customer_col": "Kunde", "date_col": "Datum", "amount_col": "Betrag"}
    with pytest.raises(InputError) as caught:
        load_source(log, mapping)
    text = str(caught.value)
    assert "row 2001" in text and "'12.50'" in text and "'12,50', row 1" in text


def test_decimal_commas_only_after_row_2000_are_still_read_as_decimals(tmp_path):
    rows = [
        f"K{i % 50};2024-01-{1 + i % 28:02d};{'12' if i < 2000 else '0,5'}" for i in range(3000)
    ]
    log = tmp_path / "komma.csv"
    log.write_text("Kunde;Datum;Betrag\n" + "\n".join(rows) + "\n")
    mapping = {"customer_col": "Kunde", "date_col": "Datum", "amount_col": "Betrag"}
    table = compute_features(load_source(log, mapping), SPEND)
    assert table.frame["total_spend"].sum() == pytest.approx(2000 * 12 + 1000 * 0.5)
    assert table.data_quality["decimal_comma"] is True


def test_cancelled_ids_flag_and_settings_key_reach_the_reader(tmp_path):
    log = _numbering(tmp_path, "", "C", n_first=30, n_later=10)
    config = tmp_path / "s.toml"
    config.write_text('[mapping]\ncancelled_ids = "off"\n')
    for args in (["--cancelled-ids", "off"], ["--config", str(config)]):
        result = runner.invoke(app, ["validate", str(log), "--json", *args])
        assert result.exit_code == 0, result.output
        assert '"cancelled_order_prefix": null' in result.output
    bad = runner.invoke(app, ["validate", str(log), "--cancelled-ids", "maybe"])
    assert bad.exit_code == 2


FOLDER_TX = """
    TransactionID,CustomerID,ProductID,TransactionDate,Quantity,TotalValue,Price
    T1,C1,P1,2024-01-05,4,10.0,2.5
    T2,C1,P2,2024-02-10,-2,5000.0,2500
    T3,C2,P2,2024-04-01,3,120.0,40
    T4,C2,P1,2024-04-02,0,0.0,2.5
    T5,C3,P1,2024-04-03,0,0.0,2.5
"""


def _folder(tmp_path):
    from conftest import TINY_CUSTOMERS, TINY_PRODUCTS, write_tables

    return write_tables(tmp_path / "data", TINY_CUSTOMERS, TINY_PRODUCTS, FOLDER_TX)


def test_folder_returns_follow_the_log_rule(tmp_path):
    folder = _folder(tmp_path)
    table = compute_features(load_source(folder), [*SPEND, "total_quantity"])
    got = _by_customer(table)
    assert got["C1"]["total_spend"] == pytest.approx(10.0 - 5000.0)
    assert got["C1"]["total_quantity"] == 4 - 2
    assert got["C1"]["frequency"] == 1
    assert got["C2"]["frequency"] == 1  # T4 is a zero-value line
    assert got["C3"]["has_purchases"] is False
    assert table.data_quality["return_lines"] == 1
    assert table.data_quality["zero_value_lines"] == 2


def test_returns_drop_on_a_folder_drops_its_return_lines(tmp_path):
    folder = _folder(tmp_path)
    net = _by_customer(compute_features(load_source(folder), SPEND))
    drop = _by_customer(compute_features(load_source(folder, returns="drop"), SPEND))
    assert net["C1"]["total_spend"] == pytest.approx(-4990.0)
    assert drop["C1"]["total_spend"] == pytest.approx(10.0)
    assert drop["C1"]["frequency"] == net["C1"]["frequency"] == 1


def test_a_currency_column_with_several_codes_stops_naming_it(tmp_path):
    rows = [(f"{i}", f"K{i % 9}", "2024-02-01", 10, "USD") for i in range(30)]
    rows += [("31", "K1", "2024-02-02", 1500, "JPY"), ("32", "K2", "2024-02-02", 9, "EUR")]
    log = _write(tmp_path / "fx.csv", "order,customer,date,amount,currency", rows)
    result = runner.invoke(app, ["run", str(log), "--k", "2", "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    line = result.output.strip()
    assert "column 'currency'" in line and "row 31" in line
    assert "USD (30 rows), EUR (1 row), JPY (1 row)" in line and "convert" in line
    assert not (tmp_path / "o.csv").exists()


def test_one_currency_is_recorded_and_a_rate_column_is_not_a_currency(tmp_path):
    rows = [(f"{i}", f"K{i % 9}", "2024-02-01", 10, "EUR", 1.0 + i / 10) for i in range(30)]
    log = _write(tmp_path / "fx.csv", "order,customer,date,amount,currency,currency_rate", rows)
    table = compute_features(load_source(log), SPEND)
    assert table.data_quality["currency"] == "EUR"
    assert table.data_quality["currency_column"] == "currency"


def test_a_folder_with_several_currencies_stops_like_a_log(tmp_path):
    from conftest import TINY_CUSTOMERS, TINY_PRODUCTS, write_tables

    folder = write_tables(
        tmp_path / "fx",
        TINY_CUSTOMERS,
        TINY_PRODUCTS,
        """
        TransactionID,CustomerID,ProductID,TransactionDate,Quantity,TotalValue,Price,Currency
        T1,C1,P1,2024-01-05,4,10.0,2.5,EUR
        T2,C2,P2,2024-02-10,1,40.0,40,EUR
        T3,C3,P2,2024-02-11,1,4000.0,4000,JPY
        """,
    )
    with pytest.raises(InputError) as caught:
        load_source(folder)
    text = str(caught.value)
    assert "Transactions.csv" in text and "column 'Currency'" in text and "row 3" in text
    assert "EUR (2 rows), JPY (1 row)" in text


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_no_customer_left_to_segment_is_a_user_error(tmp_path, command):
    # --cancelled-ids on reads the later C... numbering as cancellations of everything
    log = _numbering(tmp_path, "O", "C", n_first=50, n_later=100)  # each: 1 order, 2 C
    argv = [command, str(log), "--cancelled-ids", "on"]
    result = runner.invoke(app, argv + (["--k", "2"] if command == "run" else []))
    assert result.exit_code == 2, result.output
    assert "no customer to segment" in result.stderr and "--cancelled-ids" in result.stderr
    assert "Traceback" not in result.output

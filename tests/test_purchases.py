"""What one purchase is, and which column plays which role, on logs built here.

Each log has the shape of a real export that segtui once misread (issue 27): no order id
with several lines a day, a typed Parquet timestamp, a ``basket_id``, an integer
``AMOUNT`` beside a sales column, a per-order customer id beside a per-person one.
Frequency is compared with an independent count in plain Python.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict

import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.engine.errors import InputError
from segtui.engine.features.compute import compute_features
from segtui.engine.io.sources import load_source
from segtui.engine.output.report import markdown_report
from segtui.engine.quality.validate import validate_source

FEATURES = ["total_spend", "frequency", "avg_transaction_value", "recency_days"]


def grocery_lines(seed: int = 3, households: int = 25, visits: int = 120) -> list[dict]:
    """Visits of several lines each (one line per product, 2-8 lines), some households
    visiting twice on one day (two baskets); every visit has a basket number."""
    rng = random.Random(seed)
    start = dt.datetime(2024, 3, 1, 8, 0)
    lines = []
    for basket in range(1, visits + 1):
        household = f"H{rng.randint(1, households):03d}"
        day = start + dt.timedelta(days=rng.randint(0, 90), hours=rng.randint(0, 10))
        for _ in range(rng.randint(2, 8)):
            quantity = rng.randint(1, 4)
            price = rng.choice([0.99, 1.49, 2.5, 3.75, 12.2])
            lines.append(
                {
                    "household": household,
                    "basket": 5_000 + basket,
                    "when": day,
                    "product": f"P{rng.randint(1, 30)}",
                    "quantity": quantity,
                    "sales": round(quantity * price, 2),
                }
            )
        if basket % 10 == 0:  # a second basket the same day
            lines.append({**lines[-1], "basket": 90_000 + basket, "product": "P99"})
    return lines


def customer_days(lines: list[dict], who: str = "household") -> dict[str, int]:
    days: dict[str, set] = defaultdict(set)
    for line in lines:
        days[line[who]].add(line["when"].date())
    return {k: len(v) for k, v in days.items()}


def baskets(lines: list[dict], who: str = "household") -> dict[str, int]:
    ids: dict[str, set] = defaultdict(set)
    for line in lines:
        ids[line[who]].add(line["basket"])
    return {k: len(v) for k, v in ids.items()}


def frequencies(source, mapping=None) -> dict[str, int]:
    tables = load_source(source, mapping or {})
    frame = compute_features(tables, FEATURES).frame
    return dict(zip(frame["CustomerID"].to_list(), frame["frequency"].to_list(), strict=True))


def test_without_an_order_id_a_purchase_is_a_customer_day(tmp_path):
    lines = grocery_lines()
    log = tmp_path / "grocery.csv"
    pl.DataFrame(
        {
            "household_id": [r["household"] for r in lines],
            "date": [r["when"].strftime("%Y-%m-%d %H:%M") for r in lines],
            "product_id": [r["product"] for r in lines],
            "sales_value": [r["sales"] for r in lines],
        }
    ).write_csv(log)
    expected = customer_days(lines)
    assert len(lines) > 3 * sum(expected.values())  # lines would overcount
    assert frequencies(log) == expected
    tables = load_source(log)
    table = compute_features(tables, FEATURES)
    assert table.data_quality["purchase_definition"]["unit"] == "customer-day"
    spend = defaultdict(float)
    for line in lines:
        spend[line["household"]] += line["sales"]
    frame = table.frame
    for row in frame.iter_rows(named=True):
        assert row["avg_transaction_value"] == pytest.approx(
            spend[row["CustomerID"]] / expected[row["CustomerID"]]
        )


def test_the_header_summary_and_report_state_the_purchase_definition(tmp_path):
    lines = grocery_lines()
    log = tmp_path / "grocery.csv"
    pl.DataFrame(
        {
            "household_id": [r["household"] for r in lines],
            "TRANSACTION_DT": [r["when"].strftime("%d/%m/%Y") for r in lines],
            "sales_value": [r["sales"] for r in lines],
        }
    ).write_csv(log)
    summary = tmp_path / "summary.json"
    result = CliRunner().invoke(
        app, ["run", str(log), "--k", "2", "--summary", str(summary), "-f", "total_spend,frequency"]
    )
    assert result.exit_code == 0, result.output
    assert "Purchases: a purchase is a customer-day" in result.output
    assert "TransactionDate = TRANSACTION_DT (detected)" in result.output
    assert "CustomerID = household_id (detected)" in result.output
    assert "TotalValue = sales_value (detected)" in result.output
    data = json.loads(summary.read_text())
    assert data["purchase_definition"]["unit"] == "customer-day"
    assert "Purchases: a purchase is a customer-day" in markdown_report(data)


def test_a_basket_id_is_the_order_and_frequency_counts_baskets(tmp_path):
    lines = grocery_lines()
    log = tmp_path / "baskets.csv"
    pl.DataFrame(
        {
            "household_id": [r["household"] for r in lines],
            "basket_id": [r["basket"] for r in lines],
            "transaction_timestamp": [r["when"].isoformat(sep=" ") for r in lines],
            "quantity": [r["quantity"] for r in lines],
            "sales_value": [r["sales"] for r in lines],
        }
    ).write_csv(log)
    expected = baskets(lines)
    assert expected != customer_days(lines)  # two baskets on one day somewhere
    assert frequencies(log) == expected
    tables = load_source(log)
    assert tables.files["transactions"].columns["TransactionID"] == "basket_id"
    definition = compute_features(tables, FEATURES).data_quality["purchase_definition"]
    assert definition == {
        "unit": "order",
        "column": "basket_id",
        "text": "a purchase is an order: one distinct basket_id per customer",
    }


def test_a_typed_parquet_timestamp_is_the_date_whatever_its_name(tmp_path):
    lines = grocery_lines()
    log = tmp_path / "typed.parquet"
    pl.DataFrame(
        {
            "household_key": [r["household"] for r in lines],
            "moment": pl.Series([r["when"] for r in lines], dtype=pl.Datetime("ns")),
            "week": [r["when"].isocalendar()[1] for r in lines],
            "sales_value": [r["sales"] for r in lines],
        }
    ).write_parquet(log)
    tables = load_source(log)
    assert tables.files["transactions"].columns["TransactionDate"] == "moment"
    assert tables.files["transactions"].columns["CustomerID"] == "household_key"
    assert frequencies(log) == customer_days(lines)


def test_an_integer_amount_beside_a_sales_column_is_a_quantity_not_money(tmp_path):
    lines = grocery_lines()
    log = tmp_path / "pos.csv"
    pl.DataFrame(
        {
            "CUSTOMER_ID": [r["household"] for r in lines],
            "ORDER_ID": [r["basket"] for r in lines],
            "SALE_DATE": [r["when"].strftime("%Y-%m-%d") for r in lines],
            "AMOUNT": [r["quantity"] for r in lines],
            "SALES_PRICE": [r["sales"] for r in lines],
        }
    ).write_csv(log)
    tables = load_source(log)
    assert tables.files["transactions"].columns["TotalValue"] == "SALES_PRICE"
    reason = tables.info["data_quality"]["column_reasons"]["TotalValue"]
    assert "SALES_PRICE (e.g." in reason and "has decimals" in reason
    assert "AMOUNT (e.g." in reason and "whole numbers" in reason
    table = compute_features(tables, FEATURES)
    spend = defaultdict(float)
    for line in lines:
        spend[line["household"]] += line["sales"]
    got = dict(zip(table.frame["CustomerID"], table.frame["total_spend"], strict=True))
    assert got == pytest.approx(dict(spend))
    # the quantity it really is: a hint where total_quantity is left out
    result = CliRunner().invoke(app, ["run", str(log), "--k", "2"])
    assert result.exit_code == 0, result.output
    assert "but AMOUNT looks like one: give --quantity-col AMOUNT" in " ".join(
        result.output.split()
    )
    assert "TotalValue: SALES_PRICE (e.g." in result.output


def test_two_money_columns_without_evidence_stop_with_both_names(tmp_path):
    log = tmp_path / "two.csv"
    log.write_text(
        "customer,date,amount,sales\nA,2024-01-01,1.5,2.5\nB,2024-01-02,3.25,4.75\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_source(log)
    text = str(caught.value)
    assert "amount (e.g. 1.5, 3.25)" in text and "sales (e.g. 2.5, 4.75)" in text
    assert "--amount-col" in text
    result = CliRunner().invoke(app, ["run", str(log), "--k", "2"])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1


def test_a_per_person_customer_id_wins_over_a_per_order_one(tmp_path):
    """The marketplace shape: ``customer_id`` is new on every order, ``customer_unique_id``
    is the person, who orders several times."""
    rng = random.Random(11)
    rows = []
    for order in range(200):
        person = f"u{rng.randint(1, 60):03d}"
        day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 200))
        for _ in range(rng.randint(1, 3)):
            rows.append((f"o{order:04d}", f"c{order:04d}", person, day, rng.choice([9.9, 25.0])))
    log = tmp_path / "marketplace.csv"
    pl.DataFrame(
        rows,
        schema=["order_id", "customer_id", "customer_unique_id", "order_purchase_date", "price"],
        orient="row",
    ).with_columns(pl.col("order_purchase_date").cast(pl.String)).write_csv(log)
    # no money column but price: the amount is the price (one item per line)
    tables = load_source(log, {"amount_col": "price"})
    assert tables.files["transactions"].columns["CustomerID"] == "customer_unique_id"
    reason = tables.info["data_quality"]["column_reasons"]["CustomerID"]
    assert "customer_id has one purchase per id (200 ids)" in reason
    orders: dict[str, set] = defaultdict(set)
    for order, _, person, _, _ in rows:
        orders[person].add(order)
    assert frequencies(log, {"amount_col": "price"}) == {k: len(v) for k, v in orders.items()}


def test_two_customer_ids_that_both_span_purchases_stop_with_the_flag(tmp_path):
    log = tmp_path / "two_ids.csv"
    log.write_text(
        "order_id,customer_id,user_id,date,total\n"
        "1,A,X,2024-01-01,5.5\n2,A,X,2024-01-02,6.5\n3,B,Y,2024-01-03,7.5\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_source(log)
    assert "customer_id (e.g. A, B) and user_id (e.g. X, Y)" in str(caught.value)
    assert "--customer-col" in str(caught.value)


def test_an_order_id_is_found_by_its_shape_when_its_name_says_nothing(tmp_path):
    lines = grocery_lines()
    log = tmp_path / "beleg.csv"
    pl.DataFrame(
        {
            "Kunde": [r["household"] for r in lines],
            "Beleg": [f"B{r['basket']}" for r in lines],
            "Filiale": [f"S{r['basket'] % 3}" for r in lines],
            "Datum": [r["when"].strftime("%Y-%m-%d %H:%M") for r in lines],
            "Umsatz": [r["sales"] for r in lines],
        }
    ).write_csv(log)
    mapping = {"customer_col": "Kunde", "date_col": "Datum", "amount_col": "Umsatz"}
    tables = load_source(log, mapping)
    assert tables.files["transactions"].columns["TransactionID"] == "Beleg"
    assert "shape of an order id" in tables.info["data_quality"]["column_reasons"]["TransactionID"]
    assert frequencies(log, mapping) == baskets(lines)


def test_a_column_named_like_an_order_but_shared_by_customers_is_not_one(tmp_path):
    lines = grocery_lines()
    log = tmp_path / "shared.csv"
    pl.DataFrame(
        {
            "household_id": [r["household"] for r in lines],
            "ticket": [r["basket"] % 4 for r in lines],  # four values for everyone
            "date": [r["when"].strftime("%Y-%m-%d") for r in lines],
            "sales_value": [r["sales"] for r in lines],
        }
    ).write_csv(log)
    tables = load_source(log)
    assert "TransactionID" not in tables.files["transactions"].columns
    assert any("ticket is named like an order id" in w for w in tables.info["warnings"])
    assert frequencies(log) == customer_days(lines)


def test_the_same_product_twice_in_an_order_is_not_a_duplicate_line(tmp_path):
    """Two lines that differ only in a column the mapping does not read (the line's
    sequence number) are the same item bought twice: counted, and not called identical."""
    log = tmp_path / "items.csv"
    log.write_text(
        "order_id,order_item_id,customer_unique_id,order_purchase_timestamp,product_id,price\n"
        "o1,1,A,2024-01-01 10:00:00,P1,10.5\n"
        "o1,2,A,2024-01-01 10:00:00,P1,10.5\n"
        "o2,1,B,2024-01-02 11:00:00,P2,4.25\n"
        "o2,1,B,2024-01-02 11:00:00,P2,4.25\n",
        encoding="utf-8",
    )
    report = validate_source(log, {"amount_col": "price"})
    duplicates = [f for f in report.findings if f.check == "duplicate_lines"]
    assert [e["row"] for e in duplicates[0].examples] == [4]  # only the truly identical one
    frame = compute_features(load_source(log, {"amount_col": "price"}), FEATURES).frame
    assert frame["total_spend"].to_list() == [21.0, 8.5]


def test_validate_shows_the_mapping_with_sample_values(tmp_path):
    lines = grocery_lines()
    log = tmp_path / "baskets.csv"
    pl.DataFrame(
        {
            "household_id": [r["household"] for r in lines],
            "basket_id": [r["basket"] for r in lines],
            "transaction_timestamp": [r["when"].isoformat(sep=" ") for r in lines],
            "sales_value": [r["sales"] for r in lines],
        }
    ).write_csv(log)
    result = CliRunner().invoke(app, ["validate", str(log)])
    assert result.exit_code == 0, result.output
    first = lines[0]
    row = next(line for line in result.output.splitlines() if line.startswith("CustomerID "))
    assert row.split()[:4] == ["CustomerID", "household_id", "detected", first["household"] + ","]
    assert "Purchases: a purchase is an order: one distinct basket_id" in result.output


def test_a_date_found_by_its_type_says_so(tmp_path):
    lines = grocery_lines()
    log = tmp_path / "typed.parquet"
    pl.DataFrame(
        {
            "household_id": [r["household"] for r in lines],
            "moment": pl.Series([r["when"] for r in lines], dtype=pl.Datetime("us")),
            "sales_value": [r["sales"] for r in lines],
        }
    ).write_parquet(log)
    reasons = load_source(log).info["data_quality"]["column_reasons"]
    assert reasons["TransactionDate"].startswith("moment is a typed Datetime")


def test_a_quantity_named_column_is_hinted_where_total_quantity_is_left_out(tmp_path):
    """The CDNOW shape: customer, date, number_of_cds, dollar_value, no order id."""
    log = tmp_path / "cdnow.csv"
    log.write_text(
        "customer_id,date,number_of_cds,dollar_value\n"
        "00001,19970101,1,11.77\n00002,19970112,1,12.00\n00002,19970112,5,77.00\n"
        "00003,19970102,2,20.76\n00003,19970330,2,20.76\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["run", str(log), "--k", "2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert any(
        "no Quantity column, but number_of_cds looks like one: give --quantity-col "
        "number_of_cds" in w
        for w in data["warnings"]
    )
    assert data["purchase_definition"]["unit"] == "customer-day"
    assert frequencies(log) == {"00001": 1, "00002": 1, "00003": 2}


def test_the_batched_path_counts_purchases_that_span_two_batches(tmp_path, monkeypatch):
    """Above the batching size each batch's distinct counts cannot be added up: a
    customer-day (or an order) whose lines fall in two batches is one purchase."""
    from segtui.engine.features import batches
    from segtui.engine.io import resources

    lines = grocery_lines(seed=8)
    log = tmp_path / "grocery.csv"
    pl.DataFrame(
        {
            "household_id": [r["household"] for r in lines],
            "date": [r["when"].strftime("%Y-%m-%d %H:%M") for r in lines],
            "sales_value": [r["sales"] for r in lines],
        }
    ).write_csv(log)
    monkeypatch.setitem(resources.BATCH_ABOVE_BYTES, "csv", 0)
    monkeypatch.setattr(batches, "BATCH_ROWS", 7)  # visits of 2-8 lines straddle batches
    assert frequencies(log) == customer_days(lines)

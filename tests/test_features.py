"""Every feature against a hand computation on the tiny fixture."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from segtui.engine.errors import InputError, OptionError
from segtui.engine.features.compute import compute_features
from segtui.engine.io.sources import load_source

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


def row(table, customer_id: str) -> dict:
    return table.frame.filter(pl.col("CustomerID") == customer_id).row(0, named=True)


def test_default_as_of_is_the_day_after_the_last_transaction(tiny_dir):
    table = compute_features(load_source(tiny_dir), ["total_spend"])
    assert table.as_of == dt.date(2024, 6, 11)


def test_every_feature_matches_a_hand_computation(tiny_dir):
    table = compute_features(load_source(tiny_dir), ALL)
    c1 = row(table, "C1")
    assert c1["total_spend"] == pytest.approx(74.0)
    assert c1["frequency"] == 3
    assert c1["avg_transaction_value"] == pytest.approx(74.0 / 3)
    assert c1["total_quantity"] == 7
    assert c1["avg_quantity"] == pytest.approx(7 / 3)
    assert c1["recency_days"] == 10  # 2024-06-01 -> 2024-06-11
    assert c1["tenure_days"] == (dt.date(2024, 6, 11) - dt.date(2024, 1, 1)).days
    assert c1["distinct_products"] == 3
    assert c1["distinct_categories"] == 3
    assert c1["region"] == "Europe"
    assert c1["share_office"] == pytest.approx(10 / 74)
    assert c1["share_home_decor"] == pytest.approx(40 / 74)
    assert c1["share_books"] == pytest.approx(24 / 74)
    c3 = row(table, "C3")
    assert (c3["total_spend"], c3["frequency"], c3["distinct_products"]) == (24.0, 2, 1)
    assert c3["recency_days"] == (dt.date(2024, 6, 11) - dt.date(2024, 3, 20)).days
    assert c3["share_books"] == pytest.approx(1.0)
    c4 = row(table, "C4")
    assert c4["recency_days"] == 1  # bought at 23:59:59 the day before the as-of date


def test_customer_without_transactions_is_kept(tiny_dir):
    table = compute_features(load_source(tiny_dir), ALL)
    c5 = row(table, "C5")
    assert c5["has_purchases"] is False
    assert (c5["total_spend"], c5["frequency"], c5["total_quantity"]) == (0.0, 0, 0)
    assert c5["avg_transaction_value"] is None and c5["recency_days"] is None
    assert table.data_quality["customers_without_transactions"] == 1
    assert any("without transactions" in w for w in table.warnings)


def test_identifiers_stay_text(tiny_dir):
    table = compute_features(load_source(tiny_dir), ["total_spend"])
    assert "00006" in table.frame["CustomerID"].to_list()
    assert table.frame.schema["CustomerID"] == pl.String


def test_as_of_drops_later_transactions(tiny_dir):
    table = compute_features(
        load_source(tiny_dir), ["total_spend", "recency_days"], as_of=dt.date(2024, 3, 1)
    )
    c1 = row(table, "C1")
    assert c1["total_spend"] == pytest.approx(50.0)  # T1 + T2 only
    assert c1["recency_days"] == (dt.date(2024, 3, 1) - dt.date(2024, 2, 10)).days
    # C2 signed up 2024-03-15: not yet a customer on 2024-03-01
    assert "C2" not in table.frame["CustomerID"].to_list()
    assert table.data_quality["customers_signed_up_after_as_of"] >= 1


def test_zeotap_bom_is_read_and_all_customers_kept(zeotap_dir):
    table = compute_features(load_source(zeotap_dir), ["total_spend", "frequency", "region"])
    assert table.frame.height == 200
    assert table.frame["frequency"].sum() == 1000
    no_buy = table.frame.filter(~pl.col("has_purchases"))["CustomerID"].to_list()
    assert no_buy == ["C0180"]
    raw = pl.read_csv(zeotap_dir / "Transactions.csv")
    assert table.frame["total_spend"].sum() == pytest.approx(raw["TotalValue"].sum())


def test_unknown_feature_is_an_option_error(tiny_dir):
    with pytest.raises(OptionError, match="unknown feature 'spend'"):
        compute_features(load_source(tiny_dir), ["spend"])


def test_feature_needing_a_missing_column_names_it(tiny_dir):
    (tiny_dir / "Customers.csv").write_text("CustomerID,CustomerName\nC1,Ann\n")
    with pytest.raises(InputError) as info:
        compute_features(load_source(tiny_dir), ["region"])
    assert info.value.column == "Region"

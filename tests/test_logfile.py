"""A single transaction log as SOURCE: mapping, formats, returns, hand computations."""

from __future__ import annotations

import json

import polars as pl
import pytest
from conftest import PRE_SWITCH_FEATURES
from order_logs import (
    RETAIL_NAMES,
    customer_rows,
    hand_features,
    make_lines,
    write_customers,
    write_log,
)
from typer.testing import CliRunner

from segtui.cli import app
from segtui.config import Settings
from segtui.engine.errors import InputError, OptionError
from segtui.engine.features.compute import compute_features
from segtui.engine.io.sources import load_source
from segtui.engine.pipeline import run

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
# Names no alias table knows: everything must come from the mapping flags.
OWN_NAMES = {
    "order": "Beleg",
    "customer": "Kunde",
    "product": "Artikel",
    "category": "Warengruppe",
    "date": "Datum",
    "quantity": "Menge",
    "price": "Einzelpreis",
    "amount": "Betrag",
}
OWN_MAPPING = {
    "order_col": "Beleg",
    "customer_col": "Kunde",
    "product_col": "Artikel",
    "category_col": "Warengruppe",
    "date_col": "Datum",
    "quantity_col": "Menge",
    "price_col": "Einzelpreis",
    "amount_col": "Betrag",
    "date_format": "%d/%m/%Y %H:%M",
}


def assert_matches_hand(table, expected: dict) -> None:
    frame = {row["CustomerID"]: row for row in table.frame.iter_rows(named=True)}
    assert sorted(frame) == sorted(expected)
    checked = [*table.features, "has_purchases"]
    for customer, want in expected.items():
        got = frame[customer]
        for name in checked:
            value = want[name]
            if value is None:
                assert got[name] is None, (customer, name)
            elif isinstance(value, float):
                assert got[name] == pytest.approx(value, abs=1e-9), (customer, name)
            else:
                assert got[name] == value, (customer, name)


@pytest.fixture()
def lines():
    return make_lines()


@pytest.fixture()
def customers_file(tmp_path):
    return write_customers(tmp_path / "clients.csv", customer_rows())


def test_every_feature_from_a_semicolon_log_equals_the_hand_computation(
    tmp_path, lines, customers_file
):
    log = write_log(
        tmp_path / "orders.csv", lines, OWN_NAMES, delimiter=";", date_format="%d/%m/%Y %H:%M"
    )
    mapping = OWN_MAPPING | {"customers": str(customers_file)}
    table = compute_features(load_source(log, mapping), ALL)
    expected, as_of = hand_features(lines, customer_rows())
    assert table.as_of == as_of
    assert_matches_hand(table, expected)


def test_amount_is_quantity_times_price_when_there_is_no_amount_column(tmp_path, lines):
    names = {k: v for k, v in RETAIL_NAMES.items()}
    log = write_log(tmp_path / "retail.csv", lines, names)
    features = [f for f in ALL if f not in ("tenure_days", "region")]
    table = compute_features(load_source(log), features)
    expected, _ = hand_features(lines, amount_from_lines=False)
    assert_matches_hand(table, expected)


def test_common_column_names_are_detected_without_flags(tmp_path, lines):
    log = write_log(tmp_path / "retail.csv", lines, RETAIL_NAMES)
    info = load_source(log).info
    assert info["mapping"] == {
        "CustomerID": "CustomerID",
        "TransactionDate": "InvoiceDate",
        "Quantity": "Quantity",
        "Price": "UnitPrice",
        "TransactionID": "InvoiceNo",
        "ProductID": "StockCode",
        "Category": "Category",
        "TotalValue": "Quantity × Price",
    }


@pytest.mark.parametrize("name", ["orders.csv.gz", "orders.parquet", "orders.tsv"])
def test_gzip_parquet_and_tsv_logs_give_the_same_features_as_csv(tmp_path, lines, name):
    plain = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES)
    other = write_log(
        tmp_path / name, lines, RETAIL_NAMES, delimiter="\t" if name.endswith(".tsv") else ","
    )
    features = ["total_spend", "frequency", "total_quantity", "recency_days", "category_shares"]
    reference = compute_features(load_source(plain), features).frame
    assert compute_features(load_source(other), features).frame.equals(reference)


def test_given_delimiter_overrides_detection(tmp_path, lines):
    log = write_log(tmp_path / "orders.txt", lines, RETAIL_NAMES, delimiter="|")
    table = compute_features(load_source(log, {"delimiter": "|"}), ["total_spend"])
    expected, _ = hand_features(lines, amount_from_lines=False)
    assert table.frame.height == len(expected)


def test_returns_drop_ignores_return_lines(tmp_path, lines):
    log = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES)
    features = ["total_spend", "frequency", "total_quantity", "avg_quantity"]
    table = compute_features(load_source(log, returns="drop"), features)
    expected, _ = hand_features(lines, returns="drop", amount_from_lines=False)
    assert_matches_hand(table, expected)


def test_net_returns_lower_spend_but_not_frequency(tmp_path, lines):
    log = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES)
    net = compute_features(load_source(log), ["total_spend", "frequency"]).frame
    drop = compute_features(load_source(log, returns="drop"), ["total_spend", "frequency"]).frame
    assert (net["frequency"] == drop["frequency"]).all()
    assert net["total_spend"].sum() < drop["total_spend"].sum()


def test_customer_with_only_returns_is_listed_with_segment_minus_one(tmp_path, lines):
    log = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES)
    result = run(Settings(source=log, k=3, features=("total_spend", "frequency")))
    row = result.segments.filter(pl.col("CustomerID") == "00031").row(0, named=True)
    assert (row["segment"], row["segment_name"]) == (-1, "No purchases")
    assert row["total_spend"] == pytest.approx(-PRICE_SKU004)
    assert result.feature_table.data_quality["customers_with_only_returns"] == 1
    assert "00031" not in result.segments.filter(pl.col("segment") >= 0)["CustomerID"].to_list()


PRICE_SKU004 = 1.5 + 3.25 * 4


def test_rows_without_customer_id_are_dropped_and_counted(tmp_path, lines):
    log = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES)
    quality = compute_features(load_source(log), ["total_spend"]).data_quality
    assert quality["rows_without_customer"] == 2
    assert quality["return_lines"] == sum(
        1 for line in lines if line["customer"] and line["quantity"] < 0
    )


def test_identifiers_stay_text_with_leading_zeros(tmp_path, lines):
    log = write_log(tmp_path / "orders.parquet", lines, RETAIL_NAMES)
    ids = compute_features(load_source(log), ["total_spend"]).frame["CustomerID"]
    assert ids.dtype == pl.String and ids[0] == "00001"


def test_zero_price_line_is_kept_in_its_order(tmp_path, lines):
    log = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES)
    tx = load_source(log).transactions.collect()
    zero = tx.filter(pl.col("Price") == 0)
    assert zero.height == 1 and not zero["IsReturn"][0]


def test_customers_file_is_joined_and_adds_customers_without_transactions(
    tmp_path, lines, customers_file
):
    log = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES)
    table = compute_features(
        load_source(log, {"customers": str(customers_file)}), ["total_spend", "tenure_days"]
    )
    never = table.frame.filter(pl.col("CustomerID") == "00099").row(0, named=True)
    assert never["has_purchases"] is False
    assert table.data_quality["customers_without_transactions"] == 1


def test_region_column_in_the_log_gives_each_customer_its_most_frequent_region(tmp_path):
    lines = make_lines(customers=5, orders=20)
    for index, line in enumerate(lines):
        line["region"] = "West" if index % 4 else "East"
    log = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES | {"region": "Country"})
    table = compute_features(load_source(log), ["total_spend", "region"])
    counts: dict[str, dict[str, int]] = {}
    for line in lines:
        if line["customer"]:
            per = counts.setdefault(line["customer"], {})
            per[line["region"]] = per.get(line["region"], 0) + 1
    expected = {c: sorted(per, key=lambda r: (-per[r], r))[0] for c, per in counts.items()}
    assert dict(table.frame.select("CustomerID", "region").iter_rows()) == expected


def test_a_feature_without_its_column_is_a_clear_error(tmp_path, lines):
    log = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES)
    with pytest.raises(InputError, match="tenure_days.*SignupDate"):
        compute_features(load_source(log), ["total_spend", "tenure_days"])


def test_default_features_need_only_what_every_log_has(tmp_path, lines):
    # Since issue 28 the default space is recency, frequency and spend: a log without a
    # customers file (no region) keeps all of it, and no feature is left out.
    log = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES)
    result = run(Settings(source=log, k=3))
    assert result.features == ["recency_days", "frequency", "total_spend"]
    assert not any("left out" in w for w in result.warnings)


def test_the_pre_switch_features_name_the_missing_region(tmp_path, lines):
    log = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES)
    with pytest.raises(InputError, match="[Rr]egion"):
        run(Settings(source=log, k=3, features=PRE_SWITCH_FEATURES))


def test_a_mapped_column_missing_from_the_file_names_flag_and_column(tmp_path, lines):
    log = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES)
    with pytest.raises(InputError, match="Kunde.*--customer-col"):
        load_source(log, {"customer_col": "Kunde"})


def test_a_log_without_amount_or_quantity_and_price_is_refused(tmp_path, lines):
    names = {"customer": "CustomerID", "date": "InvoiceDate", "order": "InvoiceNo"}
    log = write_log(tmp_path / "orders.csv", lines, names)
    with pytest.raises(InputError, match="--amount-col"):
        load_source(log)


def test_mapping_flags_on_a_folder_are_an_option_error(tiny_dir):
    with pytest.raises(OptionError, match="single transaction log"):
        load_source(tiny_dir, {"customer_col": "Kunde"})


def test_c_prefixed_order_ids_are_not_cancellations_when_every_id_has_it(tmp_path, lines):
    for line in lines:
        if line["order"][0] != "C":
            line["order"] = "C" + line["order"]
    log = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES)
    tables = load_source(log)
    assert tables.info["data_quality"]["cancelled_order_prefix"] is None


def test_date_format_that_matches_nothing_names_the_first_value(tmp_path, lines):
    log = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES)
    with pytest.raises(InputError, match="row 1: no date matches --date-format"):
        load_source(log, {"date_format": "%d/%m/%Y"})


def test_unparsable_date_in_a_log_names_its_row_when_running(tmp_path, lines):
    lines[6]["date"] = None
    log = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES)
    text = log.read_text().splitlines()
    text[7] = text[7].replace(",,", ",31/31/2024,")
    log.write_text("\n".join(text) + "\n")
    with pytest.raises(InputError, match="row 7"):
        compute_features(load_source(log), ["total_spend"])


def test_run_prints_the_detected_mapping(tmp_path, lines):
    log = write_log(tmp_path / "orders.csv", lines, RETAIL_NAMES)
    result = CliRunner().invoke(app, ["run", str(log), "--k", "3", "-f", "total_spend,frequency"])
    assert result.exit_code == 0, result.stderr
    assert "TransactionDate = InvoiceDate (detected)" in result.stdout


def test_run_json_on_a_log_carries_mapping_and_data_quality(tmp_path, lines):
    log = write_log(
        tmp_path / "orders.csv", lines, OWN_NAMES, delimiter=";", date_format="%d/%m/%Y %H:%M"
    )
    args = ["run", str(log), "--k", "3", "-f", "total_spend,frequency", "--json"]
    args += [f"--{k.replace('_', '-')}={v}" for k, v in OWN_MAPPING.items()]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["params"]["mapping"]["customer_col"] == "Kunde"
    assert summary["data_quality"]["column_mapping"]["CustomerID"] == "Kunde"
    assert summary["data_quality"]["rows_without_customer"] == 2


def test_semicolon_log_with_decimal_commas_reads_them_as_decimals(tmp_path):
    log = tmp_path / "orders.csv"
    log.write_text(
        "Kunde;Datum;Betrag\n00007;05/01/2024;1.234,50\n00007;06/01/2024;-0,5\n",
        encoding="utf-8",
    )
    mapping = {"customer_col": "Kunde", "date_col": "Datum", "amount_col": "Betrag"}
    table = compute_features(load_source(log, mapping), ["total_spend", "frequency"])
    assert table.frame.row(0, named=True)["total_spend"] == pytest.approx(1234.0)
    assert table.frame.row(0, named=True)["frequency"] == 1


def test_python_api_segments_a_log_with_a_mapping(tmp_path, lines):
    import segtui

    log = write_log(
        tmp_path / "orders.csv", lines, OWN_NAMES, delimiter=";", date_format="%d/%m/%Y %H:%M"
    )
    result = segtui.segment(log, k=3, features="total_spend,frequency", mapping=OWN_MAPPING)
    assert result.n_customers == len(hand_features(lines)[0])


@pytest.mark.parametrize(
    ("name", "message"), [("orders.xlsx", "Save the sheet as CSV"), ("orders.json", "extension")]
)
def test_unsupported_file_formats_are_refused_with_a_hint(tmp_path, name, message):
    path = tmp_path / name
    path.write_bytes(b"PK")
    with pytest.raises(InputError, match=message):
        load_source(path)


def test_dates_that_read_both_day_first_and_month_first_are_flagged(tmp_path):
    log = tmp_path / "orders.csv"
    log.write_text("Customer,Date,Amount\n1,05/01/2024,3\n2,06/02/2024,4\n", encoding="utf-8")
    table = compute_features(load_source(log), ["total_spend"])
    assert table.data_quality["date_format"] == "%d/%m/%Y"
    assert any("ambiguous" in w and "%m/%d/%Y" in w for w in table.warnings)
    assert table.data_quality["date_ambiguous"] is True


def test_a_given_date_format_is_not_second_guessed(tmp_path):
    log = tmp_path / "orders.csv"
    log.write_text("Customer,Date,Amount\n1,05/01/2024,3\n2,06/02/2024,4\n", encoding="utf-8")
    table = compute_features(load_source(log, {"date_format": "%m/%d/%Y"}), ["recency_days"])
    assert table.as_of.isoformat() == "2024-06-03"
    assert not any("ambiguous" in w for w in table.warnings)


def test_bad_number_in_a_decimal_comma_log_names_its_own_row(tmp_path):
    log = tmp_path / "orders.csv"
    log.write_text("Kunde;Datum;Betrag\n1;05/01/2024;3,5\n2;06/01/2024;zwei\n", encoding="utf-8")
    mapping = {"customer_col": "Kunde", "date_col": "Datum", "amount_col": "Betrag"}
    with pytest.raises(InputError, match="row 2: not a number .value: 'zwei'"):
        compute_features(load_source(log, mapping), ["total_spend"])

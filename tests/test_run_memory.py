"""A run's peak memory at 1e7 lines (issue 32, docs/performance.md): the purchase dates
are aggregated without a filter inside the group-by, the id proof and the customers' sort
are made before the group-by, the customers table is sorted once for the run's table and
the inner split's, and the command line asks Polars' allocator to return freed memory
sooner. Each change keeps every figure: checked here against computations made another
way on small tables with returns, zero-value lines, repeated order ids, a customer with
only returns and customers without purchases."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from conftest import TINY_PRODUCTS, write_tables

from segtui.cli import MEMORY_ENV, POLARS_OWN_MALLOC_CONF
from segtui.config import Settings
from segtui.engine.errors import InputError
from segtui.engine.features import compute as compute_module
from segtui.engine.features.aggregations import aggregations
from segtui.engine.features.compute import compute_features
from segtui.engine.features.customers import checked_customers
from segtui.engine.features.inner_pass import kept_lines
from segtui.engine.io.sources import load_source

# Customers out of id order; C5 and C6 never buy; C4 only returns.
CUSTOMERS = """
    CustomerID,CustomerName,Region,SignupDate
    C3,Cy,Europe,2023-12-01
    C1,Ann,Europe,2024-01-01
    C6,Fay,Asia,2024-02-03
    C2,Bob,Asia,2024-03-15
    C5,Ed,Europe,2024-01-10
    C4,Di,Asia,2024-02-01
"""
# T1 has two lines (one order); C1's last line is a return (negative quantity), C2's
# first line has a zero price, C4 has a return only, one line has no customer.
TRANSACTIONS = """
    TransactionID,CustomerID,ProductID,TransactionDate,Quantity,TotalValue,Price
    T1,C1,P1,2024-01-05 10:00:00,4,10.0,2.5
    T1,C1,P2,2024-01-05 10:00:00,1,40.0,40
    T2,C1,P3,2024-06-01 18:00:00,2,24.0,12
    T3,C1,P3,2024-06-20 11:00:00,-1,-12.0,12
    T4,C2,P2,2024-02-01 12:00:00,3,0,0
    T5,C2,P2,2024-04-01 12:00:00,3,120.0,40
    T6,C2,P1,2024-05-02 09:00:00,1,2.5,2.5
    T7,C3,P3,2024-01-20 08:00:00,1,12.0,12
    T8,C4,P1,2024-03-03 15:00:00,-2,-5.0,2.5
    T9,,P1,2024-03-04 15:00:00,1,2.5,2.5
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return write_tables(tmp_path / "shop", CUSTOMERS, TINY_PRODUCTS, TRANSACTIONS)


def _purchase_dates_by_hand(folder: Path) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """First and last purchase per customer from the raw file: a purchase line has a
    positive quantity, amount and price (not a return, not a zero-value line)."""
    raw = pl.read_csv(folder / "Transactions.csv", try_parse_dates=True)
    bought = raw.filter(
        pl.col("CustomerID").is_not_null()
        & (pl.col("Quantity") > 0)
        & (pl.col("TotalValue") > 0)
        & (pl.col("Price") > 0)
    )
    found: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for customer, dates in bought.group_by("CustomerID"):
        found[str(customer[0])] = (dates["TransactionDate"].min(), dates["TransactionDate"].max())
    return found


def test_purchase_dates_leave_out_returns_and_zero_value_lines(shop: Path) -> None:
    frame = compute_features(load_source(shop), Settings.features).frame
    expected = _purchase_dates_by_hand(shop)
    assert set(expected) == {"C1", "C2", "C3"}
    for row in frame.iter_rows(named=True):
        first, last = expected.get(row["CustomerID"], (None, None))
        assert (row["first_purchase"], row["last_purchase"]) == (first, last), row
    # C1: the order T1 of two lines and T2; the return on 2024-06-20 is no purchase, so
    # the as-of date is the day after T2 (2024-06-02).
    c1 = frame.row(by_predicate=pl.col("CustomerID") == "C1", named=True)
    assert (c1["frequency"], c1["recency_days"]) == (2, 1)
    c4 = frame.row(by_predicate=pl.col("CustomerID") == "C4", named=True)
    assert not c4["has_purchases"] and c4["total_spend"] == -5.0


def test_the_fast_path_equals_the_plain_path_with_returns_and_repeated_ids(shop: Path) -> None:
    tables = load_source(shop)
    wanted = [*Settings.features, "avg_transaction_value", "total_quantity", "tenure_days"]
    fast = compute_features(tables, wanted)
    plain = compute_features(tables, wanted, plain=True)
    # (the plain path also counts distinct_products, which the fast one skips unasked)
    shown = ["CustomerID", *wanted, "first_purchase", "last_purchase", "has_purchases"]
    assert fast.frame.select(shown).equals(plain.frame.select(shown))
    assert fast.data_quality == plain.data_quality
    assert not fast.ids_distinct  # T1 repeats: the frequency is a distinct count


def test_the_purchase_date_aggregations_keep_the_group_by_to_one_input(shop: Path) -> None:
    # A filter inside an aggregation made the streaming group-by a second input that held
    # every line's key again: about 200 MB at 1e7 lines (docs/performance.md).
    tables = load_source(shop)
    lines = tables.transactions.filter(pl.col("CustomerID").is_not_null())
    cut = dt.date(2024, 4, 1)
    for keep in (None, kept_lines(cut)):
        aggs = aggregations(tables, [], False, Settings.features, True, micro=True, keep=keep)
        graph = lines.group_by("CustomerID").agg(aggs)
        plan = graph.show_graph(engine="streaming", plan_stage="physical", raw_output=True)
        assert "multiplexer" not in str(plan)
        # ... and gives the figures of a filter over the purchase lines, here in memory
        got = graph.collect().sort("CustomerID")
        if keep is not None:
            got = got.rename(lambda name: name.split(":", 1)[-1]).filter(pl.col("n_lines") > 0)
        purchase = ~(pl.col("IsReturn") | pl.col("IsZeroValue"))
        scope = lines if keep is None else lines.filter(kept_lines(cut))
        expected = (
            scope.group_by("CustomerID")
            .agg(
                pl.col("TransactionDate").filter(purchase).max().alias("last_purchase"),
                pl.col("TransactionDate").filter(purchase).min().alias("first_purchase"),
            )
            .collect()
            .sort("CustomerID")
        )
        assert got.select(expected.columns).equals(expected)


def test_the_id_proof_is_made_before_the_group_by(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After the group-by, the proof's buffers came on top of the memory the group-by had
    # just freed and set the run's peak at 1e7 lines.
    distinct = TRANSACTIONS.replace("T1,C1,P2", "T10,C1,P2")
    folder = write_tables(tmp_path / "distinct", CUSTOMERS, TINY_PRODUCTS, distinct)
    calls: list[str] = []
    proof, collect_all = compute_module.ids_proved_distinct, pl.collect_all

    def record_proof(lines: pl.LazyFrame) -> bool:
        calls.append("proof")
        return proof(lines)

    def record_collect(queries: list[pl.LazyFrame], **kwargs: object) -> list[pl.DataFrame]:
        calls.append("collect")
        return collect_all(queries, **kwargs)  # type: ignore[arg-type]

    tables = load_source(folder)
    monkeypatch.setattr(compute_module, "ids_proved_distinct", record_proof)
    monkeypatch.setattr(pl, "collect_all", record_collect)
    table = compute_features(tables, Settings.features)
    # the customers table, the proof, then the group-by with the line counts
    assert calls == ["collect", "proof", "collect"]
    assert table.ids_distinct
    c1 = table.frame.row(by_predicate=pl.col("CustomerID") == "C1", named=True)
    assert c1["frequency"] == 3  # T1, T10 and T2: every purchase line is an order


def test_customers_are_checked_and_sorted_once_for_both_tables(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from segtui.engine.features import customers as customers_module
    from segtui.engine.features.inner_pass import inner_window

    # distinct ids (T10 for T1's second line): proved, so the inner figures are kept
    distinct = TRANSACTIONS.replace("T1,C1,P2", "T10,C1,P2")
    tables = load_source(write_tables(shop.parent / "distinct", CUSTOMERS, TINY_PRODUCTS, distinct))
    window = inner_window(compute_features(tables, Settings.features))
    assert window is not None
    alone = compute_features(tables, Settings.features, window[0])
    sorts: list[bool] = []
    original = customers_module.checked_customers

    def count(frame: pl.DataFrame, tables: object) -> pl.DataFrame:
        sorts.append(frame.get_column("CustomerID").is_sorted())
        return original(frame, tables)  # type: ignore[arg-type]

    monkeypatch.setattr(customers_module, "checked_customers", count)
    monkeypatch.setattr(compute_module, "checked_customers", count)
    table = compute_features(tables, Settings.features, inner=window)
    assert sorts and all(sorts)  # every check met a table already in id order
    kept = table.inner_pass
    assert kept is not None
    assert kept.table.frame.equals(alone.frame)
    assert table.frame.get_column("CustomerID").to_list() == [f"C{i}" for i in range(1, 7)]


def test_checked_customers_sorts_by_id_and_drops_rows_without_one(shop: Path) -> None:
    tables = load_source(shop)
    read = pl.DataFrame(
        {"CustomerID": ["C3", None, "C1", "C2"], "Region": ["Europe", "Asia", "Asia", None]}
    )
    checked = checked_customers(read, tables)
    assert checked.get_column("CustomerID").to_list() == ["C1", "C2", "C3"]
    assert checked.get_column("Region").to_list() == ["Asia", None, "Europe"]
    assert checked_customers(checked, tables).equals(checked)


def test_a_repeated_customer_id_is_named_by_its_row_in_the_file(tmp_path: Path) -> None:
    # The table is sorted before the group-by; the error still names the file's row.
    repeated = CUSTOMERS.replace("C5,Ed,Europe", "C3,Ed,Europe")
    folder = write_tables(tmp_path / "repeat", repeated, TINY_PRODUCTS, TRANSACTIONS)
    with pytest.raises(InputError) as caught:
        compute_features(load_source(folder), Settings.features)
    text = str(caught.value)
    assert "duplicate CustomerID" in text and "row 5" in text and "C3" in text


def _polars_settings(code: str, env: dict[str, str]) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in MEMORY_ENV}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


SET_THEN_IMPORT = (
    "import os; from segtui.cli import bound_peak_memory; bound_peak_memory(); import polars; "
    "print(os.environ['_RJEM_MALLOC_CONF'], os.environ['POLARS_HOT_TABLE_SIZE'])"
)


def test_the_command_line_bounds_polars_memory_before_polars_is_loaded() -> None:
    allocator, hot_table = _polars_settings(SET_THEN_IMPORT, {})
    # Polars puts its own allocator defaults first and the value found after them: the
    # later one wins.
    assert allocator.endswith("," + MEMORY_ENV["_RJEM_MALLOC_CONF"])
    assert allocator != MEMORY_ENV["_RJEM_MALLOC_CONF"]
    assert hot_table == MEMORY_ENV["POLARS_HOT_TABLE_SIZE"] == str(2**19)


def test_polars_memory_settings_of_the_user_are_kept() -> None:
    mine = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:5000", "POLARS_HOT_TABLE_SIZE": "4096"}
    allocator, hot_table = _polars_settings(SET_THEN_IMPORT, mine)
    assert allocator.endswith(",dirty_decay_ms:5000") and "muzzy_decay_ms:0" not in allocator
    assert hot_table == "4096"


def test_polars_defaults_inherited_from_a_parent_that_imported_polars_are_not_a_choice() -> None:
    # A pipeline or notebook that imported Polars passes Polars' own defaults on to every
    # process it starts; segtui started that way bounds its memory as from a shell.
    parent = _polars_settings("import os, polars; print(os.environ['_RJEM_MALLOC_CONF'])", {})
    assert parent == [POLARS_OWN_MALLOC_CONF]
    allocator, _ = _polars_settings(SET_THEN_IMPORT, {"_RJEM_MALLOC_CONF": parent[0]})
    assert allocator == POLARS_OWN_MALLOC_CONF + "," + MEMORY_ENV["_RJEM_MALLOC_CONF"]


def test_nothing_is_set_once_polars_is_loaded() -> None:
    code = (
        "import os, polars; from segtui.cli import bound_peak_memory; "
        "before = dict(os.environ); bound_peak_memory(); print(dict(os.environ) == before)"
    )
    assert _polars_settings(code, {}) == ["True"]


def test_customers_missing_from_the_customers_table_are_kept_after_the_known_ones(
    tmp_path: Path,
) -> None:
    # The anti join that finds them is skipped only when every customer is known.
    extra = TRANSACTIONS + "    T11,C9,P1,2024-05-05 10:00:00,1,2.5,2.5\n"
    folder = write_tables(tmp_path / "unknown", CUSTOMERS, TINY_PRODUCTS, extra)
    table = compute_features(load_source(folder), Settings.features)
    assert table.frame.get_column("CustomerID").to_list() == [
        *(f"C{i}" for i in range(1, 7)),
        "C9",
    ]
    assert table.data_quality["customers_not_in_customers_table"] == 1
    c9 = table.frame.row(by_predicate=pl.col("CustomerID") == "C9", named=True)
    assert c9["has_purchases"] and c9["Region"] is None and c9["total_spend"] == 2.5
    known = compute_features(
        load_source(write_tables(tmp_path / "known", CUSTOMERS, TINY_PRODUCTS, TRANSACTIONS)),
        Settings.features,
    )
    assert known.data_quality["customers_not_in_customers_table"] == 0

"""The large-input fast paths give the same results as the plain path.

The shortcuts switch on only for large inputs, so these tests lower the thresholds to
small data instead of timing anything (speed is measured in bench/, not here).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from conftest import PRE_SWITCH_FEATURES, TINY_CUSTOMERS, TINY_PRODUCTS, write_tables

from segtui import config
from segtui.config import Settings
from segtui.engine.clustering import kmeans as clustering
from segtui.engine.errors import OptionError
from segtui.engine.features.compute import compute_features
from segtui.engine.features.fastpath import PLAIN_ENV, plain_path
from segtui.engine.io.sources import load_source
from segtui.engine.pipeline import run
from segtui.engine.sample import generate


@pytest.fixture(scope="module")
def planted_5k(tmp_path_factory) -> object:
    folder = tmp_path_factory.mktemp("planted5k")
    generate(5000, 50_000, seed=11, groups=4).write(folder)
    return folder


def test_fast_path_gives_the_same_segments_as_the_plain_path(planted_5k, monkeypatch):
    monkeypatch.setattr(config, "KMEANS_SAMPLE_ABOVE", 1000)
    monkeypatch.setattr(config, "KMEANS_SAMPLE", 1500)
    monkeypatch.setenv(PLAIN_ENV, "1")
    plain = run(Settings(source=planted_5k))
    monkeypatch.setenv(PLAIN_ENV, "0")
    fast = run(Settings(source=planted_5k))
    assert fast.segments.equals(plain.segments)
    assert fast.metrics.inertia == pytest.approx(plain.metrics.inertia, rel=1e-9)


def test_sampled_restarts_are_no_worse_than_full_restarts_by_half_a_percent(monkeypatch):
    rng = np.random.default_rng(5)
    centers = rng.normal(scale=4.0, size=(5, 6))
    X = np.vstack([c + rng.normal(size=(3000, 6)) for c in centers])
    monkeypatch.setattr(config, "KMEANS_SAMPLE_ABOVE", 2000)
    monkeypatch.setattr(config, "KMEANS_SAMPLE", 2000)
    fast = clustering.kmeans(X, 5, seed=42, n_init=10)
    plain = clustering.kmeans(X, 5, seed=42, n_init=10, plain=True)
    assert fast.inertia <= plain.inertia * 1.005


def test_frequency_counts_distinct_ids_when_a_transaction_has_several_lines(tmp_path):
    lines = """
        TransactionID,CustomerID,ProductID,TransactionDate,Quantity,TotalValue,Price
        T1,C1,P1,2024-01-05 10:00:00,4,10.0,2.5
        T1,C1,P2,2024-01-05 10:00:00,1,40.0,40
        T2,C1,P3,2024-06-01 18:00:00,2,24.0,12
        T3,C2,P2,2024-04-01 12:00:00,3,120.0,40
        T4,C3,P3,2024-01-20 08:00:00,1,12.0,12
    """
    folder = write_tables(tmp_path, TINY_CUSTOMERS, TINY_PRODUCTS, lines)
    tables = load_source(folder)
    table = compute_features(tables, Settings.features)
    fast = table.frame
    plain = compute_features(tables, Settings.features, plain=True).frame
    assert fast.filter(pl.col("CustomerID") == "C1")["frequency"].item() == 2
    assert fast.select(Settings.features).equals(plain.select(Settings.features))
    assert not table.ids_distinct  # so the inner split proves its own lines again


def test_unique_ids_give_line_counts_equal_to_the_plain_distinct_count(planted_5k):
    tables = load_source(planted_5k)
    fast = compute_features(tables, Settings.features).frame
    plain = compute_features(tables, Settings.features, plain=True).frame
    assert fast.select(Settings.features).equals(plain.select(Settings.features))


def test_check_k_still_counts_distinct_rows_past_the_prefix():
    X = np.repeat(np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]), 3000, axis=0)
    with pytest.raises(OptionError, match="distinct customer profiles"):
        clustering.check_k(4, X)
    clustering.check_k(3, X)


def test_plain_path_switch_reads_the_environment(monkeypatch):
    monkeypatch.setenv(PLAIN_ENV, "1")
    assert plain_path() is True
    assert plain_path(False) is False
    monkeypatch.delenv(PLAIN_ENV)
    assert plain_path() is False


@pytest.fixture
def tiny_batches(monkeypatch):
    from segtui.engine.features import batches
    from segtui.engine.io import resources

    monkeypatch.setattr(resources, "BATCH_ABOVE_BYTES", {"csv": 0, "parquet": 0})
    monkeypatch.setattr(batches, "BATCH_ROWS", 7000)


def test_batched_aggregation_equals_the_plain_path(planted_5k, tiny_batches):
    tables = load_source(planted_5k)
    wanted = [*PRE_SWITCH_FEATURES, "recency_days", "tenure_days"]
    fast = compute_features(tables, wanted)
    plain = compute_features(tables, wanted, plain=True)
    assert fast.frame.select(wanted).equals(plain.frame.select(wanted))
    assert fast.data_quality == plain.data_quality
    assert fast.as_of == plain.as_of


def test_batched_aggregation_falls_back_when_ids_repeat(tmp_path, tiny_batches):
    lines = """
        TransactionID,CustomerID,ProductID,TransactionDate,Quantity,TotalValue,Price
        T1,C1,P1,2024-01-05 10:00:00,4,10.0,2.5
        T1,C1,P2,2024-01-05 10:00:00,1,40.0,40
        T2,C2,P2,2024-04-01 12:00:00,3,120.0,40
    """
    folder = write_tables(tmp_path, TINY_CUSTOMERS, TINY_PRODUCTS, lines)
    frame = compute_features(load_source(folder), Settings.features).frame
    assert frame.filter(pl.col("CustomerID") == "C1")["frequency"].item() == 1


def _shuffled_copy(source, target, *, repeat_ids: bool = False):
    """``source`` with its transactions in random order (id ranges of batches overlap);
    ``repeat_ids`` gives the last 10 lines the ids of the first 10 (far apart, so no
    batch sees both copies)."""
    import shutil

    target.mkdir()
    for name in ("Customers.csv", "Products.csv"):
        shutil.copyfile(source / name, target / name)
    tx = pl.read_csv(source / "Transactions.csv", infer_schema_length=0)
    tx = tx.sample(fraction=1.0, shuffle=True, seed=3)
    if repeat_ids:
        ids = tx.get_column("TransactionID").to_list()
        ids[-10:] = ids[:10]
        tx = tx.with_columns(pl.Series("TransactionID", ids))
    tx.write_csv(target / "Transactions.csv")
    return target


@pytest.mark.parametrize(
    ("hash_sort_rows", "check"), [(10**9, "distinct_hashes"), (0, "distinct_in_buckets")]
)
def test_batched_check_proves_shuffled_ids_distinct(
    planted_5k, tiny_batches, tmp_path, monkeypatch, hash_sort_rows, check
):
    from segtui.engine.features import batches

    monkeypatch.setattr(batches, "HASH_SORT_ROWS", hash_sort_rows)
    folder = _shuffled_copy(planted_5k, tmp_path / "shuffled")
    results = []
    real = getattr(batches, check)

    def checked(arg):
        results.append(real(arg))
        return results[-1]

    monkeypatch.setattr(batches, check, checked)
    tables = load_source(folder)
    wanted = [*PRE_SWITCH_FEATURES, "recency_days"]
    fast = compute_features(tables, wanted)
    # overlapping id ranges trigger the check (sorted hashes up to HASH_SORT_ROWS rows,
    # bucketed passes beyond), which proves the ids distinct
    assert results == [True]
    plain = compute_features(tables, wanted, plain=True)
    assert fast.frame.select(wanted).equals(plain.frame.select(wanted))


def test_batched_check_catches_ids_repeated_across_batches(planted_5k, tiny_batches, tmp_path):
    from segtui.engine.features import batches

    folder = _shuffled_copy(planted_5k, tmp_path / "repeated", repeat_ids=True)
    tables = load_source(folder)
    assert batches.distinct_in_buckets(tables.transactions) is False
    hashes = tables.transactions.select(pl.col("TransactionID").hash(seed=0)).collect()
    assert batches.distinct_hashes([hashes.to_series().to_numpy()]) is False
    fast = compute_features(tables, Settings.features)
    plain = compute_features(tables, Settings.features, plain=True)
    # the batched path gives up (ids repeat) and the exact path agrees with the plain one
    assert fast.frame.get_column("frequency").sum() == plain.frame.get_column("frequency").sum()
    assert fast.frame.select(Settings.features).equals(plain.frame.select(Settings.features))


def test_disjoint_id_ranges():
    from segtui.engine.features.batches import disjoint

    assert disjoint([("T3", "T4"), ("T1", "T2")])
    assert not disjoint([("T1", "T3"), ("T2", "T4")])
    assert not disjoint([("T1", "T2"), ("T2", "T3")])  # a shared boundary id
    assert disjoint([])


def test_batched_aggregation_keeps_customers_missing_from_the_table(
    planted_5k, tiny_batches, batched_used, tmp_path
):
    # Ids the customers table lacks are merged apart from the dense arrays; a customer of
    # the table without transactions stays out of the aggregation (joined later).
    import shutil

    folder = tmp_path / "unknown"
    folder.mkdir()
    shutil.copyfile(planted_5k / "Products.csv", folder / "Products.csv")
    customers = pl.read_csv(planted_5k / "Customers.csv", infer_schema_length=0)
    customers.filter(~pl.col("CustomerID").is_in(["C0001", "C0002"])).write_csv(
        folder / "Customers.csv"
    )
    tx = pl.read_csv(planted_5k / "Transactions.csv", infer_schema_length=0)
    assert tx.filter(pl.col("CustomerID").is_in(["C0001", "C0002"])).height > 2
    tx.write_csv(folder / "Transactions.csv")
    tables = load_source(folder)
    wanted = [*PRE_SWITCH_FEATURES, "recency_days", "tenure_days"]
    fast = compute_features(tables, wanted)
    plain = compute_features(tables, wanted, plain=True)
    assert fast.frame.select("CustomerID", *wanted).equals(
        plain.frame.select("CustomerID", *wanted)
    )
    assert fast.data_quality["customers_not_in_customers_table"] == 2
    assert batched_used == [True]


def test_batched_aggregation_of_a_single_log_equals_the_plain_path(
    tmp_path, tiny_batches, batched_used
):
    # No customers table: every customer is merged by re-aggregation, still exact.
    rng = np.random.default_rng(5)
    n = 30_000
    ids = rng.permutation(n)
    log = pl.DataFrame(
        {
            "TransactionID": [f"T{i:06d}" for i in ids],
            "CustomerID": [f"C{c:04d}" for c in rng.pareto(1.1, n).astype(int) % 3000],
            "TransactionDate": [
                f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} 10:00:00" for i in range(n)
            ],
            "TotalValue": np.round(rng.lognormal(3, 1.3, n), 2),
        }
    )
    path = tmp_path / "orders.csv"
    log.write_csv(path)
    tables = load_source(path)
    wanted = ["total_spend", "frequency", "avg_transaction_value", "recency_days"]
    fast = compute_features(tables, wanted)
    plain = compute_features(tables, wanted, plain=True)
    assert fast.frame.select("CustomerID", *wanted).equals(
        plain.frame.select("CustomerID", *wanted)
    )
    assert batched_used == [True]


def test_batched_aggregation_with_a_header_only_customers_table(
    planted_5k, tiny_batches, batched_used, tmp_path
):
    # No ids to index the arrays: every customer takes the slow merge, still exact.
    import shutil

    folder = tmp_path / "no_customers"
    folder.mkdir()
    for name in ("Products.csv", "Transactions.csv"):
        shutil.copyfile(planted_5k / name, folder / name)
    header = (planted_5k / "Customers.csv").read_text().splitlines()[0]
    (folder / "Customers.csv").write_text(header + "\n")
    tables = load_source(folder)
    wanted = ["total_spend", "frequency", "recency_days"]
    fast = compute_features(tables, wanted)
    plain = compute_features(tables, wanted, plain=True)
    assert fast.frame.height > 1000
    assert fast.frame.select("CustomerID", *wanted).equals(
        plain.frame.select("CustomerID", *wanted)
    )
    assert batched_used == [True]

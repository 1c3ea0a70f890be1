"""Shared fixtures: the real Zeotap files, a hand-checkable tiny dataset, planted data."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from slow_twins import mark_slow_twins

# The suite runs as two xdist workers on two cores; each worker's Polars pool of two
# threads only fought the other worker for them (the fast suite took 3:08 with the pools,
# 2:42 without, idle). Set before any test imports Polars; an explicit setting wins, and
# tests about thread counts set their own (test_pipeline.py).
os.environ.setdefault("POLARS_MAX_THREADS", "1")

# The reference assignment's public files, vendored so a fresh clone tests itself (see
# tests/data/reference/README.md for their origin).
ZEOTAP = Path(__file__).resolve().parent / "data" / "reference"

# segtui's default before issue 28 switched it to recency, frequency and spend with
# --k auto (docs/backtest-measurements.md). Tests about mechanics other than the default
# (region weighting, model files, snapshots of the look, ...) pin these settings, so they
# keep testing what they were written for; tests about the default use the new one.
PRE_SWITCH_FEATURES = (
    "total_spend",
    "avg_transaction_value",
    "frequency",
    "total_quantity",
    "region",
)
PRE_SWITCH: dict[str, object] = {"k": 4, "features": PRE_SWITCH_FEATURES}
PRE_SWITCH_FLAGS = ["--k", "4", "--features", ",".join(PRE_SWITCH_FEATURES)]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks the slow twins (tests/slow_twins.py) before ``-m`` selects the suite."""
    mark_slow_twins(items)


@pytest.fixture(scope="session")
def zeotap_dir() -> Path:
    """The reference assignment's three CSV files (UTF-8 with BOM)."""
    return ZEOTAP


def write_tables(folder: Path, customers: str, products: str, transactions: str) -> Path:
    """Write three small CSV tables (dedented) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (
        ("Customers.csv", customers),
        ("Products.csv", products),
        ("Transactions.csv", transactions),
    ):
        (folder / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return folder


TINY_CUSTOMERS = """
    CustomerID,CustomerName,Region,SignupDate
    C1,Ann,Europe,2024-01-01
    C2,Bob,Asia,2024-03-15
    C3,Cy,Europe,2023-12-01
    C4,Di,Asia,2024-02-01
    C5,Ed,Europe,2024-01-10
    00006,Zero Padded,Asia,2024-01-05
"""
TINY_PRODUCTS = """
    ProductID,ProductName,Category,Price
    P1,Pen,Office,2.5
    P2,Lamp,Home Decor,40
    P3,Book,Books,12
"""
# C5 never buys. As-of default: 2024-06-11 (day after the last transaction).
TINY_TRANSACTIONS = """
    TransactionID,CustomerID,ProductID,TransactionDate,Quantity,TotalValue,Price
    T1,C1,P1,2024-01-05 10:00:00,4,10.0,2.5
    T2,C1,P2,2024-02-10 09:30:00,1,40.0,40
    T3,C1,P3,2024-06-01 18:00:00,2,24.0,12
    T4,C2,P2,2024-04-01 12:00:00,3,120.0,40
    T5,C3,P3,2024-01-20 08:00:00,1,12.0,12
    T6,C3,P3,2024-03-20 08:00:00,1,12.0,12
    T7,C4,P1,2024-06-10 23:59:59,10,25.0,2.5
    T8,00006,P2,2024-05-05 05:05:05,1,40.0,40
"""


@pytest.fixture()
def tiny_dir(tmp_path: Path) -> Path:
    """Six customers (one without purchases, one with a zero-padded id), 8 transactions."""
    return write_tables(tmp_path / "tiny", TINY_CUSTOMERS, TINY_PRODUCTS, TINY_TRANSACTIONS)


@pytest.fixture(scope="session")
def planted_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated data with 4 planted groups (1,000 customers, 10,000 transactions)."""
    from segtui.engine.sample import generate

    folder = tmp_path_factory.mktemp("planted")
    generate(1000, 10_000, seed=7, groups=4).write(folder)
    return folder

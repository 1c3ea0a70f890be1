"""Shared fixtures: the real Zeotap files, a hand-checkable tiny dataset, planted data."""

from __future__ import annotations

import gc
import os
import sys
import textwrap
from pathlib import Path

import pytest
from slow_twins import mark_slow_twins

# The suite runs as two xdist workers on two cores; each worker's Polars pool of two
# threads only fought the other worker for them (the fast suite took 3:08 with the pools,
# 2:42 without, idle). Set before any test imports Polars; an explicit setting wins, and
# tests about thread counts set their own (test_pipeline.py).
os.environ.setdefault("POLARS_MAX_THREADS", "1")

# The cyclic garbage collector took a fifth of the suite's CPU (measured with gc.callbacks
# on 300 tests: 10.7 of 62 CPU seconds, 8.4 of them in full collections of 0.2-0.4 s
# each). A full collection walks every object in the process, and a worker holds a few
# million that live until it exits: the modules of scikit-learn, SciPy, Polars, Textual
# and the collected test items. So (1) young collections run after 5,000 net allocations
# instead of 700, which leaves fewer of them and fewer full ones, and (2) once a test has
# imported new modules, the survivors of one collection are frozen (gc.freeze: kept, never
# walked again), so later full collections walk only what tests made since. Garbage is
# still collected; with both the same 300 tests spent 3.9 s in the collector, not 10.7.
gc.set_threshold(5_000, 20, 10)
_modules_when_frozen = 0


def _freeze_what_imports_left() -> None:
    """Collect, then freeze the survivors, once 50 more modules are loaded."""
    global _modules_when_frozen
    if len(sys.modules) - _modules_when_frozen >= 50:
        gc.collect()
        gc.freeze()
        _modules_when_frozen = len(sys.modules)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    """After each test (its fixtures torn down), freeze what new imports left."""
    try:
        return (yield)
    finally:
        _freeze_what_imports_left()


# Property tests (Hypothesis) run a third of their examples in the default suite (their
# ~10 CPU seconds were 3% of it); CI's last step runs them again with SEGTUI_THOROUGH=1,
# which gives each its full count. The default suite still meets every test's property.
THOROUGH = os.environ.get("SEGTUI_THOROUGH", "").strip() not in ("", "0")


def examples(thorough: int) -> int:
    """A property test's ``max_examples``: ``thorough`` with SEGTUI_THOROUGH=1, else a third
    (at least 25)."""
    return thorough if THOROUGH else max(thorough // 3, 25)


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


@pytest.fixture
def batched_used(monkeypatch):
    """Records whether each compute_features call took the batched path (a non-None
    result) rather than falling back to the one-shot aggregation."""
    from segtui.engine.features import compute

    used: list[bool] = []
    real = compute.aggregate_in_batches

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        used.append(result is not None)
        return result

    monkeypatch.setattr(compute, "aggregate_in_batches", spy)
    return used

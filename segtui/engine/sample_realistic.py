"""``segtui sample --profile realistic``: synthetic data shaped like a real retail export.

The planted profile (:mod:`segtui.engine.sample`) has well-separated groups; real logs do
not. This profile has what made real exports hard to segment, and writes the truth beside
the tables (``truth.csv``: CustomerID, cohort) so tests can check what segtui makes of it:

* heavy-tailed spend: order values log-normal, customers' order counts Pareto-distributed;
* many one-timers (``one_timer``: a single order) and customers without transactions
  (``no_purchases``);
* lapsed cohorts (``lapsed``: repeat buyers whose orders all fall in the first 40% of the
  period), beside ``regular`` repeat buyers active until the end;
* a few extreme buyers (``extreme``: ~0.1%, wholesale-like, tens of times the orders and
  the order value of a regular);
* a region mix unrelated to behaviour (drawn independently of the cohort);
* shuffled, non-sequential customer ids.

Transaction counts follow from the cohorts (about three per customer).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from segtui.engine.errors import OptionError
from segtui.engine.sample import CATEGORIES, FIRST, LAST, SampleData

COHORTS: dict[str, float] = {
    "no_purchases": 0.05,
    "one_timer": 0.40,
    "lapsed": 0.20,
    "regular": 0.349,
    "extreme": 0.001,
}
REGION_MIX: dict[str, float] = {
    "Europe": 0.45,
    "North America": 0.30,
    "Asia": 0.17,
    "South America": 0.08,
}
PERIOD_START = dt.datetime(2023, 1, 1)
PERIOD_DAYS = 730
LAPSED_SPAN = 0.4  # lapsed customers buy only in this leading share of the period
PARETO_SHAPE = 1.3  # orders of regular buyers: 1 + Pareto(shape), a heavy tail
N_PRODUCTS = 300


def generate_realistic(n_customers: int = 10_000, *, seed: int = 7) -> SampleData:
    """Generate the realistic dataset; ``SampleData.truth`` holds each customer's cohort.

    Returns exactly ``n_customers`` customers (at least 20, so every cohort is present).
    """
    if n_customers < 20:
        raise OptionError(f"the realistic profile needs at least 20 customers (got {n_customers})")
    rng = np.random.default_rng(seed)
    cohort = _cohorts(rng, n_customers)
    orders = _order_counts(rng, cohort)
    products = _products(rng)
    ids = _shuffled_ids(rng, n_customers)
    customers = _customers(rng, ids)
    transactions = _transactions(rng, cohort, orders, ids, products)
    truth = pl.DataFrame({"CustomerID": ids, "cohort": np.array(list(COHORTS))[cohort]})
    return SampleData(
        customers=customers, products=products, transactions=transactions, truth=truth
    )


def _cohorts(rng: np.random.Generator, n: int) -> np.ndarray:
    names = list(COHORTS)
    weights = np.array(list(COHORTS.values()))
    cohort = rng.choice(len(names), size=n, p=weights / weights.sum())
    cohort[: len(names)] = np.arange(len(names))  # every cohort present, even when tiny
    return rng.permutation(cohort)


def _order_counts(rng: np.random.Generator, cohort: np.ndarray) -> np.ndarray:
    names = list(COHORTS)
    n = cohort.shape[0]
    orders = np.zeros(n, dtype=np.int64)
    pareto = 1 + np.floor(rng.pareto(PARETO_SHAPE, n) * 2).astype(np.int64)
    orders[cohort == names.index("one_timer")] = 1
    lapsed = cohort == names.index("lapsed")
    orders[lapsed] = 2 + rng.poisson(1.5, int(lapsed.sum()))
    regular = cohort == names.index("regular")
    orders[regular] = 1 + np.minimum(pareto[regular], 400)
    extreme = cohort == names.index("extreme")
    orders[extreme] = rng.integers(150, 600, int(extreme.sum()))
    return orders


def _products(rng: np.random.Generator) -> pl.DataFrame:
    prices = np.round(np.exp(rng.normal(2.3, 0.9, N_PRODUCTS)), 2) + 0.5
    return pl.DataFrame(
        {
            "ProductID": [f"SKU{i:04d}" for i in range(N_PRODUCTS)],
            "ProductName": [
                f"{CATEGORIES[i % len(CATEGORIES)]} item {i}" for i in range(N_PRODUCTS)
            ],
            "Category": [CATEGORIES[i % len(CATEGORIES)] for i in range(N_PRODUCTS)],
            "Price": prices,
        }
    )


def _shuffled_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique 7-digit ids in random order (real exports are neither dense nor sorted)."""
    numbers = rng.choice(9_000_000, size=n, replace=False) + 1_000_000
    return np.char.add("C", numbers.astype(str))


def _customers(rng: np.random.Generator, ids: np.ndarray) -> pl.DataFrame:
    n = ids.shape[0]
    regions = np.array(list(REGION_MIX))
    weights = np.array(list(REGION_MIX.values()))
    first = np.array(FIRST)[rng.integers(0, len(FIRST), n)]
    last = np.array(LAST)[rng.integers(0, len(LAST), n)]
    signup = np.datetime64(PERIOD_START.date(), "D") - rng.integers(0, 900, n).astype(
        "timedelta64[D]"
    )
    return pl.DataFrame(
        {
            "CustomerID": ids,
            "CustomerName": np.char.add(np.char.add(first, " "), last),
            # Independent of the cohort: a good segmentation must not follow it.
            "Region": regions[rng.choice(len(regions), size=n, p=weights)],
            "SignupDate": pl.Series(signup).dt.strftime("%Y-%m-%d"),
        }
    )


def _transactions(
    rng: np.random.Generator,
    cohort: np.ndarray,
    orders: np.ndarray,
    ids: np.ndarray,
    products: pl.DataFrame,
) -> pl.DataFrame:
    names = list(COHORTS)
    n = cohort.shape[0]
    customer = np.repeat(np.arange(n), orders)
    m = customer.shape[0]
    # Each customer has a typical basket (log-normal around ~35), each order varies around it.
    basket = np.exp(rng.normal(3.5, 0.7, n))
    basket[cohort == names.index("extreme")] *= 25
    value = basket[customer] * np.exp(rng.normal(0.0, 0.5, m))
    product = rng.integers(0, N_PRODUCTS, m)
    price = products.get_column("Price").to_numpy()[product]
    quantity = np.maximum(1, np.round(value / price)).astype(np.int64)
    # When: lapsed customers only early on; regulars from a personal start to the end.
    start = np.asarray(rng.uniform(0, PERIOD_DAYS * 0.9, n), dtype=np.float64)
    span = PERIOD_DAYS - start
    lapsed = cohort == names.index("lapsed")
    start[lapsed] = 0.0
    span[lapsed] = PERIOD_DAYS * LAPSED_SPAN
    one = cohort == names.index("one_timer")
    start[one], span[one] = 0.0, PERIOD_DAYS
    offset = start[customer] + rng.uniform(0, 1, m) * span[customer]
    seconds = np.floor(offset * 86400).astype("int64")
    when = np.datetime64(PERIOD_START, "s") + seconds.astype("timedelta64[s]")
    frame = pl.DataFrame(
        {
            "CustomerID": ids[customer],
            "ProductID": products.get_column("ProductID").to_numpy()[product],
            "TransactionDate": when.astype("datetime64[ms]"),
            "Quantity": quantity,
            "TotalValue": np.round(quantity * price, 2),
            "Price": price,
        }
    ).sort("TransactionDate", "CustomerID", maintain_order=True)
    width = max(6, len(str(m)))
    return frame.with_columns(
        (pl.lit("T") + pl.int_range(1, m + 1).cast(pl.String).str.zfill(width)).alias(
            "TransactionID"
        ),
        pl.col("TransactionDate").dt.strftime("%Y-%m-%d %H:%M:%S"),
    ).select(
        "TransactionID",
        "CustomerID",
        "ProductID",
        "TransactionDate",
        "Quantity",
        "TotalValue",
        "Price",
    )

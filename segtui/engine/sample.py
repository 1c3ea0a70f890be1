"""Deterministic synthetic data in the three-table layout, with planted behavioural groups.

The groups differ in how often customers buy, which price tier they buy from, how many
units per line and how recently; region is drawn independently of the group, so a good
segmentation recovers the groups and not the regions. Quirks a real export has are
planted too: one customer without transactions, a heavy-tailed spend distribution
(log-normal purchase rates), and a few purchases dated before the customer's signup.
The true group of every customer is written to Customers' ``PlantedGroup`` column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from segtui.engine.errors import OptionError

if TYPE_CHECKING:
    from segtui.engine.output.plan import OutputPlan


@dataclass(frozen=True)
class PlantedGroup:
    """One planted behaviour: relative purchase rate, price tier, units per line, recency."""

    name: str
    weight: float  # share of customers (relative)
    rate: float  # purchases relative to the average customer
    tier: str  # budget | mid | premium
    quantity: float  # mean units per line
    lapsed: bool  # buys only in the first third of the period


GROUPS: tuple[PlantedGroup, ...] = (
    PlantedGroup("VIP regulars", 0.15, 2.4, "premium", 1.6, False),
    PlantedGroup("Bargain regulars", 0.25, 1.7, "budget", 1.2, False),
    PlantedGroup("Big-ticket occasionals", 0.20, 0.55, "premium", 1.0, False),
    PlantedGroup("Lapsed one-timers", 0.20, 0.12, "budget", 1.0, True),
    PlantedGroup("Bulk buyers", 0.10, 1.0, "mid", 6.0, False),
    PlantedGroup("Steady mid-market", 0.10, 1.1, "mid", 2.0, False),
)
TIERS = {"budget": (15.0, 45.0), "mid": (90.0, 150.0), "premium": (280.0, 420.0)}
CATEGORIES = ("Books", "Electronics", "Clothing", "Home Decor", "Beauty")
REGIONS = ("Asia", "Europe", "North America", "South America")
FIRST = (
    "Ana",
    "Ben",
    "Chen",
    "Dara",
    "Eli",
    "Fatima",
    "Goran",
    "Hana",
    "Ivan",
    "Jo",
    "Kofi",
    "Lena",
    "Mateo",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
)
LAST = (
    "Adams",
    "Baptiste",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
)
PERIOD_START = dt.datetime(2024, 1, 1)
PERIOD_DAYS = 366


@dataclass
class SampleData:
    """The three generated tables, and for the realistic profile each customer's cohort
    (``truth``, written as ``truth.csv``: not a table segtui reads)."""

    customers: pl.DataFrame
    products: pl.DataFrame
    transactions: pl.DataFrame
    truth: pl.DataFrame | None = None

    def stage(self, plan: OutputPlan, fmt: str) -> list[Path]:
        """Write the three tables to the files ``plan`` holds (options Customers,
        Products, Transactions), renamed into place together. Returns the paths."""
        frames = {"Customers": self.customers, "Products": self.products}
        frames["Transactions"] = self.transactions

        def writer(frame: pl.DataFrame, name: str) -> Callable[[Path, str], None]:
            if fmt == "parquet" and name != "truth":
                return lambda tmp, _suffix: typed_dates(frame).write_parquet(tmp)
            return lambda tmp, _suffix: frame.write_csv(tmp)

        if self.truth is not None:
            frames["truth"] = self.truth  # always CSV: not a table segtui reads
        return plan.commit({name: writer(frame, name) for name, frame in frames.items()})

    def write(self, folder: Path, *, fmt: str = "csv", force: bool = True) -> list[Path]:
        """Write Customers/Products/Transactions as ``fmt`` (csv or parquet) to ``folder``,
        each file atomically. Returns the paths written."""
        import contextlib

        from segtui.engine.output.writers import atomic_path

        folder.mkdir(parents=True, exist_ok=True)
        written = []
        # All three temporary files are written before any is renamed, so an interrupted
        # run leaves the old dataset whole instead of new Customers beside old Transactions.
        with contextlib.ExitStack() as stack:
            for name, frame in (
                ("Customers", self.customers),
                ("Products", self.products),
                ("Transactions", self.transactions),
            ):
                path = folder / f"{name}.{fmt}"
                tmp = stack.enter_context(atomic_path(path, force=force))
                if fmt == "parquet":
                    typed_dates(frame).write_parquet(tmp)
                else:
                    frame.write_csv(tmp)
                written.append(path)
            if self.truth is not None:
                path = folder / "truth.csv"
                self.truth.write_csv(stack.enter_context(atomic_path(path, force=force)))
                written.append(path)
        return written


def typed_dates(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its text date columns as Parquet types (TransactionDate a timestamp,
    SignupDate a date), the way a data-lake export stores them; CSV keeps the text."""
    typed = {"TransactionDate": pl.Datetime("us"), "SignupDate": pl.Date()}
    return frame.with_columns(
        pl.col(name).str.strptime(
            dtype, "%Y-%m-%d %H:%M:%S" if name == "TransactionDate" else "%Y-%m-%d"
        )
        for name, dtype in typed.items()
        if frame.schema.get(name) == pl.String
    )


def generate(
    n_customers: int = 1000,
    n_transactions: int = 10_000,
    *,
    seed: int = 7,
    groups: int = 4,
) -> SampleData:
    """Generate a dataset with ``groups`` planted groups (the first ``groups`` of GROUPS).

    Returns exactly ``n_customers`` customers and ``n_transactions`` transactions; the
    last customer never buys.
    """
    if not 2 <= groups <= len(GROUPS):
        raise OptionError(f"groups must be between 2 and {len(GROUPS)} (got {groups})")
    if n_customers < groups + 1:
        raise OptionError(f"need at least {groups + 1} customers (got {n_customers})")
    if n_transactions < n_customers - 1:
        raise OptionError(
            "need at least one transaction per buying customer "
            f"({n_customers - 1}, got {n_transactions})"
        )
    rng = np.random.default_rng(seed)
    planted = GROUPS[:groups]
    products = _products(rng)
    weights = np.array([g.weight for g in planted])
    group_of = rng.choice(groups, size=n_customers, p=weights / weights.sum())
    group_of[:groups] = np.arange(groups)  # every group present even when tiny
    counts = _transaction_counts(rng, planted, group_of, n_transactions)
    customers = _customers(rng, planted, group_of, n_customers)
    transactions = _transactions(rng, planted, group_of, counts, products)
    customers = _signups(rng, customers, transactions)
    ids = customers.get_column("CustomerID")
    transactions = transactions.with_columns(
        ids.gather(transactions.get_column("_customer")).alias("CustomerID")
    ).select(
        "TransactionID",
        "CustomerID",
        "ProductID",
        "TransactionDate",
        "Quantity",
        "TotalValue",
        "Price",
    )
    return SampleData(
        customers=customers, products=products.drop("_tier"), transactions=transactions
    )


def _products(rng: np.random.Generator) -> pl.DataFrame:
    rows = []
    n = 0
    for tier, (low, high) in TIERS.items():
        for _ in range(34 if tier != "premium" else 32):
            n += 1
            category = CATEGORIES[n % len(CATEGORIES)]
            price = round(float(rng.uniform(low, high)), 2)
            rows.append((f"P{n:03d}", f"{tier.title()} {category} item {n}", category, price, tier))
    return pl.DataFrame(
        rows, schema=["ProductID", "ProductName", "Category", "Price", "_tier"], orient="row"
    )


def _transaction_counts(
    rng: np.random.Generator,
    planted: tuple[PlantedGroup, ...],
    group_of: np.ndarray,
    total: int,
) -> np.ndarray:
    """Per-customer transaction counts summing exactly to ``total`` (last customer: 0)."""
    n = group_of.shape[0]
    rates = np.array([g.rate for g in planted])[group_of]
    rates = rates * rng.lognormal(0.0, 0.2, size=n)  # heavy-ish tail within each group
    rates[-1] = 0.0
    buyers = n - 1
    extra = total - buyers  # everyone who buys buys at least once
    expected = rates / rates.sum() * extra
    counts = np.floor(expected).astype(np.int64)
    remainder = extra - int(counts.sum())
    if remainder:
        order = np.argsort(-(expected - counts), kind="stable")[:remainder]
        counts[order] += 1
    counts[:-1] += 1
    return counts


def _customers(
    rng: np.random.Generator,
    planted: tuple[PlantedGroup, ...],
    group_of: np.ndarray,
    n: int,
) -> pl.DataFrame:
    width = max(4, len(str(n)))
    first = np.array(FIRST)[rng.integers(0, len(FIRST), n)]
    last = np.array(LAST)[rng.integers(0, len(LAST), n)]
    return pl.DataFrame(
        {
            "CustomerID": [f"C{i + 1:0{width}d}" for i in range(n)],
            "CustomerName": np.char.add(np.char.add(first, " "), last),
            "Region": np.array(REGIONS)[rng.integers(0, len(REGIONS), n)],
            "PlantedGroup": np.array([g.name for g in planted])[group_of],
        }
    )


def _transactions(
    rng: np.random.Generator,
    planted: tuple[PlantedGroup, ...],
    group_of: np.ndarray,
    counts: np.ndarray,
    products: pl.DataFrame,
) -> pl.DataFrame:
    n_tx = int(counts.sum())
    customer_idx = np.repeat(np.arange(group_of.shape[0]), counts)
    tx_group = group_of[customer_idx]
    tiers = products.get_column("_tier").to_numpy()
    tier_names = list(TIERS)
    tier_rows = {t: np.flatnonzero(tiers == t) for t in tier_names}
    product_idx = np.empty(n_tx, dtype=np.int64)
    quantity = np.empty(n_tx, dtype=np.int64)
    offset_days = np.empty(n_tx, dtype=np.float64)
    for g, group in enumerate(planted):
        rows = np.flatnonzero(tx_group == g)
        choices = tier_rows[group.tier]
        product_idx[rows] = choices[rng.integers(0, choices.shape[0], rows.shape[0])]
        quantity[rows] = 1 + rng.poisson(group.quantity - 1.0, rows.shape[0])
        span = PERIOD_DAYS / 3 if group.lapsed else PERIOD_DAYS
        offset_days[rows] = rng.uniform(0, span, rows.shape[0])
    prices = products.get_column("Price").to_numpy()[product_idx]
    seconds = np.floor(offset_days * 86400).astype("int64")
    when = (np.datetime64(PERIOD_START, "s") + seconds.astype("timedelta64[s]")).astype(
        "datetime64[ms]"
    )
    ids = products.get_column("ProductID").to_numpy()[product_idx]
    width = max(5, len(str(n_tx)))
    frame = pl.DataFrame(
        {
            "_customer": customer_idx,
            "ProductID": ids,
            "TransactionDate": when,
            "Quantity": quantity,
            "TotalValue": np.round(quantity * prices, 2),
            "Price": prices,
        }
    ).sort("TransactionDate", "_customer", maintain_order=True)
    return frame.with_columns(
        (pl.lit("T") + (pl.int_range(1, n_tx + 1).cast(pl.String).str.zfill(width))).alias(
            "TransactionID"
        ),
        pl.col("TransactionDate").dt.strftime("%Y-%m-%d %H:%M:%S"),
    ).select(
        "TransactionID",
        "_customer",
        "ProductID",
        "TransactionDate",
        "Quantity",
        "TotalValue",
        "Price",
    )


def _signups(
    rng: np.random.Generator, customers: pl.DataFrame, transactions: pl.DataFrame
) -> pl.DataFrame:
    """Signup a while before the first purchase; ~2% of buyers sign up after it (a quirk)."""
    n = customers.height
    first = (
        transactions.group_by("_customer").agg(pl.col("TransactionDate").min()).sort("_customer")
    )
    # Customers who never buy signed up mid-period (so they belong to the snapshot).
    first_dates = np.full(n, np.datetime64(PERIOD_START + dt.timedelta(days=PERIOD_DAYS // 2), "D"))
    idx = first.get_column("_customer").to_numpy()
    first_dates[idx] = (
        first.get_column("TransactionDate").str.slice(0, 10).str.to_date("%Y-%m-%d").to_numpy()
    )
    lead = rng.integers(0, 700, n).astype("timedelta64[D]")
    late = rng.random(n) < 0.02
    lead[late] = -rng.integers(1, 30, int(late.sum())).astype("timedelta64[D]")
    signup = first_dates - lead
    return customers.with_columns(pl.Series("SignupDate", signup).dt.strftime("%Y-%m-%d")).select(
        "CustomerID", "CustomerName", "Region", "SignupDate", "PlantedGroup"
    )

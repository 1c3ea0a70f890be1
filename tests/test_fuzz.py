"""Property tests over the loaders, the feature engine and the whole pipeline.

Random small tables (random column order, random nulls, unknown and missing customer ids,
negative amounts, CSV or Parquet) must either raise a SegtuiError (a message for the
user) or give a result whose invariants hold: total_spend is the exact sum of line
totals, every input customer appears exactly once, and segment sizes add up to the
customer count. Derandomized, so CI sees the same examples every run.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segtui.config import Settings
from segtui.engine.errors import SegtuiError
from segtui.engine.features.compute import compute_features
from segtui.engine.io.sources import load_source
from segtui.engine.pipeline import run

FUZZ = settings(
    max_examples=int(os.environ.get("SEGTUI_FUZZ_EXAMPLES", "40")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
IDS = [f"C{i}" for i in range(1, 9)]
REGIONS = ["Asia", "Europe", None]
DAY0 = dt.date(2024, 1, 1)

cents = st.integers(-5_000, 100_000)  # line totals with two decimals, returns included


@st.composite
def transactions(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(0, 25))
    row = st.tuples(
        st.one_of(st.sampled_from(IDS), st.none()),  # CustomerID (None is rare in reality)
        st.integers(0, 200),  # day offset
        st.one_of(cents, st.none()),  # TotalValue in cents
        st.one_of(st.integers(-2, 9), st.none()),  # Quantity
        st.sampled_from(["P1", "P2", "P3"]),
        st.integers(1, 12),  # TransactionID (repeats = multi-line orders)
    )
    rows = draw(st.lists(row, min_size=n, max_size=n))
    return pl.DataFrame(
        {
            "CustomerID": [r[0] for r in rows],
            "TransactionDate": [(DAY0 + dt.timedelta(days=r[1])).isoformat() for r in rows],
            "TotalValue": [None if r[2] is None else f"{Decimal(r[2]) / 100:.2f}" for r in rows],
            "Quantity": [r[3] for r in rows],
            "ProductID": [r[4] for r in rows],
            "TransactionID": [f"T{r[5]}" for r in rows],
        },
        schema={
            "CustomerID": pl.String,
            "TransactionDate": pl.String,
            "TotalValue": pl.String,
            "Quantity": pl.Int64,
            "ProductID": pl.String,
            "TransactionID": pl.String,
        },
    )


@st.composite
def customers(draw: st.DrawFn) -> pl.DataFrame | None:
    if draw(st.booleans()) is False:
        return None
    ids = draw(st.lists(st.sampled_from(IDS), max_size=8, unique=draw(st.booleans())))
    regions = draw(st.lists(st.sampled_from(REGIONS), min_size=len(ids), max_size=len(ids)))
    signups = draw(st.lists(st.integers(-400, 250), min_size=len(ids), max_size=len(ids)))
    return pl.DataFrame(
        {
            "CustomerID": ids,
            "Region": regions,
            "SignupDate": [(DAY0 + dt.timedelta(days=d)).isoformat() for d in signups],
        },
        schema={"CustomerID": pl.String, "Region": pl.String, "SignupDate": pl.String},
    )


@st.composite
def sources(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame | None, str]:
    tx = draw(transactions())
    cu = draw(customers())
    tx = tx.select(draw(st.permutations(tx.columns)))
    if cu is not None:
        cu = cu.select(draw(st.permutations(cu.columns)))
    return tx, cu, draw(st.sampled_from(["csv", "parquet"]))


def write_source(folder: Path, tx: pl.DataFrame, cu: pl.DataFrame | None, fmt: str) -> None:
    for name, frame in (("Transactions", tx), ("Customers", cu)):
        if frame is None:
            continue
        if fmt == "csv":
            frame.write_csv(folder / f"{name}.csv")
        else:
            frame.write_parquet(folder / f"{name}.parquet")


def expected_spend(tx: pl.DataFrame) -> dict[str, float]:
    """Exact per-customer sum of line totals (missing totals count as 0; a return, a
    negative quantity or total, counts as negative whatever the sign written)."""
    sums: dict[str, Decimal] = {}
    for cid, value, quantity in zip(
        tx["CustomerID"], tx["TotalValue"], tx["Quantity"], strict=True
    ):
        if cid is not None:
            amount = Decimal(value) if value else Decimal(0)
            if is_return(value, quantity):
                amount = -abs(amount)
            sums[cid] = sums.get(cid, Decimal(0)) + amount
    return {cid: float(total) for cid, total in sums.items()}


def is_return(value: str | None, quantity: int | None) -> bool:
    return (quantity is not None and quantity < 0) or (value is not None and Decimal(value) < 0)


def expected_buyers(tx: pl.DataFrame) -> set[str]:
    """Customers with a purchase line (neither a return nor a zero amount or quantity),
    less the net returners (a return line and a net spend of zero or less: segment -2)."""
    bought, returned = set(), set()
    for cid, value, quantity in zip(
        tx["CustomerID"], tx["TotalValue"], tx["Quantity"], strict=True
    ):
        if cid is None:
            continue
        if is_return(value, quantity):
            returned.add(cid)
        elif not ((value is not None and Decimal(value) == 0) or quantity == 0):
            bought.add(cid)
    spend = expected_spend(tx)
    return {cid for cid in bought if not (cid in returned and spend[cid] <= 0)}


def input_customers(tx: pl.DataFrame, cu: pl.DataFrame | None) -> set[str]:
    ids = set(tx["CustomerID"].drop_nulls())
    return ids | (set(cu["CustomerID"].drop_nulls()) if cu is not None else set())


@FUZZ
@given(sources())
def test_features_are_exact_and_keep_every_customer_once(source) -> None:
    tx, cu, fmt = source
    with tempfile.TemporaryDirectory() as tmp:
        write_source(Path(tmp), tx, cu, fmt)
        try:
            table = compute_features(load_source(tmp), ["total_spend", "frequency"])
        except SegtuiError:
            return
    frame = table.frame
    assert frame["CustomerID"].n_unique() == frame.height
    dropped = table.data_quality.get("customers_signed_up_after_as_of", 0)
    assert frame.height + dropped == len(input_customers(tx, cu))
    spend = dict(zip(frame["CustomerID"], frame["total_spend"], strict=True))
    for cid, total in expected_spend(tx).items():
        # a customer without a purchase who signed up after the as-of date is not in the
        # snapshot (counted in ``dropped`` above)
        assert spend[cid] == total if cid in spend else dropped > 0
    buyers = set(frame.filter(pl.col("has_purchases"))["CustomerID"])
    assert buyers == expected_buyers(tx)


@pytest.mark.slow  # a fuzz soak: whole pipeline runs on generated sources
@pytest.mark.filterwarnings("error::RuntimeWarning")  # a numpy warning would reach stderr
@FUZZ
@given(sources(), st.integers(2, 4))
def test_pipeline_assigns_every_customer_exactly_once(source, k: int) -> None:
    tx, cu, fmt = source
    features = ("total_spend", "frequency", "total_quantity", "recency_days")
    if cu is not None:
        features += ("region", "tenure_days")
    with tempfile.TemporaryDirectory() as tmp:
        write_source(Path(tmp), tx, cu, fmt)
        try:
            result = run(Settings(source=Path(tmp), k=k, features=features, n_init=2))
        except SegtuiError:
            return
    segments = result.segments
    assert segments["CustomerID"].n_unique() == segments.height == result.n_customers
    dropped = result.feature_table.data_quality.get("customers_signed_up_after_as_of", 0)
    assert segments.height + dropped == len(input_customers(tx, cu))
    sizes = [p.size for p in result.profiles]
    # -1 'No purchases' and -2 'Net returners' are kept but never clustered.
    unclustered = segments.filter(pl.col("segment") < 0)
    assert sum(sizes) + unclustered.height == segments.height
    assert set(unclustered["segment"]) <= {-1, -2}
    # A net returner is a customer with a return line: a negative quantity or amount.
    returned = tx.filter(
        (pl.col("Quantity").cast(pl.Float64, strict=False) < 0)
        | (pl.col("TotalValue").cast(pl.Float64, strict=False) < 0)
    )["CustomerID"]
    net_returners = set(segments.filter(pl.col("segment") == -2)["CustomerID"])
    assert net_returners <= set(returned.drop_nulls())
    assert sorted(set(segments["segment"]) - {-1, -2}) == list(range(k))
    assert len(sizes) == k and min(sizes) >= 1


HEADERS = [
    "CustomerID,TransactionDate,TotalValue",
    "TransactionID,CustomerID,ProductID,TransactionDate,Quantity,TotalValue,Price",
    "TotalValue,CustomerID,TransactionDate,TotalValue",
    "",
]
NOISE = st.text(alphabet=',"\n\r\t0123456789.-:eE CPTx\u00e9\x00\ufeff', max_size=160)


@FUZZ
@given(st.sampled_from(HEADERS), NOISE, st.sampled_from(["utf-8", "latin-1"]))
def test_arbitrary_csv_text_gives_a_result_or_a_user_error(header: str, body: str, enc) -> None:
    """Random bytes after a plausible header: the loader and feature engine either work
    or raise SegtuiError, never anything else."""
    with tempfile.TemporaryDirectory() as tmp:
        data = (header + "\n" + body).encode(enc, errors="replace")
        (Path(tmp) / "Transactions.csv").write_bytes(data)
        try:
            table = compute_features(load_source(tmp), ["total_spend", "frequency"])
        except SegtuiError:
            return
    assert table.frame["CustomerID"].n_unique() == table.frame.height

"""The value step's numpy reduction of the purchase rows (engine/value/dense.py) against
the Polars group-by it replaces on the fast path (summary.grouped_calibration)."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from segtui.config import Settings
from segtui.engine.features.load import load_features, value_side_query
from segtui.engine.value.dense import calibration_from_rows
from segtui.engine.value.predict import calibration_frame
from segtui.engine.value.summary import (
    DAY,
    NET_PURCHASE_MIN,
    ROW_HASH,
    calibration_summary,
    grouped_calibration,
    purchase_rows_query,
)


def as_rows(purchases: pl.DataFrame) -> pl.DataFrame:
    """``purchase_rows_query``'s select, on a ready (CustomerID, _day, value) frame."""
    return purchases.select(
        pl.col("CustomerID").hash(seed=0).alias(ROW_HASH),
        pl.col(DAY).cast(pl.Int32),
        pl.col("value"),
    )


def grouped(purchases: pl.DataFrame) -> pl.DataFrame:
    return grouped_calibration(purchases.lazy()).collect().sort("CustomerID")


def assert_same(dense: pl.DataFrame | None, exact: pl.DataFrame) -> None:
    assert dense is not None
    dense = dense.sort("CustomerID")
    # every figure but the average spend is exact; that one sums in another order
    assert dense.drop("m").equals(exact.drop("m")), (dense, exact)
    assert_frame_equal(dense, exact, check_exact=False, rel_tol=1e-9, abs_tol=1e-9)


# Names a Latin-1 file would merge if read wrongly, lookalikes, and plain ids.
NAMES = ["José", "Josè", "JOSE", "C1", "C01", "c1", " C1", "C1 ", "Zoë", "日本", "a" * 40]
days_strategy = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(
        st.tuples(
            st.sampled_from(NAMES),
            days_strategy,
            st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
        ),
        min_size=1,
        max_size=60,
    ),
    repeat_day=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_the_numpy_reduction_equals_the_group_by(lines, repeat_day, seed):
    # Several lines on one day, one-timers, dates before 1970 and centuries apart,
    # negative and zero values, ids that differ by an accent or a space.
    if repeat_day:  # the same customer twice on one day, for the first-day spend
        lines = lines + [(lines[0][0], lines[0][1], 12.5)]
    purchases = pl.DataFrame(
        {
            "CustomerID": [c for c, _, _ in lines],
            DAY: [d for _, d, _ in lines],
            "value": [v for _, _, v in lines],
        },
        schema={"CustomerID": pl.String, DAY: pl.Date, "value": pl.Float64},
    )
    # The run's customers: every buyer, some who never bought, in a shuffled order.
    ids = sorted({*purchases.get_column("CustomerID").to_list(), "never1", "never2"})
    random.Random(seed).shuffle(ids)
    dense = calibration_from_rows(as_rows(purchases), pl.Series(ids))
    if dense is not None:
        assert_same(dense, grouped(purchases))
    # in the ids' order, buyers only: a customer with a day without a return, or whose
    # lines net above zero
    net = purchases.group_by("CustomerID", DAY).agg(
        pl.col("value").sum(), pl.col("value").min().alias("lowest")
    )
    bought = (pl.col("value") > NET_PURCHASE_MIN) | (pl.col("lowest") >= 0)
    buyers = set(net.filter(bought).get_column("CustomerID"))
    if not buyers:
        assert dense is None  # nothing to reduce: the exact pass answers (with no rows)
        return
    assert dense is not None
    assert dense.get_column("CustomerID").to_list() == [i for i in ids if i in buyers]


def test_heavy_tailed_shuffled_log_of_many_customers():
    # 20,000 lines of 3,000 customers, Pareto values, ids shuffled, a year of days.
    rng = random.Random(5)
    customers = [f"C{n:05d}" for n in range(3000)]
    rows = []
    for _ in range(20_000):
        who = customers[min(int(rng.paretovariate(1.2)) - 1, 2999)]
        rows.append(
            (
                who,
                dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(366)),
                round(rng.paretovariate(1.5) * 10, 2),
            )
        )
    rng.shuffle(rows)
    purchases = pl.DataFrame(rows, schema=["CustomerID", DAY, "value"], orient="row")
    rng.shuffle(customers)
    assert_same(calibration_from_rows(as_rows(purchases), pl.Series(customers)), grouped(purchases))


def test_repeated_ids_or_a_stranger_give_none():
    purchases = pl.DataFrame(
        {"CustomerID": ["a", "b"], DAY: [dt.date(2024, 1, 1)] * 2, "value": [1.0, 2.0]}
    )
    rows = as_rows(purchases)
    assert calibration_from_rows(rows, pl.Series(["a", "a", "b"])) is None  # same hash
    assert calibration_from_rows(rows, pl.Series(["a"])) is None  # b is not a customer
    assert calibration_from_rows(rows.head(0), pl.Series(["a", "b"])) is None
    assert calibration_from_rows(rows, pl.Series(["b", "a"])) is not None


def test_the_value_step_falls_back_to_the_exact_pass(tmp_path):
    # Rows the ids cannot place: the calibration comes from the grouped pass instead,
    # with the same figures.
    tables, table = load_features(Settings(source=_sample(tmp_path), clv=True))
    rows = table.side[0]
    exact = calibration_summary(tables, table.as_of)
    stranger = pl.Series(["nobody"])
    assert_frame_equal(calibration_frame(tables, table.as_of, rows, stranger), exact)
    assert_frame_equal(calibration_frame(tables, table.as_of, None, None), exact)


def test_the_features_step_collects_rows_or_groups(tmp_path, monkeypatch):
    source = _sample(tmp_path)
    tables, _ = load_features(Settings(source=source))
    fast = value_side_query(tables, Settings(source=source, clv=True))
    assert (
        fast.collect_schema().names() == purchase_rows_query(tables, None).collect_schema().names()
    )
    monkeypatch.setenv("SEGTUI_PLAIN_PATH", "1")
    assert "x" in value_side_query(tables, Settings(source=source, clv=True)).collect_schema()
    monkeypatch.delenv("SEGTUI_PLAIN_PATH")
    import segtui.engine.io.resources as resources

    monkeypatch.setitem(resources.BATCH_ABOVE_BYTES, "csv", 0)
    monkeypatch.setitem(resources.BATCH_ABOVE_BYTES, "parquet", 0)
    # a file big enough for batches keeps the grouped query (rows would cost memory)
    assert "x" in value_side_query(tables, Settings(source=source, clv=True)).collect_schema()


@pytest.mark.parametrize("plain", ["0", "1"])
def test_clv_run_is_the_same_on_both_paths(tmp_path, monkeypatch, plain):
    from segtui.engine.pipeline import run

    source = _sample(tmp_path)
    reference = run(Settings(source=source, clv=True, as_of=dt.date(2024, 10, 1)))
    monkeypatch.setenv("SEGTUI_PLAIN_PATH", plain)
    other = run(Settings(source=source, clv=True, as_of=dt.date(2024, 10, 1)))
    columns = ["CustomerID", "p_alive", "expected_purchases", "clv", "stage"]
    assert_frame_equal(
        reference.segments.select(columns), other.segments.select(columns), rel_tol=1e-6
    )
    assert reference.value["lifecycle"] == other.value["lifecycle"]


def _sample(tmp_path):
    from segtui.engine.sample_realistic import generate_realistic

    folder = tmp_path / "shop"
    if not folder.exists():
        generate_realistic(2_000, seed=3).write(folder)
    return folder


@pytest.mark.parametrize("returns", ["net", "drop"])
def test_an_online_retail_log_with_cancellations_gives_the_same_figures(tmp_path, returns):
    # One order log (Online Retail spellings, month-first dates, 'C' cancellations, rows
    # without a customer, a customer whose only line is a return): the rows the features'
    # plan collects, reduced with numpy, equal the exact grouped pass over the log.
    from order_logs import RETAIL_NAMES, make_lines, write_log

    names = {k: v for k, v in RETAIL_NAMES.items() if k != "category"}
    log = write_log(
        tmp_path / "retail.csv",
        make_lines(seed=9, customers=30, orders=600),
        names,
        date_format="%m/%d/%Y %H:%M",
    )
    tables, table = load_features(Settings(source=log, clv=True, returns=returns))
    assert ROW_HASH in table.side[0].columns
    ids = table.frame.get_column("CustomerID")
    dense = calibration_frame(tables, table.as_of, table.side[0], ids)
    exact = calibration_summary(tables, table.as_of)
    assert dense.height == 30  # 00001-00030 bought; 00031's only line is a return
    assert "00031" not in dense.get_column("CustomerID").to_list()
    assert dense.drop("m").equals(exact.drop("m"))
    assert_frame_equal(dense, exact, check_exact=False, rel_tol=1e-12, abs_tol=0)

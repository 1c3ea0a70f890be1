"""The value models count net purchases: an order cancelled the same day adds nothing to
the purchase days, the Gamma-Gamma spends or the CLV (UCI Online Retail customer 16446
bought 80,995 paper birdies for 168,469.60 and cancelled them the same day)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from order_logs import RETAIL_NAMES, _line, make_lines, write_log
from polars.testing import assert_frame_equal

from segtui.config import Settings
from segtui.engine.pipeline import run

AS_OF = dt.date(2024, 12, 1)
VALUE_COLUMNS = ["CustomerID", "p_alive", "expected_purchases", "expected_order_value", "clv"]
NAMES = {k: v for k, v in RETAIL_NAMES.items() if k != "category"}


def birdie_lines(cancelled: bool) -> list[dict]:
    """The shared log, plus customer 16446's pattern: two small lines one day, then (with
    ``cancelled``) a huge order and its cancellation on a later day."""
    lines = make_lines(seed=9, customers=30, orders=600)
    small_day = dt.datetime(2024, 5, 18, 10, 0)
    lines.append(_line("553573", "16446", "SKU001", small_day, 1, 1.65))
    lines.append(_line("553573", "16446", "SKU002", small_day, 1, 1.25))
    if cancelled:
        big_day = dt.datetime(2024, 10, 9, 9, 15)
        lines.append(_line("581483", "16446", "SKU003", big_day, 80995, 2.08))
        lines.append(
            _line("C581484", "16446", "SKU003", big_day + dt.timedelta(minutes=5), -80995, 2.08)
        )
    return lines


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("birdie")
    out = {}
    for cancelled in (True, False):
        log = write_log(folder / f"retail_{cancelled}.csv", birdie_lines(cancelled), NAMES)
        out[cancelled] = run(Settings(source=log, clv=True, k=3, as_of=AS_OF, seed=1))
    return out


def test_an_order_cancelled_the_same_day_is_no_purchase_for_the_value_models(runs):
    birdie = runs[True].segments.filter(pl.col("CustomerID") == "16446").row(0, named=True)
    # one purchase day (the small one), no repeat spend: the population's order value
    assert birdie["total_spend"] == pytest.approx(2.90)
    population = runs[True].value["population_order_value"]
    assert birdie["expected_order_value"] == pytest.approx(population)
    assert birdie["expected_order_value"] < 200  # the base's orders are worth ~5-120
    assert birdie["clv"] < 1_000


def test_the_cancelled_order_changes_no_value_figure_of_anyone(runs):
    # The log with the order and its cancellation gives the value models exactly what the
    # log without either gives: same fits, same predictions for every customer.
    with_pair, without = runs[True], runs[False]
    assert with_pair.value["fits"]["bgnbd"]["params"] == without.value["fits"]["bgnbd"]["params"]
    assert (
        with_pair.value["fits"]["gamma_gamma"]["params"]
        == without.value["fits"]["gamma_gamma"]["params"]
    )
    assert_frame_equal(
        with_pair.segments.select(VALUE_COLUMNS).sort("CustomerID"),
        without.segments.select(VALUE_COLUMNS).sort("CustomerID"),
    )

"""The activity rule's chance to buy again, learned per state at the inner cut (issue 28:
names and actions that agree with the backtest; segments/tiers.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from segtui.engine.segments import tiers
from segtui.engine.segments.profiles import build_profiles


def _customers(groups: list[tuple[int, int, int, float]]) -> pl.DataFrame:
    """(customers, purchases, days from first to last purchase, recency) per group."""
    rows = [(p, span, rec) for n, p, span, rec in groups for _ in range(n)]
    day = dt.datetime(2024, 1, 1)
    return pl.DataFrame(
        {
            "first_purchase": [day] * len(rows),
            "last_purchase": [day + dt.timedelta(days=r[1]) for r in rows],
            "frequency": [r[0] for r in rows],
            "recency_days": [r[2] for r in rows],
            "total_spend": [100.0] * len(rows),
            "avg_transaction_value": [20.0] * len(rows),
        }
    )


# At the inner cut: 10 customers with 3 purchases 30 days apart, last 10 days ago (8
# bought in the inner horizon); 10 with 2 purchases 30 days apart, last 100 days ago (3
# bought); 20 one-timers, 200 days ago (2 bought). Typical gap G = 30 days.
INNER = _customers([(10, 3, 60, 10.0), (10, 2, 30, 100.0), (20, 1, 0, 200.0)])
BOUGHT = np.array([1.0] * 8 + [0.0] * 2 + [1.0] * 3 + [0.0] * 7 + [1.0] * 2 + [0.0] * 18)


def test_each_customer_is_in_a_purchase_by_rhythm_state() -> None:
    # Expected gaps (span + G) / (repeats + 1): (60 + 30) / 3 = 30, (30 + 30) / 2 = 30 and
    # 30 for one-timers, so the rhythms are 1/3, 3.3 and 6.7 gaps: rhythm buckets 0 (at
    # most 1/2), 3 (2 to 4) and 4 (4 to 8); purchase buckets 2 (3-4), 1 (2) and 0 (1);
    # six rhythm buckets per purchase bucket.
    state = tiers.repeat_states(INNER, 30.0)
    assert state.tolist() == [2 * 6 + 0] * 10 + [1 * 6 + 3] * 10 + [0 * 6 + 4] * 20


def test_a_rhythm_on_an_edge_belongs_to_the_bucket_up_to_it() -> None:
    # One-timers judged by G = 30: 15 days is 1/2 gap (bucket 0), 15.3 just over it.
    frame = _customers([(1, 1, 0, 15.0), (1, 1, 0, 15.3), (1, 70, 690, 240.0)])
    assert tiers.repeat_states(frame, 30.0).tolist() == [0, 1, 7 * 6 + 5]


def test_state_rates_lean_on_their_purchase_bucket_and_the_base() -> None:
    states = tiers.learn_states(INNER, BOUGHT, 90)
    assert states is not None
    # By hand, P = 20, base share 13/40 = 0.325:
    #   one-timers' bucket (2 + 6.5) / 40 = 0.2125, their state (2 + 20 x 0.2125) / 40;
    #   2 purchases: bucket 9.5 / 30, state (3 + 20 x 9.5 / 30) / 30;
    #   3-4 purchases: bucket 14.5 / 30, state (8 + 20 x 14.5 / 30) / 30.
    rates = states.rates
    assert rates[4] == pytest.approx(6.25 / 40, rel=1e-12)
    assert rates[9] == pytest.approx((3 + 20 * 9.5 / 30) / 30, rel=1e-12)
    assert rates[12] == pytest.approx((8 + 20 * 14.5 / 30) / 30, rel=1e-12)
    # A state nobody was in takes its bucket's rate; a bucket nobody was in, the base's.
    assert rates[13] == pytest.approx(14.5 / 30, rel=1e-12)
    assert rates[30] == pytest.approx(0.325, rel=1e-12)
    assert (states.customers[12], states.bought[12]) == (10, 8)
    assert sum(states.customers) == 40 and sum(states.bought) == 13


def test_the_chance_is_the_rate_of_the_state_at_the_as_of_date() -> None:
    states = tiers.learn_states(INNER, BOUGHT, 90)
    # Now: a 3-purchase customer a third of a gap late, a 2-purchase one 3.3 gaps late, a
    # one-timer 6.7 gaps late, a 3-purchase one 2/3 of a gap late, one without recency.
    now = _customers([(1, 3, 60, 10.0), (1, 2, 30, 100.0), (1, 1, 0, 200.0), (1, 3, 60, 20.0)])
    now = pl.concat([now, now.head(1).with_columns(recency_days=pl.lit(None, pl.Float64))])
    chance, model = tiers.repeat_chance(now, 30.0, states)
    assert chance[:4].tolist() == pytest.approx(
        [(8 + 20 * 14.5 / 30) / 30, (3 + 20 * 9.5 / 30) / 30, 6.25 / 40, 14.5 / 30], rel=1e-12
    )
    assert np.isnan(chance[4])
    assert model == {
        "model": "inner_split_states",
        "inner_horizon_days": 90,
        "customers": 40,
        "bought_again": 13,
    }


def test_no_states_when_they_cannot_tell_customers_apart() -> None:
    assert tiers.learn_states(INNER, np.zeros(40), 90) is None  # nobody bought
    assert tiers.learn_states(INNER, np.ones(40), 90) is None  # everybody did
    few = _customers([(19, 3, 60, 10.0), (20, 1, 0, 200.0)])  # 19 repeat buyers, under 20
    assert tiers.learn_states(few, np.array([1.0, 0.0] * 19 + [1.0]), 90) is None


def test_without_states_the_chance_is_the_bgnbd_model() -> None:
    frame = _customers([(40, 8, 196, 10.0), (60, 3, 60, 100.0), (300, 1, 0, 250.0)])
    chance, model = tiers.repeat_chance(frame, 30.0)
    assert model is not None and model["model"] == "bgnbd"
    assert set(model) == {"model", "r", "alpha", "a", "b"}
    expected = tiers.chance_from(
        {k: model[k] for k in ("r", "alpha", "a", "b")},
        np.array([7.0]),
        np.array([196 / 7]),
        np.array([206 / 7]),
        60 / 7,
    )
    assert chance[0] == pytest.approx(expected[0], rel=1e-12)


def test_late_repeat_buyers_who_came_back_at_the_inner_cut_are_active() -> None:
    # The CDNOW case in small: at the inner cut, repeat buyers 2-4 of their own gaps late
    # bought again more often than the many long-gone one-timers, so a segment of them is
    # active beside the base, whatever a model of dropping out would say.
    states = tiers.learn_states(INNER, BOUGHT, 90)
    now = _customers([(30, 2, 30, 100.0), (60, 1, 0, 200.0), (10, 3, 60, 10.0)])
    chance, _model = tiers.repeat_chance(now, 30.0, states)
    labels = np.array([0] * 30 + [1] * 60 + [2] * 10)
    features = ["total_spend", "frequency", "avg_transaction_value"]
    profiles = build_profiles(now, labels, features, typical_gap=30.0, chance=chance)
    two, one, three = (3 + 20 * 9.5 / 30) / 30, 6.25 / 40, (8 + 20 * 14.5 / 30) / 30
    assert float(chance.mean()) == pytest.approx((30 * two + 60 * one + 10 * three) / 100)
    # 0.311 and 0.589 against a base of 0.246: active; one-timers at 0.156, over half of it.
    assert [p.activity for p in profiles] == ["active", "lapsing", "active"]

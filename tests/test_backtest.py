"""The built-in backtest: the cut, the no-leak rule, the next-period figures and the
references, each checked against an independent computation."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from segtui.config import Settings
from segtui.engine.backtest import backtest, check_horizon, eta_squared
from segtui.engine.errors import OptionError
from segtui.engine.features import rfm
from segtui.engine.pipeline import run

AT = dt.date(2021, 1, 1)
MAPPING = (
    ("amount_col", "amount"),
    ("customer_col", "customer"),
    ("date_col", "date"),
    ("date_format", "%Y-%m-%d"),
)


def planted_lines(seed: int = 7) -> tuple[list[tuple[str, dt.date, float]], dict[str, str]]:
    """A year of purchases before AT in three planted groups, and a next quarter that
    contradicts the past: the frequent big spenders stop, the lapsed one-timers come back
    and spend. Returns (customer, day, amount) lines and each customer's group."""
    rng = random.Random(seed)
    lines: list[tuple[str, dt.date, float]] = []
    group: dict[str, str] = {}
    start = dt.date(2020, 1, 1)
    for i in range(240):
        cid = f"C{i:04d}"
        kind = ("regular", "lapsed", "middle")[i % 3]
        group[cid] = kind
        if kind == "regular":  # every few weeks all year, big baskets
            for _ in range(rng.randint(10, 16)):
                day = start + dt.timedelta(days=rng.randint(0, 365))
                lines.append((cid, day, round(rng.uniform(80, 200), 2)))
        elif kind == "lapsed":  # one or two small purchases early in the year
            for _ in range(rng.randint(1, 2)):
                day = start + dt.timedelta(days=rng.randint(0, 60))
                lines.append((cid, day, round(rng.uniform(5, 20), 2)))
        else:
            for _ in range(rng.randint(3, 5)):
                day = start + dt.timedelta(days=rng.randint(100, 365))
                lines.append((cid, day, round(rng.uniform(20, 60), 2)))
    for cid, kind in group.items():  # the contradicting future
        if kind == "lapsed" or (kind == "middle" and rng.random() < 0.3):
            for _ in range(rng.randint(1, 3)):
                day = AT + dt.timedelta(days=rng.randint(0, 89))
                lines.append((cid, day, round(rng.uniform(50, 150), 2)))
    # one line after the horizon, and a customer first seen in the horizon
    lines.append(("C0001", AT + dt.timedelta(days=120), 999.0))
    lines.append(("NEW1", AT + dt.timedelta(days=3), 10.0))
    return lines, group


def write_log(path: Path, lines: list[tuple[str, dt.date, float]]) -> Path:
    rows = ["customer,date,amount"] + [f"{c},{d.isoformat()},{a}" for c, d, a in lines]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("backtest")
    lines, group = planted_lines()
    log = write_log(folder / "log.csv", lines)
    settings = Settings(source=log, mapping=MAPPING)
    return backtest(settings, AT, 90), lines, group, folder


def test_segments_do_not_know_the_future(planted):
    done, lines, _group, folder = planted
    past_only = write_log(folder / "past.csv", [x for x in lines if x[1] < AT])
    alone = run(Settings(source=past_only, mapping=MAPPING, as_of=AT))
    assert done.result.segments.equals(alone.segments)
    assert done.result.feature_table.frame.equals(alone.feature_table.frame)


def test_next_period_eta_squared_matches_numpy(planted):
    done, lines, _group, _folder = planted
    end = AT + dt.timedelta(days=90)
    spend: dict[str, float] = {}
    for cid, day, amount in lines:
        if AT <= day < end:
            spend[cid] = spend.get(cid, 0.0) + amount
    segments = done.result.segments.filter(pl.col("segment") >= 0)
    ids = segments.get_column("CustomerID").to_list()
    y = np.log1p(np.array([spend.get(c, 0.0) for c in ids]))
    labels = segments.get_column("segment").to_numpy()
    total = ((y - y.mean()) ** 2).sum()
    between = sum(
        (labels == s).sum() * (y[labels == s].mean() - y.mean()) ** 2 for s in set(labels)
    )
    figures = done.scores["segtui"]
    assert figures.eta_squared == pytest.approx(between / total, rel=1e-12)
    bought = [c for c in ids if c in spend]
    assert figures.base_repeat_rate == pytest.approx(len(bought) / len(ids))


def test_per_segment_figures_match_the_lines(planted):
    done, lines, _group, _folder = planted
    end = AT + dt.timedelta(days=90)
    segments = done.result.segments.filter(pl.col("segment") >= 0)
    of = dict(zip(segments["CustomerID"], segments["segment"], strict=True))
    spend: dict[str, float] = {}
    for cid, day, amount in lines:
        if AT <= day < end and cid in of:
            spend[cid] = spend.get(cid, 0.0) + amount
    revenue = sum(spend.values())
    for row in done.scores["segtui"].segments:
        members = [c for c, s in of.items() if s == row["id"]]
        assert row["customers"] == len(members)
        buyers = [c for c in members if c in spend]
        assert row["bought_again"] == pytest.approx(len(buyers) / len(members), abs=5e-5)
        total = sum(spend.get(c, 0.0) for c in members)
        assert row["spend_per_customer"] == pytest.approx(total / len(members), abs=0.005)
        assert row["revenue_share"] == pytest.approx(total / revenue, abs=5e-5)


def test_contradicted_activity_words_are_named(planted):
    done, _lines, group, _folder = planted
    segments = done.result.segments.filter(pl.col("segment") >= 0)
    activity = {p.id: p.activity for p in done.result.profiles}
    lapsed_ids = {
        s
        for c, s in zip(segments["CustomerID"], segments["segment"], strict=True)
        if group[c] == "lapsed"
    }
    assert lapsed_ids
    # the planted lapsed one-timers sit in segments the past calls lapsed or lapsing ...
    assert {activity[s] for s in lapsed_ids} <= {"lapsed", "lapsing"}
    # ... and every one of them bought again, so the word is reported as contradicted
    names = {p.id: p.name for p in done.result.profiles}
    assert {names[s] for s in lapsed_ids} <= set(done.scores["segtui"].contradicted)


def test_horizon_counts_new_customers_and_ignores_lines_after_it(planted):
    done = planted[0]
    assert done.new_customers == 1
    assert done.data_end == AT + dt.timedelta(days=120)
    assert done.warnings == []
    assert done.to_dict()["horizon_end"] == "2021-03-31"


def test_references_score_the_same_customers(planted):
    done = planted[0]
    sizes = {key: score.customers for key, score in done.scores.items()}
    assert set(sizes) == {"segtui", "rfm_grid", "kmeans4"}
    assert len(set(sizes.values())) == 1
    assert len(done.scores["kmeans4"].segments) == 4
    assert {r["name"] for r in done.scores["rfm_grid"].segments} <= set(rfm.RF_NAMES)


def test_a_cut_after_the_data_is_an_option_error(tmp_path):
    log = write_log(tmp_path / "log.csv", planted_lines()[0])
    with pytest.raises(OptionError, match="no transaction is dated on or after"):
        backtest(Settings(source=log, mapping=MAPPING), dt.date(2022, 6, 1))


@pytest.mark.parametrize("days", [0, -3, 4000])
def test_horizon_out_of_range_is_an_option_error(days):
    with pytest.raises(OptionError, match="--horizon"):
        check_horizon(days)


def test_eta_squared_of_constant_values_is_none():
    assert eta_squared(np.ones(5), np.array([0, 0, 1, 1, 1])) is None


def grid_by_hand(ids: list[str], recency: list[int], frequency: list[int]) -> dict[str, str]:
    """The R x F cells computed with numpy: ordinal ranks in id order, quintiles by
    1 + floor(5 (r - 1) / n), recency reversed, then the ten-cell map spelled out."""
    order = np.argsort(ids, kind="stable")
    n = len(ids)

    def scores(values: list[int]) -> np.ndarray:
        v = np.asarray(values)[order]
        rank = np.empty(n, dtype=int)
        rank[np.lexsort((np.arange(n), v))] = np.arange(1, n + 1)
        return 1 + (5 * (rank - 1)) // n

    r = 6 - scores(recency)
    f = scores(frequency)
    cells = {}
    for i, idx in enumerate(order):
        key = f"{r[i]}{f[i]}"
        if key[0] in "12":
            name = {"1": "Hibernating", "2": "Hibernating", "5": "Can't lose them"}.get(
                key[1], "At risk"
            )
        elif key in ("31", "32"):
            name = "About to sleep"
        elif key == "33":
            name = "Need attention"
        elif key[1] in "45" and key[0] in "34":
            name = "Loyal customers"
        elif key == "41":
            name = "Promising"
        elif key == "51":
            name = "New customers"
        elif key[1] in "23":
            name = "Potential loyalists"
        else:
            name = "Champions"
        cells[ids[idx]] = name
    return cells


def test_rf_grid_matches_an_independent_computation():
    rng = np.random.default_rng(3)
    n = 523
    ids = [f"K{v:05d}" for v in rng.permutation(n)]
    recency = rng.integers(0, 40, n).tolist()  # many ties
    frequency = rng.geometric(0.45, n).tolist()  # most customers buy once
    frame = pl.DataFrame(
        {
            "CustomerID": ids,
            "has_purchases": [True] * n,
            "recency_days": recency,
            "frequency": frequency,
        }
    )
    grid = rfm.rf_grid(frame)
    expected = grid_by_hand(ids, recency, frequency)
    assert dict(zip(grid["CustomerID"], grid["rf_cell"], strict=True)) == expected
    # ties broken by rank: each score holds a fifth of the customers
    counts = grid["rf_f"].value_counts()["count"].to_list()
    assert len(counts) == 5 and max(counts) - min(counts) <= 1


def test_csv_and_parquet_give_the_same_backtest(planted, tmp_path):
    done, lines, _group, _folder = planted
    frame = pl.DataFrame(
        {
            "customer": [c for c, _, _ in lines],
            "date": [d for _, d, _ in lines],
            "amount": [a for _, _, a in lines],
        }
    )
    parquet = tmp_path / "log.parquet"
    frame.write_parquet(parquet)
    mapping = (("amount_col", "amount"), ("customer_col", "customer"), ("date_col", "date"))
    again = backtest(Settings(source=parquet, mapping=mapping), AT, 90)
    assert again.to_dict() == done.to_dict()
    assert again.result.segments.equals(done.result.segments)


def test_next_spend_is_the_exact_sum_of_the_lines_whatever_their_order(tmp_path):
    # 0.1 + 0.2 + 0.3 is 0.6000000000000001 in floating point when added in this order
    # and 0.6 in the order 0.2 + 0.3 + 0.1; the exact sum is 0.6 either way.
    from segtui.engine.backtest.future import next_period
    from segtui.engine.features.load import load_features

    day = AT + dt.timedelta(days=2)
    lines = [("A", AT - dt.timedelta(days=40), 5.0), ("B", AT - dt.timedelta(days=30), 7.0)]
    lines += [("A", day, 0.1), ("A", day, 0.2), ("A", day, 0.3)]
    lines += [("B", day, 0.2), ("B", day, 0.3), ("B", day, 0.1)]
    log = write_log(tmp_path / "log.csv", lines)
    tables, _ = load_features(Settings(source=log, mapping=MAPPING, k=2, as_of=AT))
    future, _ = next_period(tables, AT, 30)
    assert future.sort("CustomerID").get_column("next_spend").to_list() == [0.6, 0.6]


def test_a_return_in_the_horizon_is_not_buying_again(tmp_path):
    # B only returns goods bought before the cut; C buys and returns part of it the same
    # day; D has no line after the cut. Only A and C bought again.
    from segtui.engine.backtest.future import next_period
    from segtui.engine.backtest.score import score_labels
    from segtui.engine.features.load import load_features

    before, after = AT - dt.timedelta(days=30), AT + dt.timedelta(days=5)
    lines = [(c, before, 20.0) for c in "ABCD"]
    lines += [("A", after, 12.0), ("B", after, -7.0), ("C", after, 10.0), ("C", after, -4.0)]
    log = write_log(tmp_path / "log.csv", lines)
    tables, _ = load_features(Settings(source=log, mapping=MAPPING, k=2, as_of=AT))
    future, _ = next_period(tables, AT, 30)
    got = {r["CustomerID"]: r for r in future.iter_rows(named=True)}
    assert {c: got[c]["next_purchase_days"] for c in got} == {"A": 1, "B": 0, "C": 1}
    assert (got["A"]["next_spend"], got["B"]["next_spend"], got["C"]["next_spend"]) == (
        12.0,
        -7.0,
        6.0,
    )
    labelled = pl.DataFrame(
        {
            "CustomerID": list("ABCD"),
            "segment": [0, 0, 1, 1],
            "segment_name": ["first", "first", "second", "second"],
            "activity": ["active", "active", "lapsing", "lapsing"],
        }
    )
    score = score_labels("segtui", "segtui", labelled, future)
    assert score.base_repeat_rate == pytest.approx(0.5)
    assert [r["bought_again"] for r in score.segments] == [0.5, 0.5]
    # B's net return counts as no spend, not as less than nothing
    assert [r["spend_per_customer"] for r in score.segments] == [6.0, 3.0]

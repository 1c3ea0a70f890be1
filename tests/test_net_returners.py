"""Customers whose returns cancel or exceed their purchases: segment -2 "Net returners",
kept in every output, left out of K-Means, the metrics and the choice of k, and counted
in data_quality (UCI Online Retail has 24 whose returns exceed their purchases; they
formed a cluster of their own, "Low-value one-timers", 0.55% at every k >= 4)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import polars as pl
import pytest
from order_logs import RETAIL_NAMES, _line, make_lines, write_log

from segtui.config import Settings
from segtui.engine.models.assign import assign
from segtui.engine.models.build import build_model
from segtui.engine.models.migration import migrate_sources
from segtui.engine.output.report import markdown_report
from segtui.engine.pipeline import run

NAMES = {k: v for k, v in RETAIL_NAMES.items() if k != "category"}
RETURNERS = ["00900", "00901", "00902", "00903"]


def lines_with_returners() -> list[dict]:
    """The shared order log plus four customers who bought 2 and returned more: 5 items
    three days later (00900-00902), or exactly the 2 they bought (00903, net zero)."""
    lines = make_lines(seed=9, customers=30, orders=600)
    when = dt.datetime(2024, 3, 1, 10)
    for n, cid in enumerate(RETURNERS):
        back = 2 if cid == "00903" else 5
        lines.append(_line(f"70000{n}", cid, "SKU005", when, 2, 10.0))
        lines.append(_line(f"C70000{n}", cid, "SKU005", when + dt.timedelta(days=3), -back, 10.0))
    return lines


def hand_net_returners(lines: list[dict]) -> set[str]:
    """Customers with a purchase line whose amounts (returns negative) sum to <= 0."""
    spend: dict[str, float] = defaultdict(float)
    bought: set[str] = set()
    for line in lines:
        if line["customer"] is None:
            continue
        spend[line["customer"]] += line["amount"]
        if line["quantity"] > 0 and line["amount"] > 0:
            bought.add(line["customer"])
    return {c for c in bought if spend[c] <= 1e-9}


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("returners")
    lines = lines_with_returners()
    plain = [line for line in lines if line["customer"] not in RETURNERS]
    return (
        write_log(folder / "with.csv", lines, NAMES),
        write_log(folder / "without.csv", plain, NAMES),
        lines,
    )


@pytest.fixture(scope="module")
def runs(logs):
    with_log, without_log, _ = logs
    settings = {"k": 3, "seed": 1, "as_of": dt.date(2024, 11, 1)}
    return run(Settings(source=with_log, **settings)), run(Settings(source=without_log, **settings))


def test_net_returners_are_segment_minus_two_in_the_segments_file(runs, logs):
    result, _ = runs
    assert hand_net_returners(logs[2]) == set(RETURNERS)  # the log has exactly these
    minus_two = result.segments.filter(pl.col("segment") == -2)
    assert sorted(minus_two.get_column("CustomerID")) == RETURNERS
    assert set(minus_two.get_column("segment_name")) == {"Net returners"}
    assert minus_two.get_column("total_spend").to_list() == [-30.0, -30.0, -30.0, 0.0]
    # 00031's only line is a return: no purchase at all, still -1
    no_purchase = result.segments.filter(pl.col("segment") == -1).get_column("CustomerID")
    assert no_purchase.to_list() == ["00031"]


def test_net_returners_are_counted_in_the_summary_and_data_quality(runs):
    summary = runs[0].summary()
    assert summary["net_returners"] == {"id": -2, "name": "Net returners", "size": 4}
    assert summary["no_purchases"]["size"] == 1
    assert summary["data_quality"]["net_returners"] == 4
    assert summary["n_clustered"] == summary["n_customers"] - 5
    assert sum(s["size"] for s in summary["segments"]) == summary["n_clustered"]
    assert any("segment -2 'Net returners'" in w for w in summary["warnings"])


def test_net_returners_change_nothing_in_the_clustering(runs):
    # the same log without them gives the same segments, metrics and tiers
    with_them, without = runs
    assert with_them.summary()["metrics"] == without.summary()["metrics"]
    for a, b in zip(with_them.profiles, without.profiles, strict=True):
        assert (a.id, a.name, a.size, a.value_tier) == (b.id, b.name, b.size, b.value_tier)
    kept = with_them.segments.filter(pl.col("segment") >= -1)
    assert kept.select("CustomerID", "segment").equals(
        without.segments.select("CustomerID", "segment")
    )


def test_the_report_lists_net_returners_beside_no_purchases(runs):
    report = markdown_report(runs[0].summary())
    assert "| -1 | No purchases | 1 | – | – |" in report
    assert "| -2 | Net returners | 4 | – | – |" in report


def test_assign_and_migration_keep_net_returners_apart(runs, logs):
    result, _ = runs
    model = build_model(result)
    assigned = assign(model, logs[0], as_of=dt.date(2024, 11, 1))
    summary = assigned.summary()
    assert summary["net_returners"]["size"] == 4
    minus_two = assigned.segments.filter(pl.col("segment") == -2).get_column("CustomerID")
    assert sorted(minus_two) == RETURNERS
    # before: the log without them; after: with them (four new net returners)
    moves = migrate_sources(
        model, logs[1], logs[0], as_of_before=dt.date(2024, 11, 1), as_of_after=dt.date(2024, 11, 1)
    )
    labels = moves.column_labels
    assert labels[-2] == "-2 Net returners" and moves.row_labels[-2] == "-2 Net returners"
    assert moves.matrix[-1, -2] == 4  # new customers who are net returners
    assert moves.matrix[:, -2].sum() == 4

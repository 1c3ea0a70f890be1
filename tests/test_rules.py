"""Segment rules: readable, exact enough on planted data, exported as CSV and SQL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.config import Settings
from segtui.engine.pipeline import SegmentationResult, clustered_rows, run
from segtui.engine.segments.rules import Condition, Rule, _design, rule_mask, segment_rules


@pytest.fixture(scope="module")
def planted(planted_dir: Path) -> SegmentationResult:
    return run(Settings(source=planted_dir))


def test_every_segment_has_rules_with_precision_at_least_0_8_on_planted_data(planted):
    assert planted.explanation is not None
    for profile in planted.profiles:
        rules = planted.explanation.rules[profile.id]
        assert rules.precision >= 0.8, profile.name
        assert rules.rules[0].precision >= 0.8, profile.name


def test_rule_figures_are_those_of_the_rule_as_written(planted):
    assert planted.explanation is not None
    clustered = clustered_rows(planted.feature_table.frame, planted.features)
    design = _design(clustered, planted.features)
    for seg, rules in planted.explanation.rules.items():
        for rule in rules.rules:
            mask = rule_mask(rule.conditions, design)
            in_segment = planted.labels == seg
            assert rule.size == int(mask.sum())
            assert rule.precision == pytest.approx((mask & in_segment).sum() / mask.sum())
            assert rule.recall == pytest.approx((mask & in_segment).sum() / in_segment.sum())


def test_rules_describe_the_named_segments_labels(planted):
    # The rules are learnt from the labels the names come from: the top-spend segment's
    # rules select high spenders.
    assert planted.explanation is not None
    top = max(planted.profiles, key=lambda p: p.means["total_spend"])
    clustered = clustered_rows(planted.feature_table.frame, planted.features)
    mask = rule_mask(
        planted.explanation.rules[top.id].rules[0].conditions, _design(clustered, planted.features)
    )
    spend = clustered["total_spend"].to_numpy()
    assert spend[mask].mean() > 2 * spend.mean()


def test_categorical_conditions_read_as_equality_and_in_lists():
    one = Condition("region", "in", ("Europe",))
    several = Condition("region", "in", ("Asia", "O'Hare"))
    assert one.text() == "region = 'Europe'"
    assert several.sql() == "\"region\" IN ('Asia', 'O''Hare')"
    rule = Rule(
        0,
        (Condition("total_spend", ">", 4050.0), Condition("recency_days", "<=", 60.0)),
        1.0,
        1.0,
        1,
    )
    assert rule.text() == "total_spend > 4,050 and recency_days <= 60"
    assert rule.sql() == '("total_spend" > 4050 AND "recency_days" <= 60)'


def test_a_region_driven_segmentation_gets_region_rules():
    # Region fully determines the segment here: the rules must say so with = / IN.
    rng = np.random.default_rng(0)
    regions = np.array(["Asia", "Europe", "Asia", "Africa"])[rng.integers(0, 4, 400)]
    frame = pl.DataFrame({"region": regions, "total_spend": rng.normal(100, 5, 400)})
    labels = np.where(regions == "Europe", 1, 0)
    rules = segment_rules(frame, labels, ["region", "total_spend"], [0, 1], seed=1)
    assert [r.text() for r in rules[1].rules] == ["region = 'Europe'"]
    assert [r.text() for r in rules[0].rules] == ["region IN ('Africa', 'Asia')"]
    assert rules[0].precision == rules[0].recall == 1.0


def test_rules_export_as_csv_and_sql(planted_dir, tmp_path):
    runner = CliRunner()
    for name in ("rules.csv", "rules.sql"):
        result = runner.invoke(
            app, ["run", str(planted_dir), "-q", "--rules", str(tmp_path / name)]
        )
        assert result.exit_code == 0, result.stderr
    table = pl.read_csv(tmp_path / "rules.csv")
    assert table.columns[:2] == ["rule", "segment"] and {"precision", "recall"} <= set(
        table.columns
    )
    assert sorted(table["segment"].unique().to_list()) == [0, 1, 2, 3]
    sql = (tmp_path / "rules.sql").read_text()
    assert sql.count("\nWHERE ") == 4 and '"total_spend"' in sql


def test_rules_file_with_an_unknown_extension_is_refused_before_running(planted_dir, tmp_path):
    result = CliRunner().invoke(
        app, ["run", str(planted_dir), "-q", "--rules", str(tmp_path / "r.txt")]
    )
    assert result.exit_code == 2
    assert "Use one of .csv, .sql" in result.stderr


def test_whole_number_features_get_whole_number_thresholds():
    frequency = np.array([1, 2, 3, 8, 9, 10, 11, 12] * 20, dtype=np.float64)
    frame = pl.DataFrame({"frequency": frequency})
    labels = (frequency >= 9).astype(np.int64)
    rules = segment_rules(frame, labels, ["frequency"], [0, 1], seed=1)
    assert [r.text() for r in rules[1].rules] == ["frequency >= 9"]
    assert [r.text() for r in rules[0].rules] == ["frequency <= 8"]


def test_a_single_whole_number_reads_as_equality():
    frequency = np.array([1, 2, 3, 8, 9, 10, 11, 12] * 20, dtype=np.float64)
    labels = (frequency == 9).astype(np.int64)
    rules = segment_rules(
        pl.DataFrame({"frequency": frequency}), labels, ["frequency"], [0, 1], seed=1
    )
    assert [r.text() for r in rules[1].rules] == ["frequency = 9"]
    assert rules[1].sql() == '("frequency" = 9)'

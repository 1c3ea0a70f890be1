"""`segtui run --clv`: value columns, customers without purchases, options, errors,
settings file, and the lifecycle rules."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from segtui import settings_file
from segtui.cli import app
from segtui.config import Settings
from segtui.engine.pipeline import run
from segtui.engine.value import lifecycle

runner = CliRunner()
VALUE_COLUMNS = ["p_alive", "expected_purchases", "expected_order_value", "clv", "stage"]


def assert_user_error(result, *needles: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1, line
    for needle in needles:
        assert needle in line, line


@pytest.fixture(scope="module")
def zeotap_value(zeotap_dir):
    return run(Settings(source=zeotap_dir, clv=True))


def test_customers_without_purchases_are_kept_with_empty_value_fields(zeotap_value):
    segments = zeotap_value.segments
    assert segments.height == 200
    c0180 = segments.filter(pl.col("CustomerID") == "C0180")
    assert c0180.get_column("segment").to_list() == [-1]
    for column in VALUE_COLUMNS:
        assert c0180.get_column(column).is_null().all(), column
    others = segments.filter(pl.col("segment") >= 0)
    assert others.select(VALUE_COLUMNS).null_count().sum_horizontal().item() == 0


def test_value_columns_follow_the_segments_file_columns(zeotap_value):
    assert zeotap_value.segments.columns[-5:] == VALUE_COLUMNS


def test_summary_has_clv_params_time_unit_and_convergence(zeotap_value):
    clv = zeotap_value.summary()["clv"]
    assert set(clv["params"]["bgnbd"]) == {"r", "alpha", "a", "b"}
    assert set(clv["params"]["gamma_gamma"]) == {"p", "q", "gamma"}
    assert clv["time_unit"] == "weeks"
    assert clv["n_repeat"] == 187
    assert isinstance(clv["converged"], bool)
    assert (
        clv["lifecycle"]["counts"]["new"]
        + sum(v for k, v in clv["lifecycle"]["counts"].items() if k != "new")
        == 199
    )


def test_each_segment_gains_mean_and_total_clv(zeotap_value):
    summary = zeotap_value.summary()
    segments = zeotap_value.segments
    for seg in summary["segments"]:
        members = segments.filter(pl.col("segment") == seg["id"])
        assert seg["total_clv"] == pytest.approx(members.get_column("clv").sum(), abs=0.01)
        assert seg["mean_p_alive"] == pytest.approx(members.get_column("p_alive").mean(), abs=1e-4)


def test_summary_without_clv_has_no_value_keys(zeotap_dir):
    summary = run(Settings(source=zeotap_dir)).summary()
    assert "clv" not in summary
    assert "mean_clv" not in summary["segments"][0]
    assert "clv" not in summary["params"]


def test_too_few_repeat_customers_exit_2_with_the_reason(tiny_dir):
    result = runner.invoke(app, ["run", str(tiny_dir), "--clv", "-k", "2", "-q"])
    assert_user_error(result, "too few repeat customers", "at least 20")


def test_holdout_end_needs_clv(zeotap_dir):
    result = runner.invoke(app, ["run", str(zeotap_dir), "--holdout-end", "2024-12-31", "-q"])
    assert_user_error(result, "--holdout-end needs --clv")


def test_holdout_end_needs_as_of(zeotap_dir):
    result = runner.invoke(
        app, ["run", str(zeotap_dir), "--clv", "--holdout-end", "2024-12-31", "-q"]
    )
    assert_user_error(result, "needs --as-of")


def test_horizon_must_be_positive(zeotap_dir):
    result = runner.invoke(app, ["run", str(zeotap_dir), "--clv", "--horizon", "0", "-q"])
    assert_user_error(result, "--horizon")


def test_longer_horizon_gives_more_expected_purchases(zeotap_dir):
    short = run(Settings(source=zeotap_dir, clv=True, horizon_days=30)).segments
    long = run(Settings(source=zeotap_dir, clv=True, horizon_days=365)).segments
    bought = pl.col("segment") >= 0
    a = short.filter(bought).get_column("expected_purchases").to_numpy()
    b = long.filter(bought).get_column("expected_purchases").to_numpy()
    assert np.all(b >= a) and b.sum() > a.sum()


def test_settings_file_clv_options_round_trip(tmp_path):
    settings = Settings(
        source=tmp_path,
        clv=True,
        horizon_days=180,
        discount_rate=0.08,
        as_of=dt.date(1997, 10, 1),
        holdout_end=dt.date(1998, 6, 30),
    )
    path = tmp_path / "segtui.toml"
    path.write_text(settings_file.dump(settings))
    assert settings_file.merge(settings_file.read_config(path), {}) == settings


def test_settings_file_clv_true_turns_the_value_columns_on(zeotap_dir, tmp_path):
    config = tmp_path / "segtui.toml"
    config.write_text("clv = true\nhorizon = 30\n")
    result = runner.invoke(app, ["run", str(zeotap_dir), "--config", str(config), "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["clv"]["horizon_days"] == 30


def test_report_shows_the_value_section(zeotap_dir, tmp_path):
    report = tmp_path / "report.md"
    result = runner.invoke(app, ["run", str(zeotap_dir), "--clv", "--summary", str(report), "-q"])
    assert result.exit_code == 0, result.stderr
    text = report.read_text()
    assert "## Customer value" in text and "| mean CLV | total CLV | mean P(alive) |" in text


def test_report_says_the_correlation_is_undefined_when_every_repeat_count_is_the_same(tmp_path):
    # 60 of 400 customers bought on exactly two days, nobody on three: every repeat
    # customer has x = 1, so spend cannot be correlated with it (the JSON has null).
    rng = np.random.default_rng(1)
    lines = ["customer,date,amount"]
    for i in range(400):
        first = dt.date(2023, 1, 1) + dt.timedelta(days=int(rng.integers(0, 500)))
        lines.append(f"X{i:04d},{first},{rng.lognormal(3, 1):.2f}")
        if i < 60:
            again = first + dt.timedelta(days=int(rng.integers(1, 200)))
            lines.append(f"X{i:04d},{again},{rng.lognormal(3, 1):.2f}")
    log = tmp_path / "two_days.csv"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "report.md"
    result = runner.invoke(app, ["run", str(log), "--clv", "--summary", str(report), "-q"])
    assert result.exit_code == 0, result.stderr
    text = report.read_text()
    assert "Correlation of average spend with repeat purchases: not defined" in text
    assert "nan" not in text


def days(*values: str) -> pl.Series:
    return pl.Series([dt.date.fromisoformat(v) if v else None for v in values], dtype=pl.Date)


def test_lifecycle_stages_follow_the_documented_rules():
    # typical gap 30 days, lapse threshold 60 days; as-of 2024-07-01
    first = days("2024-06-01", "2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01")
    last = days("2024-06-20", "2024-04-01", "2024-06-25", "2024-06-25", "2024-05-20", "2024-06-25")
    prev = days("2024-06-01", "2024-03-01", "2024-03-01", "2024-06-01", "2024-05-01", "2024-06-01")
    p_alive = np.array([0.9, 0.9, 0.9, 0.9, 0.9, 0.3])
    stage = lifecycle.stages(first, last, prev, p_alive, dt.date(2024, 7, 1), 30.0)
    assert stage.to_list() == ["new", "lapsed", "reactivated", "active", "at_risk", "at_risk"]


def test_stages_use_the_segment_rules_typical_gap(zeotap_value):
    # One G for the segments' activity and the customers' stages (docs/value.md).
    summary = zeotap_value.summary()
    gap = summary["diagnostics"]["segment_rule"]["typical_gap_days"]
    assert summary["clv"]["lifecycle"]["typical_gap_days"] == round(gap, 2)


def test_segment_activity_agrees_with_its_members_stages(tmp_path):
    # Realistic data (lapsed cohorts, one-timers). A lapsed segment has a median recency
    # over 2 G = L, so more than half of its members are `lapsed` by construction; an
    # active segment (at least the base's share within their own rhythm) has no more of
    # its members `lapsed` than the base has (docs/value.md).
    from segtui.engine.sample_realistic import generate_realistic

    generate_realistic(4_000, seed=11).write(tmp_path / "shop")
    result = run(Settings(source=tmp_path / "shop", k=4, clv=True))
    stages = result.segments.filter(pl.col("segment") >= 0)
    base = (stages.get_column("stage") == "lapsed").mean()
    activities = {s["id"]: s["activity"] for s in result.summary()["segments"]}
    assert set(activities.values()) - {"active"}, "the sample should have a non-active segment"
    for segment_id, activity in activities.items():
        members = stages.filter(pl.col("segment") == segment_id)
        lapsed = (members.get_column("stage") == "lapsed").mean()
        if activity == "active":
            assert lapsed <= base, (segment_id, lapsed, base)
        if activity == "lapsed":
            assert lapsed >= 0.5, (segment_id, lapsed)


@pytest.mark.parametrize("as_of", [None, dt.date(2024, 9, 1)])
def test_the_features_step_collects_the_value_figures_in_its_own_plan(tmp_path, as_of):
    # With --clv the purchase rows come out of the features' plan (one parse of the file)
    # and are reduced with numpy; the figures equal the value step's own grouped pass,
    # with and without an as-of date (without one, the features decide it after the plan
    # has run). Only the average spend's last bits may differ (sums in another order).
    from polars.testing import assert_frame_equal

    from segtui.engine.features.load import load_features
    from segtui.engine.value.predict import calibration_frame
    from segtui.engine.value.summary import ROW_HASH, calibration_summary

    sample = tmp_path / "realistic"
    runner.invoke(app, ["sample", str(sample), "--customers", "3000", "--profile", "realistic"])
    tables, table = load_features(Settings(source=sample, clv=True, as_of=as_of))
    assert len(table.side) == 1 and ROW_HASH in table.side[0].columns
    ids = table.frame.get_column("CustomerID")
    from_plan = calibration_frame(tables, table.as_of, table.side[0], ids)
    own_pass = calibration_summary(tables, table.as_of)
    assert from_plan.height > 1000
    assert_frame_equal(from_plan, own_pass, check_exact=False, rel_tol=1e-12, abs_tol=0)
    assert from_plan.drop("m").equals(own_pass.drop("m"))
    _, plain = load_features(Settings(source=sample, as_of=as_of))
    assert plain.side == []


def test_value_columns_are_the_same_on_every_run(tmp_path):
    # The calibration rows are put in CustomerID order: a group-by's row order changed
    # from run to run and the fits' last digits (and sometimes the converged flag) with it.
    sample = tmp_path / "realistic"
    runner.invoke(app, ["sample", str(sample), "--customers", "3000", "--profile", "realistic"])
    first = run(Settings(source=sample, clv=True))
    second = run(Settings(source=sample, clv=True))
    assert first.segments.select(VALUE_COLUMNS).equals(second.segments.select(VALUE_COLUMNS))
    assert first.value["params"] == second.value["params"]


def test_reclustering_a_feature_table_reuses_its_value_models(tmp_path, monkeypatch):
    # The value models do not depend on the clustering: re-clustering the same feature
    # table (what the workbench does on k+1) reuses them, and only other value options
    # (here the horizon) fit again.
    from segtui.engine.features.load import load_features
    from segtui.engine.value import predict

    sample = tmp_path / "realistic"
    runner.invoke(app, ["sample", str(sample), "--customers", "3000", "--profile", "realistic"])
    settings = Settings(source=sample, clv=True, k=3)
    tables, table = load_features(settings)
    first = run(settings, tables=tables, feature_table=table)
    fits: list[int] = []
    real = predict.model_value
    monkeypatch.setattr(predict, "model_value", lambda *a, **k: (fits.append(1), real(*a, **k))[1])
    second = run(settings.replace(k=4), tables=tables, feature_table=table)
    assert fits == []
    assert second.k == 4
    columns = ["CustomerID", *VALUE_COLUMNS]
    assert first.segments.select(columns).equals(second.segments.select(columns))
    assert first.value["params"] == second.value["params"]
    longer = run(settings.replace(k=4, horizon_days=365), tables=tables, feature_table=table)
    assert fits == [1]
    assert longer.value["horizon_days"] == 365

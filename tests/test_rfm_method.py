"""RFM as a method (``--method rfm``) and the segment x RFM cell table of every report,
checked against an independent computation of the R x F grid."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from test_backtest import AT, MAPPING, grid_by_hand, planted_lines, write_log
from typer.testing import CliRunner

import segtui
from segtui.cli import app
from segtui.config import Settings
from segtui.engine.backtest import backtest
from segtui.engine.errors import OptionError
from segtui.engine.features.rfm import RF_NAMES
from segtui.engine.pipeline import run
from segtui.settings_file import dump, merge, read_config

FLAGS = [arg for key, value in MAPPING for arg in (f"--{key.replace('_', '-')}", value)]


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    return write_log(tmp_path_factory.mktemp("rfm_method") / "log.csv", planted_lines()[0])


def hand_cells(result) -> dict[str, str]:
    """The grid computed by hand from the run's own recency and frequency columns."""
    frame = result.feature_table.frame.filter(pl.col("has_purchases"))
    return grid_by_hand(
        frame["CustomerID"].to_list(), frame["recency_days"].to_list(), frame["frequency"].to_list()
    )


def test_rfm_method_segments_are_the_grid_cells(log):
    result = run(Settings(source=log, mapping=MAPPING, as_of=AT, method="rfm"))
    segments = result.segments.filter(pl.col("segment") >= 0)
    got = dict(zip(segments["CustomerID"], segments["segment_name"], strict=True))
    assert got == hand_cells(result)
    # ids run 0.. over the cells in use, in the grid's order
    used = [name for name in RF_NAMES if name in set(got.values())]
    assert [p.name for p in result.profiles] == used
    assert [p.id for p in result.profiles] == list(range(len(used)))
    assert result.k == len(used)
    for profile in result.profiles:
        assert profile.action and profile.description
        assert profile.activity in ("active", "lapsing", "lapsed")


def test_every_kmeans_report_has_the_segment_by_cell_table(log):
    result = run(Settings(source=log, mapping=MAPPING, as_of=AT))
    cells = hand_cells(result)
    segments = result.segments.filter(pl.col("segment") >= 0)
    expected: dict[str, dict[str, int]] = {}
    for cid, seg in zip(segments["CustomerID"], segments["segment"], strict=True):
        row = expected.setdefault(str(seg), dict.fromkeys(RF_NAMES, 0))
        row[cells[cid]] += 1
    grid = result.summary()["diagnostics"]["rfm_grid"]
    assert grid["cells"] == list(RF_NAMES)
    assert grid["segments"] == dict(sorted(expected.items()))
    from segtui.engine.output.report import markdown_report

    assert "## Segments in the RFM grid" in markdown_report(result.summary())


def test_python_api_takes_the_method(log):
    seg = segtui.segment(log, mapping=dict(MAPPING), as_of=AT, method="rfm", progress=False)
    assert {p.name for p in seg.profiles} <= set(RF_NAMES)


def test_cli_run_method_rfm(log, tmp_path):
    out = tmp_path / "segments.csv"
    result = CliRunner().invoke(
        app, ["run", str(log), *FLAGS, "--method", "rfm", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["params"]["method"] == "rfm"
    assert set(pl.read_csv(out)["segment_name"]) <= set(RF_NAMES)


def test_cli_unknown_method_exits_2_in_one_line(log):
    result = CliRunner().invoke(app, ["run", str(log), *FLAGS, "--method", "dbscan"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "method must be one of kmeans, rfm" in lines[0]


def test_engine_refuses_an_unknown_method(log):
    with pytest.raises(OptionError, match="unknown method"):
        run(Settings(source=log, mapping=MAPPING, method="grid"))


def test_settings_file_keeps_the_method(tmp_path, log):
    path = tmp_path / "segtui.toml"
    path.write_text(dump(Settings(source=log, method="rfm")), encoding="utf-8")
    assert merge(read_config(path), {}).method == "rfm"


def test_backtest_of_the_rfm_method_scores_like_the_rfm_reference(log):
    done = backtest(Settings(source=log, mapping=MAPPING, method="rfm"), AT, 90)
    own, reference = done.scores["segtui"], done.scores["rfm_grid"]
    assert own.eta_squared == pytest.approx(reference.eta_squared, rel=1e-12)
    assert [s["name"] for s in own.segments] == [s["name"] for s in reference.segments]
    assert np.isclose(own.repeat_rate_range, reference.repeat_rate_range)


def test_save_model_with_the_rfm_method_is_refused_before_reading(log, tmp_path):
    model = tmp_path / "model.json"
    result = CliRunner().invoke(
        app, ["run", str(log), *FLAGS, "--method", "rfm", "--save-model", str(model)]
    )
    assert result.exit_code == 2 and "--save-model needs --method kmeans" in result.stderr
    assert not model.exists()


def test_segment_cells_by_position_agree_with_the_joined_grid():
    from segtui.engine.segments.rfm_cells import segment_cells

    rng = np.random.default_rng(11)
    n = 400
    frame = pl.DataFrame(
        {
            "CustomerID": [f"C{i:04d}" for i in range(n)],
            "has_purchases": rng.random(n) > 0.05,
            "recency_days": rng.integers(0, 30, n),
            "frequency": rng.geometric(0.5, n),
        }
    )
    ids = frame.filter(pl.col("has_purchases"))["CustomerID"]
    labels = rng.integers(0, 3, ids.len())
    by_position = segment_cells(frame, ids, labels)  # buyers in id order: numpy ranks
    joined = segment_cells(frame, ids.reverse(), labels[::-1])  # any order: the polars grid
    assert by_position == joined
    assert sum(sum(row.values()) for row in by_position["segments"].values()) == ids.len()

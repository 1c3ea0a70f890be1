"""``segtui backtest`` through the command line: JSON, Markdown, the table and bad options."""

from __future__ import annotations

import json

import pytest
from test_backtest import MAPPING, planted_lines, write_log
from typer.testing import CliRunner

from segtui.cli import app

FLAGS = [arg for key, value in MAPPING for arg in (f"--{key.replace('_', '-')}", value)]


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    return write_log(tmp_path_factory.mktemp("cli_backtest") / "log.csv", planted_lines()[0])


def test_json_carries_the_three_segmentations(log):
    result = CliRunner().invoke(
        app, ["backtest", str(log), *FLAGS, "--at", "2021-01-01", "--horizon", "90", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    bt = summary["backtest"]
    assert set(bt["methods"]) == {"segtui", "rfm_grid", "kmeans4"}
    assert bt["at"] == "2021-01-01" and bt["horizon_end"] == "2021-03-31"
    # the segments were made from the past: the run's as-of date is the cut
    assert summary["as_of"] == "2021-01-01"
    segtui = bt["methods"]["segtui"]
    assert [s["id"] for s in segtui["segments"]] == [s["id"] for s in summary["segments"]]
    assert sum(s["customers"] for s in segtui["segments"]) == summary["n_clustered"]


def test_markdown_summary_and_terminal_table(log, tmp_path):
    report = tmp_path / "backtest.md"
    result = CliRunner().invoke(
        app, ["backtest", str(log), *FLAGS, "--at", "2021-01-01", "--summary", str(report)]
    )
    assert result.exit_code == 0, result.stderr
    text = report.read_text(encoding="utf-8")
    assert "## Backtest" in text and "### RFM R×F grid" in text and "### K-Means k=4" in text
    assert "the next period, explained by each segmentation" in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([], "backtest needs --at"),
        (["--at", "2021-13-01"], "--at expects a date"),
        (["--at", "2021-01-01", "--horizon", "0"], "--horizon must be 1 to"),
        (["--at", "2030-01-01"], "no transaction is dated on or after --at 2030-01-01"),
        (["--at", "2019-01-01"], "no transactions before the as-of date 2019-01-01"),
    ],
)
def test_bad_options_exit_2_with_one_line(log, args, needle):
    result = CliRunner().invoke(app, ["backtest", str(log), *FLAGS, *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr


def test_summary_on_stdout_is_the_json_summary(log):
    """``--summary -`` writes the summary JSON (the report goes to stderr); it was
    planned on stdout and then never written."""
    argv = ["backtest", str(log), *FLAGS, "--at", "2021-01-01"]
    on_stdout = CliRunner().invoke(app, [*argv, "--summary", "-"])
    assert on_stdout.exit_code == 0, on_stdout.stderr
    as_json = CliRunner().invoke(app, [*argv, "--json"])
    assert json.loads(on_stdout.stdout) == json.loads(as_json.stdout)
    assert "the next period, explained by each segmentation" in on_stdout.stderr

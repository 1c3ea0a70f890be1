"""The run manifest and `segtui run --replay`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.engine.models.integrity import hash_files

runner = CliRunner()


@pytest.fixture()
def recorded(planted_dir: Path, tmp_path: Path) -> dict[str, Path]:
    """A copy of the planted data and a run of it with its summary and segments file."""
    data = tmp_path / "data"
    shutil.copytree(planted_dir, data)
    summary, out = tmp_path / "first.json", tmp_path / "first.csv"
    result = runner.invoke(
        app, ["run", str(data), "-q", "--seed", "3", "--summary", str(summary), "--out", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    return {"data": data, "summary": summary, "out": out, "dir": tmp_path}


def test_manifest_records_content_hash_settings_versions_and_seed(recorded):
    manifest = json.loads(recorded["summary"].read_text())["manifest"]
    files = sorted(recorded["data"].iterdir())
    assert manifest["input"]["digest"] == hash_files(files)["digest"]
    assert manifest["seed"] == 3 and manifest["settings"]["seed"] == 3
    assert set(manifest["versions"]) >= {"segtui", "python", "polars", "numpy", "scikit-learn"}


def test_replay_reproduces_byte_identical_outputs(recorded):
    summary, out = recorded["dir"] / "again.json", recorded["dir"] / "again.csv"
    result = runner.invoke(
        app,
        [
            "run",
            "--replay",
            str(recorded["summary"]),
            "-q",
            "--summary",
            str(summary),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert summary.read_bytes() == recorded["summary"].read_bytes()
    assert out.read_bytes() == recorded["out"].read_bytes()


def test_replay_refuses_changed_data_in_one_line(recorded):
    transactions = recorded["data"] / "Transactions.csv"
    transactions.write_text(transactions.read_text().replace(",1,", ",2,", 1))
    result = runner.invoke(app, ["run", "--replay", str(recorded["summary"]), "-q"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "input data changed" in result.stderr and "Transactions.csv" in result.stderr


def test_replay_refuses_other_settings(recorded):
    result = runner.invoke(app, ["run", "--replay", str(recorded["summary"]), "-k", "3"])
    assert result.exit_code == 2
    assert "--replay takes its settings from the summary" in result.stderr


def test_replay_of_a_file_without_manifest_says_so(tmp_path):
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"version": "0.0.1", "segments": []}))
    result = runner.invoke(app, ["run", "--replay", str(old)])
    assert result.exit_code == 2 and "no run manifest" in result.stderr

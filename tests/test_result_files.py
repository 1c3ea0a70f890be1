"""The one way to write a result (output/result_files.py): every kind of file, to disk or
to stdout, planned against the inputs before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from segtui.config import Settings
from segtui.engine import OutputError, ResultFile, plan_result, write_result
from segtui.engine.models.build import build_model
from segtui.engine.output.inputs import result_inputs
from segtui.engine.pipeline import run


@pytest.fixture(scope="module")
def result(zeotap_dir: Path):
    return run(Settings(source=zeotap_dir, k=3))


def test_every_kind_is_written_together(result, tmp_path: Path) -> None:
    files = [
        ResultFile("--out", "segments", tmp_path / "s.parquet"),
        ResultFile("--summary", "summary", tmp_path / "s.json"),
        ResultFile("--save-model", "model", tmp_path / "m.json"),
        ResultFile("--rules", "rules", tmp_path / "r.sql"),
        ResultFile("export", "export", tmp_path / "settings.toml"),
    ]
    written = plan_result(files, inputs=result_inputs(result)).write(result)
    assert written == [f.path for f in files]
    assert pl.read_parquet(tmp_path / "s.parquet").equals(result.segments)
    assert json.loads((tmp_path / "s.json").read_text())["k"] == 3
    model = json.loads((tmp_path / "m.json").read_text())
    assert model["centroids"] == build_model(result).to_dict()["centroids"]
    assert (tmp_path / "r.sql").read_text().count("WHERE") == 3
    assert "k = 3" in (tmp_path / "settings.toml").read_text()


def test_stdout_gets_the_kinds_own_content(result, capsys) -> None:
    plan = plan_result([ResultFile("--save-model", "model", "-")], inputs=[])
    assert plan.write(result) == []
    printed = json.loads(capsys.readouterr().out)
    assert printed["centroids"] == build_model(result).to_dict()["centroids"]


def test_the_python_write_refuses_a_file_the_result_read(result, zeotap_dir: Path) -> None:
    with pytest.raises(OutputError, match="out is the file of the source folder"):
        write_result(result, zeotap_dir / "Transactions.csv", force=True)

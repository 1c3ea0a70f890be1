"""A plain install (`pip install segtui`, no extras) reads Parquet: pyarrow is in no
runtime path. `.ci/run` also installs the project without extras into a fresh venv and
runs a Parquet source there; this test is the fast, in-process guard."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app

runner = CliRunner()


class _NoPyarrow:
    """A meta-path finder that makes `import pyarrow` fail as it does without the wheel."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.split(".")[0] == "pyarrow":
            raise ModuleNotFoundError("No module named 'pyarrow'", name="pyarrow")


def hide_pyarrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on in the test, pyarrow cannot be imported."""
    for name in [n for n in sys.modules if n.split(".")[0] == "pyarrow"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_NoPyarrow(), *sys.meta_path])
    with pytest.raises(ModuleNotFoundError):
        import pyarrow  # noqa: F401


def test_a_parquet_folder_runs_without_pyarrow(tmp_path: Path, monkeypatch) -> None:
    hide_pyarrow(monkeypatch)
    folder = tmp_path / "parquet"
    made = runner.invoke(
        app, ["sample", str(folder), "--format", "parquet", "--customers", "120", "-q"]
    )
    assert made.exit_code == 0, made.stderr
    out = tmp_path / "segments.csv"
    done = runner.invoke(app, ["run", str(folder), "-q", "--out", str(out)])
    assert done.exit_code == 0, (done.stderr, done.exception)
    segments = pl.read_csv(out)
    assert segments.height == 120
    customers = pl.read_parquet(folder / "Customers.parquet")
    assert sorted(segments["CustomerID"].to_list()) == sorted(customers["CustomerID"].to_list())


def test_a_repeated_parquet_column_is_named_without_pyarrow(tmp_path: Path, monkeypatch) -> None:
    # Only pyarrow writes a repeated name; Polars refuses to read it, and the reader turns
    # that refusal into the usual one line naming the column.
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "orders.parquet"
    ids = pa.array(["C1", "C2"])
    pq.write_table(
        pa.table([ids, pa.array([1.0, 2.0]), ids], ["CustomerID", "x", "CustomerID"]), path
    )
    hide_pyarrow(monkeypatch)
    done = runner.invoke(app, ["run", str(path)])
    assert done.exit_code == 2, (done.stderr, done.exception)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0]
    assert "column 'CustomerID': duplicated column" in lines[0]

"""Same data and seed give byte-identical outputs whether the input is CSV or Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from segtui.cli import app
from segtui.engine.sample import generate

runner = CliRunner()
TABLES = ("Customers", "Products", "Transactions")


def run_outputs(source: Path, out_dir: Path, *args: str) -> tuple[bytes, bytes, dict]:
    """(segments CSV bytes, segments Parquet bytes, summary without source and manifest)."""
    out_dir.mkdir()
    csv_out, pq_out, summary = out_dir / "s.csv", out_dir / "s.parquet", out_dir / "r.json"
    for out, extra in ((csv_out, ["--summary", str(summary)]), (pq_out, [])):
        result = runner.invoke(app, ["run", str(source), "-q", "--out", str(out), *extra, *args])
        assert result.exit_code == 0, result.stderr
    data = json.loads(summary.read_text())
    data.pop("source")
    # The manifest hashes the input files' bytes, which differ between CSV and Parquet.
    data.pop("manifest")
    return csv_out.read_bytes(), pq_out.read_bytes(), data


def test_generated_data_as_csv_and_parquet_give_identical_outputs(tmp_path: Path) -> None:
    data = generate(600, 5000, seed=11, groups=4)
    data.write(tmp_path / "csv", fmt="csv")
    data.write(tmp_path / "parquet", fmt="parquet")
    assert {p.suffix for p in (tmp_path / "parquet").iterdir()} == {".parquet"}
    args = ("--features", "total_spend,frequency,recency_days,tenure_days,region,category_shares")
    from_csv = run_outputs(tmp_path / "csv", tmp_path / "a", *args)
    from_parquet = run_outputs(tmp_path / "parquet", tmp_path / "b", *args)
    assert from_csv == from_parquet


def test_zeotap_converted_to_parquet_gives_identical_outputs(zeotap_dir: Path, tmp_path) -> None:
    parquet_dir = tmp_path / "zeotap_parquet"
    parquet_dir.mkdir()
    ids = {"CustomerID": pl.String, "ProductID": pl.String, "TransactionID": pl.String}
    for name in TABLES:
        frame = pl.read_csv(zeotap_dir / f"{name}.csv", schema_overrides=ids, try_parse_dates=True)
        frame.write_parquet(parquet_dir / f"{name}.parquet")
    assert pl.read_parquet(parquet_dir / "Transactions.parquet")["TransactionDate"].dtype in (
        pl.Datetime("us"),
        pl.Datetime("ns"),
    )
    assert run_outputs(zeotap_dir, tmp_path / "a") == run_outputs(parquet_dir, tmp_path / "b")

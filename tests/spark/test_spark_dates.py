"""The Spark reader decides dates by the same rule as the Polars engine (io/dates.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from segtui.engine.io import dates


def _month_first_log(path: Path, ambiguous_rows: int, late_rows: int) -> Path:
    """CustomerID, TransactionDate (m/d/Y), TotalValue: the first ``ambiguous_rows``
    dated on days 1..12, then days 13..28 (only month-first reads those)."""
    lines = ["CustomerID,TransactionDate,TotalValue"]
    for row in range(ambiguous_rows + late_rows):
        day = (row * 5 + 3) % 12 + 1 if row < ambiguous_rows else 13 + row % 16
        lines.append(f"C{row % 50},{row % 12 + 1}/{day}/2011,{row % 7 + 1}.25")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_spark_reads_a_log_with_an_ambiguous_head_month_first(spark, tmp_path: Path):
    from segtui.engine.spark.reader import read_source

    log = _month_first_log(tmp_path / "tx.csv", dates.HEAD_ROWS + 500, 300)
    tables = read_source(spark, str(log))
    assert tables.files["transactions"].date_formats["TransactionDate"] == "%m/%d/%Y"
    stamps = [
        dt.datetime.strptime(line.split(",")[1], "%m/%d/%Y")
        for line in log.read_text(encoding="utf-8").splitlines()[1:]
    ]
    first = tables.transactions.orderBy("TransactionDate").first()
    assert first["TransactionDate"] == min(stamps)
    assert tables.transactions.where("TransactionDate IS NULL").count() == 0


def test_spark_reports_a_genuinely_ambiguous_column(spark, tmp_path: Path):
    from segtui.engine.spark.reader import read_source

    log = _month_first_log(tmp_path / "tx.csv", 200, 0)
    spec = read_source(spark, str(log)).files["transactions"]
    assert spec.date_formats["TransactionDate"] == "%d/%m/%Y"
    assert spec.data_quality["date_ambiguous"] is True
    assert any("ambiguous" in w for w in spec.warnings)


@pytest.mark.parametrize("as_of", [dt.date(2011, 12, 31)])
def test_spark_as_of_does_not_drop_unparsed_dates(spark, tmp_path: Path, as_of: dt.date):
    from segtui.engine.errors import InputError
    from segtui.engine.spark.features import compute_features_spark
    from segtui.engine.spark.reader import read_source

    log = tmp_path / "tx.csv"
    log.write_text(
        "CustomerID,TransactionDate,TotalValue\nC1,2011-01-05,1\nC2,2011-02-05,2\n"
        "C3,2011-13-05,3\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="date"):
        compute_features_spark(read_source(spark, str(log)), ["total_spend"], as_of)

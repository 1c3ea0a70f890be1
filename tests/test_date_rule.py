"""The one date rule (segtui/engine/io/dates.py) on logs and folders.

The key case is a US month-first export (``12/1/2010 8:26``, like the UCI Online Retail
file) whose first 30,000 rows all fall on the 1st..12th of a month, so the head alone
reads them day-first; the totals are checked against an independent computation
(csv module + datetime.strptime, not Polars).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.engine.errors import InputError, OptionError
from segtui.engine.features.compute import compute_features
from segtui.engine.io import dates
from segtui.engine.io.sources import load_source

runner = CliRunner()
AMBIGUOUS_ROWS = 30_000


def write_month_first_log(path: Path, *, ambiguous_rows: int = AMBIGUOUS_ROWS) -> Path:
    """An Online-Retail-like log: InvoiceNo, StockCode, Quantity, InvoiceDate (m/d/Y H:M,
    no zero padding), UnitPrice, CustomerID. The first ``ambiguous_rows`` rows are dated
    on days 1..12 of their month; the rest on days 1..28 (so days 13+ appear only late)."""
    rng = random.Random(11)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"]
        )
        for row in range(ambiguous_rows + 6_000):
            month = rng.randint(1, 12)
            day = rng.randint(1, 12 if row < ambiguous_rows else 28)
            when = dt.datetime(2011, month, day, rng.randint(7, 19), rng.randint(0, 59))
            stamp = f"{when.month}/{when.day}/{when.year} {when.hour}:{when.minute:02d}"
            out.writerow(
                [
                    f"{536365 + row // 3}",
                    f"SKU{rng.randint(1, 40)}",
                    rng.randint(1, 12),
                    stamp,
                    f"{rng.randint(50, 2000) / 100:.2f}",
                    f"{rng.randint(12346, 12746)}",
                ]
            )
    return path


def hand_totals(path: Path, before: dt.datetime | None = None) -> dict[str, Decimal]:
    """Spend per customer computed with the csv module and a month-first strptime."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    with path.open(newline="", encoding="utf-8") as handle:
        for line in csv.DictReader(handle):
            when = dt.datetime.strptime(line["InvoiceDate"], "%m/%d/%Y %H:%M")
            if before is not None and when >= before:
                continue
            totals[line["CustomerID"]] += Decimal(line["Quantity"]) * Decimal(line["UnitPrice"])
    return dict(totals)


@pytest.fixture(scope="module")
def month_first_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_month_first_log(tmp_path_factory.mktemp("retail") / "online_retail.csv")


def _spend(path: Path, as_of: dt.date | None) -> dict[str, Decimal]:
    table = compute_features(load_source(path), ["total_spend", "frequency"], as_of)
    frame = table.frame.filter(pl.col("has_purchases"))
    return {
        c: Decimal(str(round(v, 2)))
        for c, v in zip(frame["CustomerID"], frame["total_spend"], strict=True)
    }


def test_month_first_log_with_an_ambiguous_head_reads_month_first(month_first_log: Path):
    tables = load_source(month_first_log)
    assert tables.files["transactions"].date_formats["TransactionDate"] == "%m/%d/%Y %H:%M"
    assert "date_ambiguous" not in tables.info["data_quality"]


def test_month_first_log_totals_match_an_independent_computation(month_first_log: Path):
    expected = {c: v.quantize(Decimal("0.01")) for c, v in hand_totals(month_first_log).items()}
    assert _spend(month_first_log, None) == expected


def test_month_first_log_with_as_of_counts_every_earlier_line(month_first_log: Path):
    as_of = dt.date(2011, 12, 10)
    before = dt.datetime.combine(as_of, dt.time())
    expected = hand_totals(month_first_log, before)
    got = _spend(month_first_log, as_of)
    assert got == {c: v.quantize(Decimal("0.01")) for c, v in expected.items()}
    # the day after the last purchase: every line counts
    everything = _spend(month_first_log, dt.date(2012, 1, 1))
    assert len(everything) == len(hand_totals(month_first_log))


def test_month_first_log_runs_with_no_flags_from_the_cli(month_first_log: Path):
    result = runner.invoke(app, ["run", str(month_first_log), "-k", "3", "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["data_quality"]["date_format"] == "%m/%d/%Y %H:%M"
    assert summary["n_customers"] == len(hand_totals(month_first_log))
    assert not any("ambiguous" in w for w in summary["warnings"])


def test_genuinely_ambiguous_dates_read_day_first_and_are_reported(tmp_path: Path):
    log = tmp_path / "log.csv"
    lines = ["customer,date,amount"] + [
        f"C{i % 4},{(i % 12) + 1:02d}/{(i % 11) + 1:02d}/2024,{i + 1}.5" for i in range(40)
    ]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["run", str(log), "-k", "2", "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    quality = summary["data_quality"]
    assert quality["date_format"] == "%d/%m/%Y"
    assert quality["date_ambiguous"] is True
    assert quality["date_candidates"] == ["%d/%m/%Y", "%m/%d/%Y"]
    assert any("ambiguous" in w and "--date-format" in w for w in summary["warnings"])


def test_ambiguous_folder_dates_are_reported_in_data_quality(tmp_path: Path, tiny_dir: Path):
    tx = tiny_dir / "Transactions.csv"
    text = tx.read_text(encoding="utf-8")
    frame = pl.read_csv(tx, infer_schema=False)
    parsed = frame["TransactionDate"].str.to_datetime()
    # every day 12 or less: each date reads day-first and month-first
    day = (parsed.dt.day() % 12 + 1).cast(pl.String).str.zfill(2)
    stamps = day + "/" + parsed.dt.strftime("%m/%Y")
    tx.write_text(frame.with_columns(stamps.alias("TransactionDate")).write_csv(), encoding="utf-8")
    assert text != tx.read_text(encoding="utf-8")
    result = runner.invoke(app, ["run", str(tiny_dir), "-k", "2", "--json"])
    assert result.exit_code == 0, result.stderr
    quality = json.loads(result.stdout)["data_quality"]
    assert quality.get("date_ambiguous") is True
    assert quality["date_format"] == "%d/%m/%Y"


def test_no_format_reading_everything_names_date_format_and_the_row(tmp_path: Path):
    log = tmp_path / "log.csv"
    rows = [f"C{i % 3},{(i % 12) + 1}/{(i % 9) + 1}/2024,{i}.0" for i in range(30)]
    rows += ["C1,13/13/2024,4.0"]  # neither day-first nor month-first
    log.write_text("customer,date,amount\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        compute_features(load_source(log), ["total_spend"])
    text = str(caught.value)
    assert "row 31" in text and "13/13/2024" in text and "--date-format" in text
    assert "%m/%d/%Y" in text


def test_unparsable_date_is_not_dropped_by_as_of(tmp_path: Path):
    log = tmp_path / "log.csv"
    log.write_text(
        "customer,date,amount\nC1,2024-01-05,1\nC2,2024-01-06,2\nC3,2024-13-01,3\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="row 3"):
        compute_features(load_source(log), ["total_spend"], dt.date(2024, 2, 1))


def test_utc_offsets_are_converted_to_utc(tmp_path: Path):
    log = tmp_path / "log.csv"
    log.write_text(
        "customer,date,amount\nC1,2024-01-05T23:30:00-02:00,1\nC2,2024-01-06T00:30:00+01:00,2\n",
        encoding="utf-8",
    )
    frame = load_source(log).transactions.collect()
    assert frame["TransactionDate"].to_list() == [
        dt.datetime(2024, 1, 6, 1, 30),
        dt.datetime(2024, 1, 5, 23, 30),
    ]


def test_date_format_with_offset_option_is_read_as_utc(tmp_path: Path):
    log = tmp_path / "log.csv"
    log.write_text(
        "customer,date,amount\nC1,2024-01-05T10:00:00+0100,1\nC2,2024-01-06T10:00:00+0000,2\n",
        encoding="utf-8",
    )
    tables = load_source(log, {"date_format": "%Y-%m-%dT%H:%M:%S%z"})
    got = tables.transactions.collect()["TransactionDate"].to_list()
    assert got == [dt.datetime(2024, 1, 5, 9), dt.datetime(2024, 1, 6, 10)]


def test_time_zone_names_are_refused(tmp_path: Path):
    log = tmp_path / "log.csv"
    log.write_text("customer,date,amount\nC1,2024-01-05 10:00 CET,1\n", encoding="utf-8")
    with pytest.raises(OptionError, match="%Z"):
        load_source(log, {"date_format": "%Y-%m-%d %H:%M %Z"})


def test_choose_prefers_the_only_format_reading_everything():
    decision = dates.choose({"%d/%m/%Y": 90, "%m/%d/%Y": 100}, 100)
    assert (decision.format, decision.ambiguous) == ("%m/%d/%Y", False)


def test_choose_keeps_the_most_read_format_when_none_reads_everything():
    decision = dates.choose({"%d/%m/%Y": 90, "%m/%d/%Y": 95}, 100)
    assert decision.format == "%m/%d/%Y"
    assert decision.candidates == ("%d/%m/%Y", "%m/%d/%Y")


def test_head_candidates_ignore_formats_that_read_values_the_same_way():
    head = pl.Series(["2024-01-05 10:00:00", "2024-02-07 11:30:00"])
    assert dates.head_candidates(head) == ["%Y-%m-%d %H:%M:%S"]


def test_validate_gives_the_true_date_range_of_a_month_first_log(month_first_log: Path):
    result = runner.invoke(app, ["validate", str(month_first_log), "--json"])
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    stamps = []
    with month_first_log.open(newline="", encoding="utf-8") as handle:
        for line in csv.DictReader(handle):
            stamps.append(dt.datetime.strptime(line["InvoiceDate"], "%m/%d/%Y %H:%M"))
    assert report["date_range"] == {
        "first": min(stamps).isoformat(sep=" "),
        "last": max(stamps).isoformat(sep=" "),
    }
    assert report["read_as"]["date_format"] == "%m/%d/%Y %H:%M"


def test_one_query_for_every_format_reads_as_one_query_per_format():
    # head_candidates, most_parsed and partial_readers parse with every candidate format
    # in one query; each column must be what parsing with that format alone gives.
    values = pl.Series(
        ["01/02/2024", "13/02/2024 10:00", " 2024-03-01 ", "", None, "2024-03-01T10:00:00", "x"]
    )
    text = values.drop_nulls().str.strip_chars()
    text = text.filter(text != "")
    alone = {
        fmt: text.to_frame("v").select(dates.parse(pl.col("v"), fmt)).to_series()
        for fmt in dates.CANDIDATE_FORMATS
    }
    counts = {fmt: s.len() - s.null_count() for fmt, s in alone.items()}
    best = max(counts, key=lambda f: (counts[f], -dates.CANDIDATE_FORMATS.index(f)))
    assert dates.most_parsed(values) == (best, counts[best])
    ranked = sorted((f for f in counts if counts[f]), key=lambda f: -counts[f])[:3]
    assert dates.partial_readers(values) == ranked
    for head in (pl.Series(["01/02/2024", "03/04/2024"]), pl.Series(["2024-03-01 10:00:00"])):
        found: list[str] = []
        seen: list[pl.Series] = []
        for fmt in dates.CANDIDATE_FORMATS:
            parsed = head.to_frame("v").select(dates.parse(pl.col("v"), fmt)).to_series()
            if not parsed.null_count() and not any(parsed.equals(o) for o in seen):
                found.append(fmt)
                seen.append(parsed)
        assert found and dates.head_candidates(head) == found

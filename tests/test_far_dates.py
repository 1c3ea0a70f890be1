"""Dates far from the rest of the data (a typo a century ahead) and ISO 8601 ``Z`` dates,
on logs these tests build."""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics

from typer.testing import CliRunner

from segtui.cli import app
from segtui.engine.features.compute import compute_features
from segtui.engine.io.sources import load_source
from segtui.engine.quality.validate import validate_source

runner = CliRunner()
TYPO_ROW = 501


def _log(tmp_path, typo: str | None = None, rows: int = 1000):
    rng = random.Random(3)
    lines = []
    for i in range(rows):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(366))
        lines.append((f"{i + 1}", f"K{rng.randrange(200)}", day.isoformat(), rng.randrange(5, 90)))
    if typo is not None:
        order, customer, _day, amount = lines[TYPO_ROW - 1]
        lines[TYPO_ROW - 1] = (order, customer, typo, amount)
    path = tmp_path / "orders.csv"
    path.write_text(
        "order,customer,date,amount\n" + "".join(",".join(map(str, r)) + "\n" for r in lines)
    )
    return path, lines


def _expected_recency(lines, as_of: dt.date) -> dict[str, int]:
    last: dict[str, dt.date] = {}
    for _order, customer, day, _amount in lines:
        when = dt.date.fromisoformat(day)
        if when < as_of:
            last[customer] = max(last.get(customer, when), when)
    return {c: (as_of - d).days for c, d in last.items()}


def test_one_date_a_century_ahead_does_not_set_the_as_of_date(tmp_path):
    log, lines = _log(tmp_path, typo="2124-01-01")
    table = compute_features(load_source(log), ["recency_days", "frequency"])
    rest = max(dt.date.fromisoformat(d) for _o, _c, d, _a in lines if not d.startswith("2124"))
    assert table.as_of == rest + dt.timedelta(days=1)
    expected = _expected_recency(lines, table.as_of)
    got = dict(zip(table.frame["CustomerID"], table.frame["recency_days"], strict=True))
    assert {c: got[c] for c in expected} == expected
    assert statistics.median(expected.values()) < 400  # not ~36,000 days
    said = [w for w in table.warnings if "far after" in w]
    assert len(said) == 1 and f"'2124-01-01' (row {TYPO_ROW})" in said[0]
    assert f"the as-of date is {table.as_of}" in said[0] and "--as-of" in said[0]
    assert table.data_quality["rows_dated_far_after_the_rest"] == 1


def test_run_json_names_the_far_date_row(tmp_path):
    log, lines = _log(tmp_path, typo="2124-01-01")
    result = runner.invoke(app, ["run", str(log), "--k", "3", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    rest = max(dt.date.fromisoformat(d) for _o, _c, d, _a in lines if not d.startswith("2124"))
    assert summary["as_of"] == (rest + dt.timedelta(days=1)).isoformat()
    assert any(f"(row {TYPO_ROW})" in w and "far after" in w for w in summary["warnings"])


def test_validate_lists_the_far_date_row(tmp_path):
    log, _ = _log(tmp_path, typo="2124-01-01")
    report = validate_source(log)
    found = [f for f in report.findings if f.check == "dates_far_after_the_rest"]
    assert len(found) == 1 and found[0].severity == "warning"
    assert found[0].examples == [{"row": TYPO_ROW, "value": "2124-01-01"}]


def test_a_date_a_century_early_is_named_and_moves_nothing(tmp_path):
    log, lines = _log(tmp_path, typo="1924-01-01")
    table = compute_features(load_source(log), ["recency_days"])
    last = max(dt.date.fromisoformat(d) for _o, _c, d, _a in lines)
    assert table.as_of == last + dt.timedelta(days=1)
    said = [w for w in table.warnings if "far before" in w]
    assert len(said) == 1 and f"'1924-01-01' (row {TYPO_ROW})" in said[0]
    checks = {f.check for f in validate_source(log).findings}
    assert "dates_far_before_the_rest" in checks


def test_ordinary_dates_raise_no_far_date_warning(tmp_path):
    log, lines = _log(tmp_path)
    table = compute_features(load_source(log), ["recency_days"])
    assert not any("far " in w for w in table.warnings)
    assert table.as_of == max(dt.date.fromisoformat(d) for _o, _c, d, _a in lines) + dt.timedelta(
        days=1
    )
    assert not [f for f in validate_source(log).findings if "far" in f.check]


def test_iso_8601_dates_with_z_are_read_as_utc(tmp_path):
    log = tmp_path / "z.csv"
    log.write_text(
        "customer,date,amount\n"
        "K1,2024-01-01T00:00:00Z,5\n"
        "K2,2024-01-05T23:30:00.250Z,7\n"
        "K1,2024-02-01T00:30:00+01:00,3\n"
    )
    tx = load_source(log).transactions.collect()
    assert tx["TransactionDate"].to_list() == [
        dt.datetime(2024, 1, 1),
        dt.datetime(2024, 1, 5, 23, 30, 0, 250000),
        dt.datetime(2024, 1, 31, 23, 30),
    ]
    table = compute_features(load_source(log), ["recency_days"])
    assert table.as_of == dt.date(2024, 2, 1)

"""The settings table is the one declaration: the settings file, Settings, the Python API
and every command's options follow from its rows."""

from __future__ import annotations

import dataclasses
import inspect
import json

import pytest
import typer.main
from typer.testing import CliRunner

import segtui
from segtui.cli import app
from segtui.cli.options import layout
from segtui.config import MAPPING_KEYS, Settings
from segtui.settings_model import MappingTable, OutputTable, SettingsFileModel
from segtui.settings_table import READING, ROW, ROWS, keys

COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]


def test_the_settings_file_model_has_a_field_for_every_key_of_the_table():
    assert list(SettingsFileModel.model_fields) == [*keys(""), "mapping", "output"]
    assert tuple(MappingTable.model_fields) == keys("mapping") == MAPPING_KEYS
    assert tuple(OutputTable.model_fields) == keys("output")


def test_settings_defaults_are_the_rows_defaults():
    fields = {f.name: f.default for f in dataclasses.fields(Settings)}
    for row in ROWS:
        if row.table == "":
            assert fields[row.field or row.key] == row.default, row.name


def test_python_api_defaults_are_the_rows_defaults():
    for function, names in (
        (segtui.segment, ("k", "seed", "n_init", "scaling", "log", "horizon", "discount_rate")),
        (segtui.sweep, ("k_min@sweep", "k_max@sweep", "categorical_weight", "returns")),
        (segtui.backtest, ("horizon@backtest", "method")),
        (segtui.lookalikes, ("top@lookalike",)),
    ):
        params = inspect.signature(function).parameters
        for name in names:
            assert params[ROW[name].key].default == ROW[name].default, (function, name)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_takes_exactly_the_rows_that_name_it(name):
    rows = [row for row in ROWS if name in row.commands]
    params = COMMANDS[name].params
    assert sorted(p.name for p in params) == sorted(r.key for r in rows)
    for param in params:
        row = next(r for r in rows if r.key == param.name)
        assert param.help == row.help_text()
        if param.param_type_name == "option":
            assert set(param.opts) == set(row.flags)


def test_a_row_naming_a_command_that_leaves_it_out_fails_at_import():
    with pytest.raises(RuntimeError, match="left out"):
        layout("validate", ("source", "config", "json", "quiet"))  # no mapping rows
    with pytest.raises(RuntimeError, match="does not name"):
        layout("validate", ("source", "k"))


def test_help_shows_the_rows_defaults():
    assert ROW["seed"].help_text() == "Random seed [default: 42]."
    assert "(default 1)" in ROW["categorical_weight"].help_text()
    assert ROW["discount_rate"].help_text().endswith("[default: 0.1].")
    assert "recency_days,frequency,total_spend" in ROW["features"].help_text()


def test_every_command_that_reads_a_source_takes_every_mapping_key():
    for name in READING:
        taken = {p.name for p in COMMANDS[name].params}
        assert set(MAPPING_KEYS) | {"returns"} <= taken, name


def test_backtest_takes_cancelled_ids(tmp_path):
    # It was the one reading command without --cancelled-ids ("No such option", exit 2).
    from test_backtest import planted_lines, write_log
    from test_cli_backtest import FLAGS

    log = write_log(tmp_path / "log.csv", planted_lines()[0])
    result = CliRunner().invoke(
        app,
        ["backtest", str(log), *FLAGS, "--cancelled-ids", "off", "--at", "2021-01-01", "--json"],
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["params"]["mapping"]["cancelled_ids"] == "off"


# docs/development.md, "Adding an option": one row (and the typed field the engine reads).
ONE_ROW = """
import dataclasses, json
import segtui.settings_table as table

row = table.Row(
    "min_segment_share", float,
    "--k auto: the smallest share of the customers a segment may hold [default: {default}].",
    table.SEGMENTING, ("--min-segment-share",), default=0.01, lo=0, hi=0.5, table="",
    group="clustering",
)
table.ROWS = (*table.ROWS, row)
table.ROW[row.name] = row
import segtui.config as config  # noqa: E402

config.Settings = dataclasses.make_dataclass(  # the typed field, as config.py would say
    "Settings", [("min_segment_share", float, table.default("min_segment_share"))],
    bases=(config.Settings,), frozen=True,
)
from typer.testing import CliRunner  # noqa: E402

from segtui import settings_file  # noqa: E402
from segtui.cli import app  # noqa: E402
from segtui.engine.errors import OptionError  # noqa: E402

helps = {c: CliRunner().invoke(app, [c, "--help"], env={"COLUMNS": "200"}).stdout
         for c in ("run", "ui", "sweep", "backtest", "validate")}
merged = settings_file.merge({"min_segment_share": 0.2}, {"seed": 3})
flagged = settings_file.merge({"min_segment_share": 0.2}, {"min_segment_share": 0.3})
try:
    settings_file.check_values({"min_segment_share": 0.9})
    refused = ""
except OptionError as exc:
    refused = str(exc)
print(json.dumps({
    "help": {c: "--min-segment-share" in text for c, text in helps.items()},
    "help_default": "[default: 0.01]" in helps["run"],
    "default": config.Settings().min_segment_share,
    "file": merged.min_segment_share, "flag": flagged.min_segment_share,
    "summary": flagged.params()["min_segment_share"],
    "dumped": "min_segment_share = 0.3" in settings_file.dump(flagged),
    "refused": refused,
}))
"""


def test_adding_an_option_is_one_row():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", ONE_ROW], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["help"] == {"run": True, "ui": True, "sweep": True, "backtest": True,
                            "validate": False}  # fmt: skip
    assert seen["help_default"]
    assert (seen["default"], seen["file"], seen["flag"], seen["summary"]) == (0.01, 0.2, 0.3, 0.3)
    assert seen["dumped"]
    assert "min_segment_share must be at least 0 and at most 0.5" in seen["refused"]


def test_the_settings_page_lists_every_key_of_the_table():
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "settings.md").read_text("utf-8")
    listed: dict[str, set[str]] = {"": set(), "mapping": set(), "output": set()}
    for line in page.splitlines():
        cells = line.split(" | ")
        if not line.startswith("| `") or len(cells) < 4:
            continue
        table = re.match(r"\| `\[(\w+)\]`", line)
        names = re.findall(r"`(\w+)`", cells[0])
        listed[table.group(1) if table else ""].update(names)
    assert listed == {table: set(keys(table)) for table in listed}

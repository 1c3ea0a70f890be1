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

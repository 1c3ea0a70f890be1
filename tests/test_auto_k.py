"""`k = auto`: the planted number of groups is found; the choice is recorded and replayable."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from segtui import settings_file
from segtui.cli import app
from segtui.config import Settings
from segtui.engine.errors import OptionError
from segtui.engine.output.result_files import write_result
from segtui.engine.pipeline import run
from segtui.engine.sample import generate

# The behaviour the planted groups differ in. (With Region in the features, Region being
# drawn independently of the group, Davies-Bouldin prefers k = 2 on this data: see README.)
BEHAVIOUR = ("total_spend", "avg_transaction_value", "frequency", "total_quantity")
runner = CliRunner()


@pytest.mark.parametrize("groups", [2, 3, 4, 5])
def test_auto_k_finds_the_planted_number_of_groups(tmp_path, groups):
    generate(1000, 10_000, seed=7, groups=groups).write(tmp_path)
    result = run(Settings(source=tmp_path, k="auto", features=BEHAVIOUR))
    assert result.k == groups
    assert result.k_selection is not None and result.k_selection["recommended_k"] == groups


def test_summary_records_the_rule_and_the_sweep(zeotap_dir):
    summary = run(Settings(source=zeotap_dir, k="auto")).summary()
    selection = summary["k_selection"]
    assert selection["recommended_k"] == summary["k"]
    assert [row["k"] for row in selection["rows"]] == list(range(2, 11))
    assert "stability" in selection["rule"] and "Davies-Bouldin" in selection["rule"]
    assert summary["params"]["k"] == "auto"


def test_chosen_k_stability_equals_its_sweep_row(zeotap_dir):
    summary = run(Settings(source=zeotap_dir, k="auto")).summary()
    row = next(r for r in summary["k_selection"]["rows"] if r["k"] == summary["k"])
    assert summary["diagnostics"]["stability"]["stability"] == row["stability"]


def test_fixed_k_has_no_k_selection(zeotap_dir):
    assert run(Settings(source=zeotap_dir, k=3)).summary()["k_selection"] is None


def test_auto_range_is_capped_by_the_number_of_customers(tiny_dir):
    result = run(Settings(source=tiny_dir, k="auto", features=("total_spend", "frequency")))
    assert result.k_selection is not None
    assert [row["k"] for row in result.k_selection["rows"]] == [2, 3, 4]


def test_cli_k_auto_writes_k_selection(zeotap_dir):
    result = runner.invoke(app, ["run", str(zeotap_dir), "--k", "auto", "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["k_selection"]["recommended_k"] == summary["k"]


def test_cli_k_that_is_neither_number_nor_auto_is_a_user_error(zeotap_dir):
    result = runner.invoke(app, ["run", str(zeotap_dir), "--k", "many"])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "'auto'" in result.stderr


def test_settings_file_accepts_k_auto(tmp_path):
    path = tmp_path / "segtui.toml"
    path.write_text('k = "auto"\n')
    assert settings_file.merge(settings_file.read_config(path), {}).k == "auto"


def test_settings_file_round_trips_k_auto_and_rfm(tmp_path):
    settings = Settings(source=tmp_path, k="auto", rfm=True)
    path = tmp_path / "segtui.toml"
    path.write_text(settings_file.dump(settings))
    assert settings_file.merge(settings_file.read_config(path), {}) == settings


def test_numeric_k_given_as_text_flag_is_a_number():
    assert settings_file.merge({}, {"k": "6"}).k == 6


def test_k_auto_text_in_a_file_is_case_insensitive():
    assert settings_file.merge({"k": "AUTO"}, {}).k == "auto"


def test_settings_file_rejects_a_fractional_k():
    with pytest.raises(OptionError, match="whole number or 'auto'"):
        settings_file.merge({"k": 2.5}, {})


def test_auto_k_summary_is_identical_across_runs(zeotap_dir, tmp_path):
    def summary_of_a_run(name: str):
        return write_result(run(Settings(source=zeotap_dir, k="auto")), summary=tmp_path / name)

    first = summary_of_a_run("a.json")[0]
    second = summary_of_a_run("b.json")[0]
    assert first.read_bytes() == second.read_bytes()

"""assign / lookalike / migrate on single logs: the model's recorded column mapping,
overridden key by key by the mapping flags."""

from __future__ import annotations

import json

import polars as pl
import pytest
from order_logs import make_lines, write_log
from typer.testing import CliRunner

from segtui.cli import app
from segtui.engine.errors import OptionError
from segtui.engine.models.model import load_model
from segtui.engine.models.model_mapping import model_mapping

runner = CliRunner()
FEATURES = "total_spend,frequency,total_quantity"
# Training log: names no alias table knows, semicolons, day-first dates.
TRAIN_NAMES = {
    "order": "Beleg",
    "customer": "Kunde",
    "product": "Artikel",
    "category": "Warengruppe",
    "date": "Datum",
    "quantity": "Menge",
    "price": "Einzelpreis",
    "amount": "Betrag",
}
TRAIN_FLAGS = {
    "order_col": "Beleg",
    "customer_col": "Kunde",
    "date_col": "Datum",
    "quantity_col": "Menge",
    "amount_col": "Betrag",
    "date_format": "%d/%m/%Y %H:%M",
}
# A later export of the same lines: every column renamed, commas, ISO dates.
NEW_NAMES = {
    "order": "ticket",
    "customer": "client_ref",
    "product": "item",
    "category": "family",
    "date": "booked_at",
    "quantity": "units",
    "price": "unit_eur",
    "amount": "line_eur",
}
NEW_FLAGS = {
    "order_col": "ticket",
    "customer_col": "client_ref",
    "date_col": "booked_at",
    "quantity_col": "units",
    "amount_col": "line_eur",
    "date_format": "%Y-%m-%d %H:%M:%S",
}


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def flags(mapping: dict[str, str]) -> list[str]:
    return [f"--{key.replace('_', '-')}={value}" for key, value in mapping.items()]


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """(training log, renamed log, model trained on the first, that run's segments)."""
    folder = tmp_path_factory.mktemp("logs")
    lines = make_lines()
    train = write_log(
        folder / "orders.csv", lines, TRAIN_NAMES, delimiter=";", date_format="%d/%m/%Y %H:%M"
    )
    renamed = write_log(folder / "export2.csv", lines, NEW_NAMES)
    model, segments = folder / "model.json", folder / "run.csv"
    result = invoke(
        "run", train, "-k", 3, "-f", FEATURES, *flags(TRAIN_FLAGS),
        "--out", segments, "--save-model", model, "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return train, renamed, model, segments


def test_assign_without_flags_reads_the_log_with_the_models_recorded_mapping(logs, tmp_path):
    train, _, model, run_file = logs
    out = tmp_path / "assigned.csv"
    result = invoke("assign", "-m", model, train, "--out", out, "-q")
    assert result.exit_code == 0, result.stderr
    assert pl.read_csv(out).drop("distance").equals(pl.read_csv(run_file))


def test_assign_of_a_renamed_log_with_column_flags_gives_the_same_segments(logs, tmp_path):
    train, renamed, model, _ = logs
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    assert invoke("assign", "-m", model, train, "--out", first, "-q").exit_code == 0
    result = invoke("assign", "-m", model, renamed, *flags(NEW_FLAGS), "--out", second, "-q")
    assert result.exit_code == 0, result.stderr
    assert second.read_bytes() == first.read_bytes()


def test_a_flag_overrides_one_recorded_key_and_keeps_the_others(logs):
    train, _, model, _ = logs
    # Only the date column is renamed: the other recorded names must still apply.
    text = train.read_text(encoding="utf-8").replace("Datum", "Tag", 1)
    renamed = train.with_name("only_date_renamed.csv")
    renamed.write_text(text, encoding="utf-8")
    result = invoke("assign", "-m", model, renamed, "--date-col", "Tag", "--json")
    assert result.exit_code == 0, result.stderr
    mapping = json.loads(result.stdout)["data_quality"]["column_mapping"]
    assert (mapping["TransactionDate"], mapping["CustomerID"]) == ("Tag", "Kunde")


def test_assign_prints_the_mapping_it_read_the_log_with(logs):
    _, renamed, model, _ = logs
    result = invoke("assign", "-m", model, renamed, *flags(NEW_FLAGS))
    assert result.exit_code == 0, result.stderr
    assert "CustomerID = client_ref" in result.stdout
    assert "dates as %Y-%m-%d %H:%M:%S" in result.stdout


def test_assign_json_prints_only_json_with_mapping_flags(logs):
    _, renamed, model, _ = logs
    result = invoke("assign", "-m", model, renamed, *flags(NEW_FLAGS), "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["data_quality"]["column_mapping"]["CustomerID"] == "client_ref"


def test_assign_quiet_prints_nothing_with_mapping_flags(logs):
    _, renamed, model, _ = logs
    result = invoke("assign", "-m", model, renamed, *flags(NEW_FLAGS), "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


def test_returns_flag_overrides_the_models_returns_rule(logs):
    _, renamed, model, _ = logs
    result = invoke("assign", "-m", model, renamed, *flags(NEW_FLAGS), "--returns", "drop")
    assert result.exit_code == 0, result.stderr
    assert "returns: drop" in result.stdout


def test_lookalike_on_a_renamed_log_matches_the_training_log(logs):
    train, renamed, model, _ = logs
    first = invoke("lookalike", "-m", model, train, "--all", "--top", 2, "--json")
    second = invoke(
        "lookalike", "-m", model, renamed, "--all", "--top", 2, *flags(NEW_FLAGS), "--json"
    )
    assert first.exit_code == 0 and second.exit_code == 0, first.stderr + second.stderr
    got, want = json.loads(second.stdout), json.loads(first.stdout)
    assert got["lookalikes"] == want["lookalikes"] and len(got["lookalikes"]) > 0


def test_lookalike_prints_the_mapping_it_read_the_log_with(logs):
    _, renamed, model, _ = logs
    result = invoke("lookalike", "-m", model, renamed, "00001", *flags(NEW_FLAGS))
    assert result.exit_code == 0, result.stderr
    assert "CustomerID = client_ref" in result.stdout


def test_migrate_on_one_renamed_log_matches_the_training_log(logs):
    train, renamed, model, _ = logs
    dates = ["--as-of-before", "2024-06-01"]
    first = invoke("migrate", "-m", model, train, *dates, "--json")
    second = invoke("migrate", "-m", model, renamed, *dates, *flags(NEW_FLAGS), "--json")
    assert first.exit_code == 0 and second.exit_code == 0, first.stderr + second.stderr
    got, want = json.loads(second.stdout), json.loads(first.stdout)
    assert got["matrix"] == want["matrix"]
    assert got["stayed"] + got["moved"] > 0


def test_migrate_on_one_log_prints_its_mapping_once(logs):
    train, _, model, _ = logs
    result = invoke("migrate", "-m", model, train, "--as-of-before", "2024-06-01")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("CustomerID = Kunde") == 1


def test_migrate_between_two_logs_prints_each_snapshots_mapping(logs, tmp_path):
    train, _, model, _ = logs
    later = tmp_path / "later.csv"
    later.write_bytes(train.read_bytes())
    result = invoke("migrate", "-m", model, train, later)
    assert result.exit_code == 0, result.stderr
    assert "before: Columns: CustomerID = Kunde" in result.stdout
    assert "after: Columns: CustomerID = Kunde" in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["assign"],
        ["lookalike", "--all"],
        ["migrate", "--as-of-before", "2024-06-01"],
    ],
)
def test_a_wrong_column_flag_is_one_line_naming_the_column(logs, command):
    _, renamed, model, _ = logs
    wrong = NEW_FLAGS | {"customer_col": "client_id"}
    result = invoke(command[0], "-m", model, renamed, *command[1:], *flags(wrong))
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "client_id" in lines[0] and "--customer-col" in lines[0]


def test_without_flags_a_renamed_log_is_refused_naming_the_recorded_column(logs):
    _, renamed, model, _ = logs
    result = invoke("assign", "-m", model, renamed)
    assert result.exit_code == 2
    assert f"--customer-col recorded in {model}" in result.stderr
    assert "'Kunde'" in result.stderr and "client_ref" in result.stderr


def test_a_model_trained_on_a_log_assigns_a_folder_without_its_log_mapping(logs, zeotap_dir):
    _, _, model, _ = logs
    result = invoke("assign", "-m", model, zeotap_dir, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["n_customers"] == 200


def test_mapping_flags_on_a_folder_are_refused(logs, zeotap_dir):
    _, _, model, _ = logs
    result = invoke("assign", "-m", model, zeotap_dir, "--customer-col", "Kunde")
    assert result.exit_code == 2
    assert "single transaction log" in result.stderr


def test_model_mapping_replaces_given_keys_and_an_empty_value_drops_one(logs):
    model = load_model(logs[2])
    merged = model_mapping(
        model, {"customer_col": "client_ref", "date_format": "", "delimiter": "tab"}
    )
    assert merged == {
        "order_col": "Beleg",
        "customer_col": "client_ref",
        "date_col": "Datum",
        "quantity_col": "Menge",
        "amount_col": "Betrag",
        "delimiter": "\t",
    }


def test_model_mapping_refuses_a_long_delimiter(logs):
    with pytest.raises(OptionError, match="one character"):
        model_mapping(load_model(logs[2]), {"delimiter": ";;"})

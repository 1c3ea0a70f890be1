"""`segtui run --save-model`, `assign`, `lookalike` and `migrate` through Typer's CliRunner."""

from __future__ import annotations

import io
import json

import polars as pl
import pytest
from conftest import PRE_SWITCH_FLAGS
from typer.testing import CliRunner

from segtui.cli import app

runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def assert_user_error(result, *needles: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture(scope="module")
def trained(zeotap_dir, tmp_path_factory):
    """run --save-model on the reference data; returns (model path, run's segments file)."""
    folder = tmp_path_factory.mktemp("trained")
    model, segments = folder / "model.json", folder / "run.csv"
    result = invoke(
        "run", zeotap_dir, *PRE_SWITCH_FLAGS, "--out", segments, "--save-model", model, "-q"
    )
    assert result.exit_code == 0, result.stderr
    return model, segments


def test_assign_on_the_training_data_writes_the_run_file_plus_distance(
    trained, zeotap_dir, tmp_path
):
    model, run_file = trained
    out = tmp_path / "assigned.csv"
    result = invoke("assign", "--model", model, zeotap_dir, "--out", out, "-q")
    assert result.exit_code == 0, result.stderr
    assigned = pl.read_csv(out)
    assert assigned.columns[-1] == "distance"
    assert assigned.drop("distance").equals(pl.read_csv(run_file))


def test_assign_json_reports_counts_and_same_input(trained, zeotap_dir):
    model, _ = trained
    result = invoke("assign", "-m", model, zeotap_dir, "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["same_input_as_training"] is True
    assert summary["n_customers"] == 200 and summary["no_purchases"]["size"] == 1
    assert sum(s["size"] for s in summary["segments"]) == 199


def test_assign_prints_a_table_by_default(trained, zeotap_dir):
    model, _ = trained
    result = invoke("assign", "-m", model, zeotap_dir)
    assert result.exit_code == 0, result.stderr
    assert "mean distance" in result.stdout and "same input as training: yes" in result.stdout


def _edit(path, target, edit):
    doc = json.loads(path.read_text())
    edit(doc)
    target.write_text(json.dumps(doc))
    return target


@pytest.mark.parametrize(
    ("breakage", "needle"),
    [
        ("truncated", "truncated or corrupted"),
        ("version", "schema version 99 is not supported"),
        ("missing", "missing 'space'"),
        ("binary", "not a segtui model file"),
    ],
)
def test_broken_model_file_exits_2_with_one_line(trained, zeotap_dir, tmp_path, breakage, needle):
    model, _ = trained
    broken = tmp_path / "broken.json"
    if breakage == "truncated":
        broken.write_text(model.read_text()[: len(model.read_text()) // 2])
    elif breakage == "version":
        _edit(model, broken, lambda d: d.update(schema_version=99))
    elif breakage == "missing":
        _edit(model, broken, lambda d: d.pop("space"))
    else:
        broken.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    assert_user_error(invoke("assign", "-m", broken, zeotap_dir), needle, "broken.json")


def test_source_without_a_model_feature_exits_2(trained, zeotap_dir, tmp_path):
    model, _ = trained
    (tmp_path / "Transactions.csv").write_bytes((zeotap_dir / "Transactions.csv").read_bytes())
    assert_user_error(invoke("assign", "-m", model, tmp_path), "uses feature 'region'")


def test_save_model_refuses_to_overwrite_without_force(trained, zeotap_dir):
    model, _ = trained
    assert_user_error(invoke("run", zeotap_dir, "--save-model", model), "already exists")


def test_lookalike_range_writes_the_c0001_to_c0020_table(trained, zeotap_dir, tmp_path):
    model, _ = trained
    out = tmp_path / "lookalikes.csv"
    result = invoke("lookalike", "-m", model, zeotap_dir, "C0001..C0020", "--out", out, "-q")
    assert result.exit_code == 0, result.stderr
    table = pl.read_csv(out)
    assert table.columns == ["CustomerID", "rank", "LookalikeID", "score"]
    assert table.height == 60 and table["CustomerID"].n_unique() == 20
    assert (table["CustomerID"] != table["LookalikeID"]).all()


def test_lookalike_all_with_ids_file_and_json(trained, zeotap_dir, tmp_path):
    model, _ = trained
    everyone = invoke("lookalike", "-m", model, zeotap_dir, "--all", "--top", "2", "--json")
    assert everyone.exit_code == 0, everyone.stderr
    assert len(json.loads(everyone.stdout)["lookalikes"]) == 2 * 199
    ids = tmp_path / "ids.txt"
    ids.write_text("C0005\nC0180\n")
    some = invoke("lookalike", "-m", model, zeotap_dir, "--ids-file", ids, "--json")
    summary = json.loads(some.stdout)
    assert summary["skipped_no_purchases"] == ["C0180"] and len(summary["lookalikes"]) == 3


def test_lookalike_unknown_id_exits_2(trained, zeotap_dir):
    model, _ = trained
    assert_user_error(invoke("lookalike", "-m", model, zeotap_dir, "C9999"), "C9999")


def test_lookalike_needs_ids_or_all(trained, zeotap_dir):
    model, _ = trained
    assert_user_error(invoke("lookalike", "-m", model, zeotap_dir), "--all")


def test_migrate_two_as_of_dates_json_adds_up(trained, zeotap_dir, tmp_path):
    model, _ = trained
    out, moves = tmp_path / "migration.csv", tmp_path / "moves.csv"
    result = invoke(
        "migrate",
        "-m",
        model,
        zeotap_dir,
        "--as-of-before",
        "2024-07-01",
        "--out",
        out,
        "--moves",
        moves,
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert sum(summary["column_totals"][:-1]) == summary["after"]["n_customers"] == 200
    assert sum(summary["row_totals"][:-1]) == summary["before"]["n_customers"]
    table = pl.read_csv(out)
    assert table.columns[0] == "from" and table.height == len(summary["rows"])
    moved = pl.read_csv(moves)
    assert moved.height == 200 and "name_after" in moved.columns


def test_migrate_prints_the_cross_table(trained, zeotap_dir):
    model, _ = trained
    result = invoke("migrate", "-m", model, zeotap_dir, zeotap_dir, "--as-of-before", "2024-07-01")
    assert result.exit_code == 0, result.stderr
    assert "before \\ after" in result.stdout and "stayed" in result.stdout


def test_migrate_one_source_without_before_date_exits_2(trained, zeotap_dir):
    model, _ = trained
    assert_user_error(invoke("migrate", "-m", model, zeotap_dir), "--as-of-before")


def test_assign_bad_as_of_exits_2(trained, zeotap_dir):
    model, _ = trained
    assert_user_error(invoke("assign", "-m", model, zeotap_dir, "--as-of", "July"), "--as-of")


def test_assign_out_dash_pipes_csv_and_moves_the_summary_to_stderr(trained, zeotap_dir):
    model, _ = trained
    result = invoke("assign", "-m", model, zeotap_dir, "--out", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].endswith(",distance")
    assert "mean distance" in result.stderr


def test_assign_and_lookalike_files_are_byte_identical_across_runs(trained, zeotap_dir, tmp_path):
    model, _ = trained
    outputs = []
    for attempt in ("a", "b"):
        assigned, similar = tmp_path / f"assign_{attempt}.csv", tmp_path / f"look_{attempt}.csv"
        assert invoke("assign", "-m", model, zeotap_dir, "-o", assigned, "-q").exit_code == 0
        assert (
            invoke("lookalike", "-m", model, zeotap_dir, "--all", "-o", similar, "-q").exit_code
            == 0
        )
        outputs.append((assigned.read_bytes(), similar.read_bytes()))
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(
    "command",
    [
        ("assign",),
        ("lookalike", "C0001"),
        ("migrate", "--as-of-before", "2024-07-01"),
    ],
    ids=lambda c: c[0],
)
def test_out_is_not_overwritten_without_force(trained, zeotap_dir, tmp_path, command):
    model, _ = trained
    out = tmp_path / "existing.csv"
    out.write_text("keep\n")
    name, *extra = command
    argv = [name, zeotap_dir, "--model", model, *extra, "--out", out, "-q"]
    assert_user_error(invoke(*argv), "existing.csv", "--force")
    assert out.read_text() == "keep\n"
    forced = invoke(*argv, "--force")
    assert forced.exit_code == 0, forced.stderr
    header = out.read_text().splitlines()[0]
    assert header.startswith("from,") if name == "migrate" else "CustomerID" in header


def test_migrate_moves_dash_writes_pure_csv_on_stdout_and_the_report_on_stderr(trained, zeotap_dir):
    # `--moves -` once wrote the CSV and then the human report into the same stream
    model, _ = trained
    result = invoke(
        "migrate", "-m", model, zeotap_dir, "--as-of-before", "2024-07-01", "--moves", "-"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "CustomerID,segment_before,name_before,segment_after,name_after"
    )
    moves = pl.read_csv(io.StringIO(result.stdout), schema_overrides={"CustomerID": pl.String})
    assert moves.height == 200 and moves["CustomerID"].n_unique() == 200
    assert "stayed" in result.stderr and "stayed" not in result.stdout

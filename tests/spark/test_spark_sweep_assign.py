"""``segtui sweep`` and ``segtui assign`` with ``--engine spark``: Polars results, one-line
option errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from segtui.cli import app

runner = CliRunner()
SPARK_ARGS = ["--engine", "spark", "--spark-master", "local[2]"]
SWEEP_ARGS = ["--k-min", "2", "--k-max", "4", "--n-init", "2", "--json"]


def test_sweep_with_engine_spark_gives_the_polars_sweep(spark, zeotap_dir):
    polars_done = runner.invoke(app, ["sweep", str(zeotap_dir), *SWEEP_ARGS])
    spark_done = runner.invoke(app, ["sweep", str(zeotap_dir), *SPARK_ARGS, *SWEEP_ARGS])
    assert polars_done.exit_code == 0, polars_done.stderr
    assert spark_done.exit_code == 0, spark_done.stderr
    polars_sweep, spark_sweep = json.loads(polars_done.stdout), json.loads(spark_done.stdout)
    assert [row["k"] for row in spark_sweep["rows"]] == [2, 3, 4]
    assert spark_sweep["rows"] == polars_sweep["rows"]
    assert spark_sweep == polars_sweep


def test_sweep_with_engine_spark_refuses_more_customers_than_the_driver_limit(spark, zeotap_dir):
    done = runner.invoke(
        app, ["sweep", str(zeotap_dir), *SPARK_ARGS, "--spark-driver-limit", "10", *SWEEP_ARGS]
    )
    assert done.exit_code == 2
    assert "exceed --spark-driver-limit 10" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""


def test_assign_with_engine_spark_writes_the_polars_segments_file(spark, zeotap_dir, tmp_path):
    model = tmp_path / "model.json"
    done = runner.invoke(
        app, ["run", str(zeotap_dir), "--k", "4", "--save-model", str(model), "--quiet"]
    )
    assert done.exit_code == 0, done.stderr
    polars_csv, spark_csv = tmp_path / "polars.csv", tmp_path / "spark.csv"
    done = runner.invoke(
        app, ["assign", str(zeotap_dir), "--model", str(model), "--out", str(polars_csv), "-q"]
    )
    assert done.exit_code == 0, done.stderr
    done = runner.invoke(
        app,
        ["assign", str(zeotap_dir), "--model", str(model), *SPARK_ARGS, "--out", str(spark_csv)],
    )
    assert done.exit_code == 0, done.stderr
    assert spark_csv.read_bytes() == polars_csv.read_bytes()


def test_assign_with_engine_spark_refuses_mapping_flags(zeotap_dir, tmp_path):
    model = tmp_path / "model.json"
    done = runner.invoke(
        app, ["run", str(zeotap_dir), "--k", "3", "--save-model", str(model), "--quiet"]
    )
    assert done.exit_code == 0, done.stderr
    done = runner.invoke(
        app,
        ["assign", str(zeotap_dir), "--model", str(model), *SPARK_ARGS, "--amount-col", "x"],
    )
    assert done.exit_code == 2
    assert "--engine spark does not take single-log mapping flags" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_sweep_spark_options_need_engine_spark(zeotap_dir):
    done = runner.invoke(app, ["sweep", str(zeotap_dir), "--spark-master", "local[2]"])
    assert done.exit_code == 2
    assert "--spark-* options need --engine spark" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

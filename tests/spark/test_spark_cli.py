"""``segtui run --engine spark``: same files as the Polars engine; option errors exit 2."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from segtui.cli import app

runner = CliRunner()
SPARK_ARGS = ["--engine", "spark", "--spark-master", "local[2]"]


def test_engine_spark_writes_the_same_segments_file_as_the_polars_engine(
    spark, zeotap_dir, tmp_path
):
    polars_csv, spark_csv = tmp_path / "polars.csv", tmp_path / "spark.csv"
    done = runner.invoke(app, ["run", str(zeotap_dir), "--out", str(polars_csv), "--quiet"])
    assert done.exit_code == 0, done.stderr
    done = runner.invoke(
        app, ["run", str(zeotap_dir), *SPARK_ARGS, "--out", str(spark_csv), "--quiet"]
    )
    assert done.exit_code == 0, done.stderr
    assert spark_csv.read_bytes() == polars_csv.read_bytes()


def test_engine_spark_json_summary_names_the_engine(spark, zeotap_dir):
    done = runner.invoke(
        app,
        [
            "run",
            str(zeotap_dir),
            *SPARK_ARGS,
            "--spark-conf",
            "spark.sql.shuffle.partitions=4",
            "--json",
        ],
    )
    assert done.exit_code == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["engine"] == "spark"
    assert summary["clustering_path"] == "scikit-learn on the driver"
    assert summary["n_customers"] == 200


def test_unknown_engine_is_a_user_error():
    done = runner.invoke(app, ["run", "--engine", "dask"])
    assert done.exit_code == 2
    assert "unknown engine 'dask'" in done.stderr


def test_spark_conf_without_equals_sign_is_a_user_error():
    done = runner.invoke(app, ["run", "--engine", "spark", "--spark-conf", "spark.executor.memory"])
    assert done.exit_code == 2
    assert "--spark-conf expects key=value" in done.stderr


def test_spark_options_need_engine_spark():
    done = runner.invoke(app, ["run", "--spark-master", "local[2]"])
    assert done.exit_code == 2
    assert "need --engine spark" in done.stderr


def test_default_run_takes_the_mllib_path_with_k_auto(spark, zeotap_dir):
    # More customers than the driver limit used to refuse the default --k auto (exit 2).
    done = runner.invoke(
        app, ["run", str(zeotap_dir), *SPARK_ARGS, "--spark-driver-limit", "0", "--json"]
    )
    assert done.exit_code == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["clustering_path"] == "Spark MLlib"
    assert summary["k"] == summary["k_selection"]["recommended_k"]
    assert "Inner split: fitted on the 197 customers" in summary["k_selection"]["rule"]

"""`segtui run` and `segtui sample` through Typer's CliRunner."""

from __future__ import annotations

import io
import json

import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def assert_user_error(result, *needles: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_run_on_bundled_sample_exits_zero_and_prints_the_db_index():
    result = invoke("run")
    assert result.exit_code == 0, result.stderr
    assert "Davies-Bouldin" in result.stdout and "lower is better" in result.stdout


def test_run_writes_segments_and_summary(zeotap_dir, tmp_path):
    out, md = tmp_path / "Customer_Segments.csv", tmp_path / "report.md"
    result = invoke("run", str(zeotap_dir), "--out", str(out), "--summary", str(md), "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert pl.read_csv(out).height == 200
    text = md.read_text()
    assert "Davies-Bouldin" in text and "lower is better" in text and "No purchases" in text


@pytest.mark.parametrize("ext", ["parquet", "json"])
def test_run_writes_other_formats(zeotap_dir, tmp_path, ext):
    out = tmp_path / f"segments.{ext}"
    assert invoke("run", str(zeotap_dir), "--out", str(out), "-q").exit_code == 0
    frame = pl.read_parquet(out) if ext == "parquet" else pl.DataFrame(json.loads(out.read_text()))
    assert frame.height == 200 and "segment_name" in frame.columns


def test_json_prints_only_the_summary(zeotap_dir):
    result = invoke("run", str(zeotap_dir), "--json")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    # The default (issue 28): recency, frequency and spend, k by the --k auto rule, which
    # picks 3 on the reference data (docs/choosing-k.md: no k reaches stability 0.9).
    assert summary["n_customers"] == 200 and summary["k"] == 3
    assert summary["features"] == ["recency_days", "frequency", "total_spend"]
    assert summary["k_selection"]["rule"]


def test_out_dash_pipes_csv_to_stdout(zeotap_dir):
    result = invoke("run", str(zeotap_dir), "--out", "-")
    assert result.exit_code == 0
    frame = pl.read_csv(io.StringIO(result.stdout))
    assert frame.height == 200
    assert "Davies-Bouldin" in result.stderr  # the human summary moved out of the way


def test_existing_output_is_not_overwritten_without_force(zeotap_dir, tmp_path):
    out = tmp_path / "segments.csv"
    out.write_text("keep me")
    result = invoke("run", str(zeotap_dir), "--out", str(out))
    assert_user_error(result, "already exists", "--force")
    assert out.read_text() == "keep me"
    assert invoke("run", str(zeotap_dir), "--out", str(out), "--force", "-q").exit_code == 0
    assert pl.read_csv(out).height == 200


def test_missing_folder_is_a_user_error(tmp_path):
    assert_user_error(invoke("run", str(tmp_path / "nope")), "nope", "no such file")


def test_missing_column_names_file_and_column(tiny_dir):
    tx = tiny_dir / "Transactions.csv"
    tx.write_text(tx.read_text().replace("TotalValue", "Amountish"))
    assert_user_error(invoke("run", str(tiny_dir), "-k", "2"), "Transactions.csv", "TotalValue")


def test_unparsable_date_names_the_row(tiny_dir):
    tx = tiny_dir / "Transactions.csv"
    tx.write_text(tx.read_text().replace("2024-03-20 08:00:00", "20th of March"))
    assert_user_error(
        invoke("run", str(tiny_dir), "-k", "2"),
        "Transactions.csv",
        "TransactionDate",
        "row 6",
        "20th of March",
    )


def test_non_numeric_amount_names_the_row(tiny_dir):
    tx = tiny_dir / "Transactions.csv"
    tx.write_text(tx.read_text().replace(",120.0,", ",lots,"))
    assert_user_error(invoke("run", str(tiny_dir), "-k", "2"), "TotalValue", "row 4", "lots")


@pytest.mark.parametrize("k", ["1", "0", "-3"])
def test_k_below_two_is_a_user_error(zeotap_dir, k):
    assert_user_error(invoke("run", str(zeotap_dir), "--k", k), "k must be at least 2")


def test_k_above_the_customer_count_is_a_user_error(zeotap_dir):
    assert_user_error(invoke("run", str(zeotap_dir), "--k", "500"), "k=500", "199")


def test_unknown_feature_is_a_user_error(zeotap_dir):
    assert_user_error(invoke("run", str(zeotap_dir), "--features", "total_spend,vibes"), "vibes")


def test_bad_as_of_is_a_user_error(zeotap_dir):
    assert_user_error(invoke("run", str(zeotap_dir), "--as-of", "31/12/2024"), "--as-of")


def test_bad_scaling_and_output_extension_are_user_errors(zeotap_dir, tmp_path):
    assert_user_error(invoke("run", str(zeotap_dir), "--scaling", "zscore"), "zscore")
    assert_user_error(invoke("run", str(zeotap_dir), "--out", str(tmp_path / "x.xlsx")), ".xlsx")


def test_sample_is_deterministic_and_refuses_to_overwrite(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        result = invoke("sample", str(folder), "--customers", "300", "--transactions", "2000")
        assert result.exit_code == 0, result.stderr
    for name in ("Customers.csv", "Products.csv", "Transactions.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    tx = pl.read_csv(a / "Transactions.csv")
    customers = pl.read_csv(a / "Customers.csv")
    assert tx.height == 2000 and customers.height == 300
    assert customers.filter(~pl.col("CustomerID").is_in(tx["CustomerID"].implode())).height == 1
    assert_user_error(invoke("sample", str(a)), "already holds", "--force")


def test_k_equal_to_the_customer_count_is_a_user_error(tiny_dir):
    # 5 customers with purchases: k=5 would leave every segment with one member.
    assert_user_error(invoke("run", str(tiny_dir), "--k", "5"), "k=5", "between 2 and 4")

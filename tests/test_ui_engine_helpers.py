"""Engine helpers behind the UI: projection, browsing/paging, drill-down, export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from segtui.config import Settings
from segtui.engine import lookup
from segtui.engine.clustering.projection import pca_2d
from segtui.engine.errors import OutputError
from segtui.engine.io.sources import load_source
from segtui.engine.output.result_files import export
from segtui.engine.pipeline import run


@pytest.fixture(scope="module")
def zeotap_result(zeotap_dir: Path):
    return run(Settings(source=zeotap_dir))


def test_pca_first_axis_follows_the_direction_of_largest_spread() -> None:
    rng = np.random.default_rng(0)
    matrix = np.column_stack([rng.normal(0, 10, 500), rng.normal(0, 1, 500)])
    projection = pca_2d(matrix)
    assert projection.xy.shape == (500, 2)
    assert projection.explained[0] > 0.95
    assert np.corrcoef(projection.xy[:, 0], matrix[:, 0])[0, 1] > 0.99


def test_pca_samples_large_matrices_deterministically() -> None:
    matrix = np.random.default_rng(1).normal(size=(5000, 4))
    first = pca_2d(matrix, max_points=300, seed=3)
    second = pca_2d(matrix, max_points=300, seed=3)
    assert first.rows.shape == (300,)
    np.testing.assert_array_equal(first.rows, second.rows)
    np.testing.assert_array_equal(first.xy, second.xy)


def test_browse_filters_by_segment_and_text_and_sorts(zeotap_result) -> None:
    frame = zeotap_result.segments
    only = lookup.browse(frame, segment=1, sort_by="total_spend", descending=True)
    assert set(only["segment"].to_list()) == {1}
    spend = only["total_spend"].to_list()
    assert spend == sorted(spend, reverse=True)
    found = lookup.browse(frame, text="c0001")
    assert "C0001" in found["CustomerID"].to_list()
    assert found.height < frame.height


def test_page_returns_only_the_requested_rows(zeotap_result) -> None:
    rows = lookup.page(zeotap_result.segments, 10, 5)
    assert [r[0] for r in rows] == zeotap_result.segments["CustomerID"][10:15].to_list()
    assert lookup.page(zeotap_result.segments, 10_000, 5) == []


def test_customer_transactions_are_that_customers_newest_first(zeotap_dir: Path) -> None:
    tables = load_source(zeotap_dir)
    tx = lookup.customer_transactions(tables, "C0001")
    assert tx.height == 5
    assert set(tx["CustomerID"].to_list()) == {"C0001"}
    assert "ProductName" in tx.columns
    dates = tx["TransactionDate"].to_list()
    assert dates == sorted(dates, reverse=True)


def test_row_counts_match_the_reference_files(zeotap_dir: Path) -> None:
    counts = lookup.row_counts(load_source(zeotap_dir))
    assert counts == {"customers": 200, "products": 100, "transactions": 1000}


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json"])
def test_export_segments_rereads_as_the_segments_frame(zeotap_result, tmp_path, suffix) -> None:
    path = export(zeotap_result, tmp_path / f"seg{suffix}")
    reader = {".csv": pl.read_csv, ".parquet": pl.read_parquet, ".json": pl.read_json}[suffix]
    back = reader(path)
    assert back["CustomerID"].to_list() == zeotap_result.segments["CustomerID"].to_list()
    assert back["segment"].to_list() == zeotap_result.segments["segment"].to_list()


def test_export_refuses_to_overwrite_without_force(zeotap_result, tmp_path) -> None:
    target = tmp_path / "report.md"
    export(zeotap_result, target)
    with pytest.raises(OutputError, match="already exists"):
        export(zeotap_result, target)
    assert export(zeotap_result, target, force=True) == target.resolve()


def test_export_rejects_unknown_extensions(zeotap_result, tmp_path) -> None:
    with pytest.raises(OutputError, match="extension"):
        export(zeotap_result, tmp_path / "seg.xlsx")


def test_next_match_searches_the_whole_frame_and_wraps() -> None:
    frame = pl.DataFrame({"name": ["Ann", "bob", "Anna", "Cy"], "n": [1, 2, 3, 4]})
    assert lookup.next_match(frame, "an", -1) == 0
    assert lookup.next_match(frame, "an", 0) == 2
    assert lookup.next_match(frame, "an", 2) == 0  # wraps past the end
    assert lookup.next_match(frame, "AN", 0, direction=-1) == 2  # and before the top
    assert lookup.next_match(frame, "zz", 0) is None

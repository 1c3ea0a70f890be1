"""Engine helpers behind the UI: projection, browsing/paging, drill-down, export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from segtui.config import Settings
from segtui.engine import lookup
from segtui.engine.clustering.projection import pca_2d
from segtui.engine.errors import OutputError
from segtui.engine.io.sources import load_source
from segtui.engine.output.result_files import beside, export, export_kind, write_result
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


def test_export_named_summary_json_is_the_summary_run_writes(zeotap_result, tmp_path) -> None:
    """``x.summary.json`` is the summary (the bytes of ``write_result(summary=...)``, which
    ``segtui run --summary`` uses); plain ``x.json`` stays the segments file."""
    summary = export(zeotap_result, tmp_path / "seg.summary.json")
    write_result(zeotap_result, summary=tmp_path / "run.json")
    assert summary.read_bytes() == (tmp_path / "run.json").read_bytes()
    assert json.loads(summary.read_text(encoding="utf-8"))["k"] == zeotap_result.k
    segments = pl.read_json(export(zeotap_result, tmp_path / "seg.json"))
    assert segments["CustomerID"].to_list() == zeotap_result.segments["CustomerID"].to_list()
    assert [export_kind(Path(n)) for n in ("a.SUMMARY.JSON", "a.json", "a.md")] == [
        "summary",
        "segments",
        "report",
    ]
    assert beside(Path("out/seg.csv"), "summary") == Path("out/seg.summary.json")
    assert beside(Path("out/seg.parquet"), "report") == Path("out/seg.md")


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


# --- logic that moved out of the workbench's dialogs into the engine (issue 31) -------


def test_lookalike_rows_are_the_nearest_buyers_with_their_segment(zeotap_result) -> None:
    from segtui.engine import lookalike_rows

    frame = zeotap_result.feature_table.frame
    buyers = frame.filter(pl.col("has_purchases"))["CustomerID"].to_list()
    me = buyers[0]
    distance = np.linalg.norm(zeotap_result.matrix - zeotap_result.matrix[0], axis=1)
    order = sorted(range(1, len(buyers)), key=lambda i: (distance[i], buyers[i]))[:5]
    rows = lookalike_rows(zeotap_result, me, 5)
    assert rows["LookalikeID"].to_list() == [buyers[i] for i in order]
    assert rows["score"].to_list() == [round(1 / (1 + distance[i]), 3) for i in order]
    segment_of = dict(zip(*zeotap_result.segments.select("CustomerID", "segment"), strict=True))
    assert rows["segment"].to_list() == [segment_of[buyers[i]] for i in order]


def test_parse_before_takes_only_an_earlier_date(zeotap_result) -> None:
    import datetime as dt

    from segtui.engine import OptionError, parse_before

    current = zeotap_result.as_of
    assert parse_before("2024-01-31", current) == dt.date(2024, 1, 31)
    with pytest.raises(OptionError, match="must be before the current one"):
        parse_before(current.isoformat(), current)
    with pytest.raises(OptionError, match="earlier as-of date"):
        parse_before("31/01/2024", current)


def test_compute_migration_ends_in_the_segments_on_screen(zeotap_result, zeotap_dir) -> None:
    import datetime as dt

    from segtui.engine import compute_migration

    before = zeotap_result.as_of - dt.timedelta(days=90)
    migration = compute_migration(zeotap_result, load_source(zeotap_dir), before)
    after = dict(zip(*migration.customers.select("CustomerID", "segment_after"), strict=True))
    on_screen = dict(zip(*zeotap_result.segments.select("CustomerID", "segment"), strict=True))
    assert {c: s for c, s in after.items() if s is not None} == on_screen
    assert int(migration.matrix.sum()) == migration.customers.height


def test_write_model_saves_the_results_centroids(zeotap_result, tmp_path) -> None:
    from segtui.engine import load_model, write_model

    path = write_model(zeotap_result, [], tmp_path / "m.json", force=False)
    assert path == (tmp_path / "m.json").resolve()
    np.testing.assert_array_equal(load_model(path).centroids, zeotap_result.centers)

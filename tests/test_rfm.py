"""The RFM view: quintile scores, the label grid, the extra columns."""

from __future__ import annotations

import polars as pl
from typer.testing import CliRunner

from segtui.cli import app
from segtui.config import Settings
from segtui.engine.features import rfm
from segtui.engine.pipeline import run


def _pure_python_scores(rows: list[tuple[str, int, int, float]]) -> dict[str, tuple[int, int, int]]:
    """(r, f, m) quintile scores by the module's published rule, computed without polars:
    rank 1..n in value order with ties in CustomerID order, score 1 + 5 (r - 1) // n."""
    n = len(rows)
    by_id = sorted(rows)

    def scores(column: int) -> dict[str, int]:
        order = sorted(range(n), key=lambda i: (by_id[i][column], i))  # stable: id order
        return {by_id[i][0]: 1 + 5 * rank // n for rank, i in enumerate(order)}

    recency, frequency, spend = scores(1), scores(2), scores(3)
    return {cid: (6 - recency[cid], frequency[cid], spend[cid]) for cid, *_ in rows}


def test_scores_and_cells_match_a_pure_python_reading_of_the_rule():
    # Ties everywhere: four one-time buyers, equal recencies, equal spends.
    rows = [
        ("C07", 5, 1, 10.0),
        ("C01", 5, 1, 10.0),
        ("C03", 40, 1, 25.0),
        ("C09", 200, 1, 5.0),
        ("C02", 2, 6, 300.0),
        ("C05", 30, 3, 80.0),
        ("C04", 30, 2, 80.0),
        ("C10", 120, 4, 150.0),
        ("C08", 365, 9, 900.0),
        ("C06", 10, 2, 40.0),
    ]
    clustered = pl.DataFrame(
        rows, schema=["CustomerID", "recency_days", "frequency", "total_spend"], orient="row"
    )
    frame = clustered.with_columns(pl.lit(True).alias("has_purchases"))
    got = {row["CustomerID"]: row for row in rfm.rfm_scores(frame, clustered).iter_rows(named=True)}
    expected = _pure_python_scores(rows)
    # The cell table as the docs give it, restated here: (recency scores, frequency scores).
    cells = {
        "Champions": ({5}, {4, 5}),
        "Loyal customers": ({3, 4}, {4, 5}),
        "Potential loyalists": ({4, 5}, {2, 3}),
        "New customers": ({5}, {1}),
        "Promising": ({4}, {1}),
        "Need attention": ({3}, {3}),
        "About to sleep": ({3}, {1, 2}),
        "At risk": ({1, 2}, {3, 4}),
        "Can't lose them": ({1, 2}, {5}),
        "Hibernating": ({1, 2}, {1, 2}),
    }
    for cid, (r, f, m) in expected.items():
        row = got[cid]
        assert (row["r_score"], row["f_score"], row["m_score"]) == (r, f, m), cid
        assert row["rfm_cell"] == f"{r}{f}{m}"
        [name] = [n for n, (rs, fs) in cells.items() if r in rs and f in fs]
        assert row["rfm_segment"] == name, cid
    # Ties broken by id: C01 before C07 among the most recent (both 5 days).
    assert (got["C02"]["r_score"], got["C01"]["r_score"], got["C07"]["r_score"]) == (5, 5, 4)


def test_every_score_pair_has_exactly_one_cell():
    for r in range(1, 6):
        for f in range(1, 6):
            names = [n for n, rs, fs, _a in rfm.RF_CELLS if r in rs and f in fs]
            assert names == [rfm.rf_cell(r, f)]
    assert len(rfm.RF_NAMES) == 10


def test_most_recent_buyers_get_recency_score_five(zeotap_dir):
    result = run(Settings(source=zeotap_dir, rfm=True))
    buyers = result.segments.filter(pl.col("r_score").is_not_null())
    recency = result.feature_table.frame.select("CustomerID", "recency_days")
    joined = buyers.join(recency, on="CustomerID")
    best = joined.filter(pl.col("recency_days") == pl.col("recency_days").min())
    assert set(best["r_score"].to_list()) == {5}


def test_rfm_columns_are_added_after_the_usual_ones(zeotap_dir):
    plain = run(Settings(source=zeotap_dir)).segments
    with_rfm = run(Settings(source=zeotap_dir, rfm=True)).segments
    assert with_rfm.columns == plain.columns + list(rfm.COLUMNS)
    assert with_rfm.select(plain.columns).equals(plain)


def test_customer_without_purchases_is_labelled_no_purchases(zeotap_dir):
    segments = run(Settings(source=zeotap_dir, rfm=True)).segments
    row = segments.filter(pl.col("segment") == -1)
    assert row["rfm_segment"].to_list() == ["No purchases"] and row["r_score"][0] is None


def test_cli_rfm_flag_writes_the_columns(zeotap_dir, tmp_path):
    out = tmp_path / "segments.csv"
    result = CliRunner().invoke(app, ["run", str(zeotap_dir), "--rfm", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.stderr
    frame = pl.read_csv(out)
    assert set(rfm.COLUMNS) <= set(frame.columns)
    assert set(frame["rfm_segment"].unique()) <= set(rfm.RF_NAMES) | {"No purchases"}


def test_rfm_columns_give_each_customer_the_cell_method_rfm_makes_its_segment(zeotap_dir):
    # One grid: the --rfm label of every clustered customer is its --method rfm segment.
    columns = run(Settings(source=zeotap_dir, rfm=True)).segments
    cells = run(Settings(source=zeotap_dir, method="rfm")).segments
    joined = columns.filter(pl.col("segment") >= 0).join(
        cells.select("CustomerID", pl.col("segment_name").alias("cell")), on="CustomerID"
    )
    assert joined.height == columns.filter(pl.col("segment") >= 0).height > 0
    assert joined["rfm_segment"].to_list() == joined["cell"].to_list()

"""The RFM view: quintile scores, the label grid, the extra columns."""

from __future__ import annotations

import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.config import Settings
from segtui.engine.features import rfm
from segtui.engine.pipeline import run


def test_every_score_combination_has_one_of_the_eleven_labels():
    labels = {rfm.label(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}
    assert labels == set(rfm.LABELS) and len(rfm.LABELS) == 11


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ((5, 5, 5), "Champions"),
        ((1, 1, 1), "Lost"),
        ((5, 1, 1), "New Customers"),
        ((1, 5, 5), "Can't Lose Them"),
        ((3, 3, 3), "Need Attention"),
        ((2, 3, 4), "At Risk"),
    ],
)
def test_label_grid_cells(scores, expected):
    assert rfm.label(*scores) == expected


def test_quintiles_split_distinct_values_into_equal_fifths():
    frame = pl.DataFrame({"v": list(range(1, 11))})
    scores = frame.select(rfm.quintile(pl.col("v"))).to_series().to_list()
    assert scores == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_tied_values_share_a_score():
    frame = pl.DataFrame({"v": [1, 1, 1, 1, 1, 1, 2, 3, 4, 5]})
    scores = frame.select(rfm.quintile(pl.col("v"))).to_series().to_list()
    assert scores[:6] == [1] * 6 and scores[6:] == [4, 4, 5, 5]


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
    assert set(frame["rfm_segment"].unique()) <= set(rfm.LABELS) | {"No purchases"}

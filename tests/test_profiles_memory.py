"""The profiling and writing steps read the feature table's columns they need without
copying the whole table (issue 32: 1e8 lines / 1e7 customers in 3 GB), and give the same
figures as the plainer formulations they replaced."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from segtui.config import Settings
from segtui.engine import cluster_run
from segtui.engine.finish import clustered_rows, segments_frame
from segtui.engine.output.writers import FORMULA_START, neutralise_formulas
from segtui.engine.pipeline import run
from segtui.engine.segments import tiers
from segtui.engine.segments.profiles import build_profiles
from segtui.engine.segments.rfm_cells import rank_scores, segment_cells

REFERENCE = Path(__file__).parent / "data" / "reference"


def ranks_by_formula(values: np.ndarray) -> np.ndarray:
    """Rank r (1..n, ties in row order) scores 1 + floor(5 (r - 1) / n)."""
    n = values.shape[0]
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(values, kind="stable")] = np.arange(1, n + 1)
    return 1 + (5 * (rank - 1)) // max(n, 1)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 6, 7, 11, 24, 25, 26, 999, 1001])
def test_rank_scores_are_the_quintile_of_each_rank(n: int) -> None:
    rng = np.random.default_rng(n)
    for values in (rng.integers(0, 4, n).astype(float), rng.normal(size=n)):
        if n > 3:
            values[[0, n // 2]] = np.nan  # missing values rank last, as argsort puts them
        scores = rank_scores(values)
        assert scores.dtype == np.int8
        np.testing.assert_array_equal(scores, ranks_by_formula(values))


def feature_frame(n: int, seed: int = 1) -> pl.DataFrame:
    """A feature table's shape: buyers, customers without purchases (null recency), a
    null has_purchases, a net returner and columns the grid does not read."""
    rng = np.random.default_rng(seed)
    has = rng.random(n) < 0.8
    frame = pl.DataFrame(
        {
            "CustomerID": [f"C{i:05d}" for i in range(n)],
            "CustomerName": [f"name {i}" for i in range(n)],
            "Region": rng.choice(["North", "South", "=East"], n).tolist(),
            "recency_days": pl.Series(rng.integers(0, 400, n)),
            "frequency": pl.Series(rng.integers(1, 6, n)),
            "total_spend": rng.gamma(2.0, 50.0, n),
            "avg_transaction_value": rng.gamma(2.0, 20.0, n),
            "has_purchases": pl.Series(has.tolist(), dtype=pl.Boolean),
            "net_returner": pl.Series([False] * n),
        }
    )
    return frame.with_columns(
        pl.when(pl.col("has_purchases"))
        .then(pl.col("recency_days"))
        .otherwise(None)
        .alias("recency_days"),
        pl.when(pl.int_range(pl.len()) == 3)
        .then(None)
        .otherwise(pl.col("has_purchases"))
        .alias("has_purchases"),
        (pl.int_range(pl.len()) == 5).alias("net_returner"),
    )


def test_segment_cells_count_each_segment_in_the_grid_of_the_buyers() -> None:
    frame = feature_frame(400)
    buyers = frame.filter(pl.col("has_purchases"))
    labels = np.random.default_rng(2).integers(0, 3, buyers.height)
    cells = segment_cells(frame, buyers.get_column("CustomerID"), labels)
    # Independently: score the buyers' quintiles with the formula, count by hand.
    r = 6 - ranks_by_formula(buyers.get_column("recency_days").to_numpy())
    f = ranks_by_formula(buyers.get_column("frequency").to_numpy())
    from segtui.engine.features.rfm import rf_cell

    expected: dict[str, dict[str, int]] = {}
    for segment, ri, fi in zip(labels, r, f, strict=True):
        row = expected.setdefault(str(segment), {})
        name = rf_cell(int(ri), int(fi))
        row[name] = row.get(name, 0) + 1
    got = {s: {c: n for c, n in row.items() if n} for s, row in cells["segments"].items()}
    assert got == dict(sorted(expected.items()))
    # The same customers in another order take the joined grid's path: same table.
    shuffled = segment_cells(frame, buyers.get_column("CustomerID").reverse(), labels[::-1])
    assert shuffled == cells


def expected_neutralised(value: str | None) -> str | None:
    if value is not None and value[:1] in FORMULA_START:
        return "'" + value
    return value


def test_formula_check_quotes_exactly_the_cells_whose_first_character_starts_a_formula() -> None:
    rng = np.random.default_rng(3)
    alphabet = [*FORMULA_START, "a", "é", "1", " ", "'"]
    cells: list[str | None] = [None, "", "é=", "a-", *FORMULA_START]
    cells += ["".join(rng.choice(alphabet, rng.integers(1, 4))) for _ in range(300)]
    frame = pl.DataFrame({"hit": cells, "clean": ["ok"] * len(cells), "n": range(len(cells))})
    out = neutralise_formulas(frame)
    assert out["hit"].to_list() == [expected_neutralised(c) for c in cells]
    assert out["clean"].to_list() == ["ok"] * len(cells)
    assert out["n"].to_list() == list(range(len(cells)))


def test_segments_frame_by_position_equals_the_joined_frame() -> None:
    from segtui.engine.segments.profiles import SegmentProfile

    frame = feature_frame(300)
    features = ["recency_days", "frequency", "total_spend"]
    clustered = clustered_rows(frame, features)
    labels = np.random.default_rng(4).integers(0, 3, clustered.height)
    profiles = build_profiles(clustered, labels, features, typical_gap=30.0)
    assert all(isinstance(p, SegmentProfile) for p in profiles)
    by_position = segments_frame(frame, clustered, labels, profiles, features)
    # Reversed rows are not the frame's order: the join's path gives the reference.
    joined = segments_frame(frame, clustered.reverse(), labels[::-1], profiles, features)
    assert by_position.equals(joined)
    assert by_position.get_column("segment").to_list()[5] == -2  # the net returner
    assert (by_position.get_column("segment") == -1).sum() > 0  # without purchases


def test_profiles_with_the_rhythm_given_equal_those_that_compute_it() -> None:
    frame = feature_frame(300).with_columns(
        pl.datetime(2024, 1, 1).alias("first_purchase"),
        (pl.datetime(2024, 1, 1) + pl.duration(days=pl.col("frequency") * 20)).alias(
            "last_purchase"
        ),
    )
    features = ["recency_days", "frequency", "total_spend"]
    clustered = clustered_rows(frame, features)
    labels = np.random.default_rng(5).integers(0, 3, clustered.height)
    gap = tiers.typical_gap(clustered)
    within = tiers.within_rhythm(clustered, gap)
    given = build_profiles(clustered, labels, features, typical_gap=gap, within=within)
    computed = build_profiles(clustered, labels, features, typical_gap=gap)
    assert given == computed


def test_profiling_never_filters_the_whole_feature_table(monkeypatch) -> None:
    """The profile step reads the feature table's columns it needs: a filter of the whole
    table copied every column of every buyer (~1 GB at ten million customers)."""
    widths: list[int] = []
    table_width: list[int] = []
    real_filter = pl.DataFrame.filter
    real_profile = cluster_run.profile

    def recording_filter(self: pl.DataFrame, *args: object, **kwargs: object) -> pl.DataFrame:
        widths.append(self.width)
        return real_filter(self, *args, **kwargs)

    def profile(table, *args, **kwargs):  # type: ignore[no-untyped-def]
        table_width.append(table.frame.width)
        with monkeypatch.context() as patch:
            patch.setattr(pl.DataFrame, "filter", recording_filter)
            return real_profile(table, *args, **kwargs)

    monkeypatch.setattr(cluster_run, "profile", profile)
    result = run(Settings(source=REFERENCE, k=3))
    assert result.diagnostics["rfm_grid"]["segments"]  # the grid was made
    assert widths, "the profile step filtered nothing: the recorder saw no call"
    assert max(widths) < table_width[0]

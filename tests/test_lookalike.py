"""Lookalikes equal a brute-force nearest-neighbour search in the model's space."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from segtui.engine.errors import OptionError
from segtui.engine.io.sources import load_source
from segtui.engine.models.assign import project
from segtui.engine.models.build import build_model
from segtui.engine.models.lookalike import expand_ids, lookalikes, result_lookalikes
from segtui.engine.pipeline import segment


@pytest.fixture(scope="module")
def snapshot(zeotap_dir):
    return project(build_model(segment(zeotap_dir)), load_source(zeotap_dir))


def brute_force(X: np.ndarray, ids: list[str], queries: list[str], top: int) -> pl.DataFrame:
    """Every pairwise distance, self excluded, sorted by (distance, id)."""
    distances = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2))
    rows = []
    for query in queries:
        i = ids.index(query)
        candidates = sorted((distances[i, j], ids[j]) for j in range(len(ids)) if j != i)
        for rank, (d, other) in enumerate(candidates[:top], start=1):
            rows.append((query, rank, other, 1.0 / (1.0 + d)))
    return pl.DataFrame(rows, schema=["CustomerID", "rank", "LookalikeID", "score"], orient="row")


def test_top3_for_c0001_to_c0020_equal_brute_force(snapshot):
    ids = snapshot.customer_ids.to_list()
    queries = expand_ids(["C0001..C0020"])
    result = lookalikes(snapshot.customer_ids, snapshot.matrix, queries, top=3)
    expected = brute_force(snapshot.matrix, ids, queries, 3)
    assert result.table.select("CustomerID", "rank", "LookalikeID").equals(
        expected.select("CustomerID", "rank", "LookalikeID")
    )
    assert np.allclose(result.table["score"].to_numpy(), expected["score"].to_numpy())
    assert result.table.height == 60


def test_all_customers_equal_brute_force(snapshot):
    ids = snapshot.customer_ids.to_list()
    result = lookalikes(snapshot.customer_ids, snapshot.matrix, None, top=5)
    expected = brute_force(snapshot.matrix, ids, ids, 5)
    assert result.table["LookalikeID"].to_list() == expected["LookalikeID"].to_list()
    assert result.table.height == 5 * len(ids)


def test_scores_are_spread_out_not_all_near_one(snapshot):
    scores = lookalikes(snapshot.customer_ids, snapshot.matrix, None, top=3).table["score"]
    assert scores.max() < 0.99 and scores.min() < 0.6 and scores.std() > 0.05


def test_identical_profiles_are_each_others_lookalike_with_score_one():
    ids = pl.Series(["A", "B", "C", "D"])
    X = np.array([[0.0, 0.0], [5.0, 5.0], [0.0, 0.0], [1.0, 0.0]])
    table = lookalikes(ids, X, ["A", "C"], top=2).table
    assert table["LookalikeID"].to_list() == ["C", "D", "A", "D"]
    assert table["score"].to_list() == [1.0, 0.5, 1.0, 0.5]


def test_customer_without_purchases_is_skipped_and_reported(snapshot):
    all_ids = ["C0180", *snapshot.customer_ids.to_list()]
    result = lookalikes(snapshot.customer_ids, snapshot.matrix, ["C0179", "C0180"], all_ids=all_ids)
    assert result.skipped_no_purchases == ["C0180"]
    assert set(result.table["CustomerID"]) == {"C0179"}


def test_unknown_customer_id_is_an_option_error(snapshot):
    with pytest.raises(OptionError, match="not in the source: C9999"):
        lookalikes(snapshot.customer_ids, snapshot.matrix, ["C0001", "C9999"])


def test_id_range_keeps_zero_padding_and_order():
    assert expand_ids(["C0009..C0011", "X7", "C0010"]) == ["C0009", "C0010", "C0011", "X7"]


@pytest.mark.parametrize("token", ["C0020..C0001", "C001..C0020", "C0001..D0002"])
def test_malformed_range_is_refused(token):
    with pytest.raises(OptionError, match="range"):
        expand_ids([token])


def test_a_run_gives_the_same_lookalikes_as_its_saved_model(zeotap_dir, snapshot):
    from_run = result_lookalikes(segment(zeotap_dir), ["C0001", "C0180", "C0042"], top=4)
    from_model = lookalikes(snapshot.customer_ids, snapshot.matrix, ["C0001", "C0042"], top=4)
    assert from_run.table.equals(from_model.table)
    assert from_run.skipped_no_purchases == ["C0180"]


def test_few_queries_take_the_exact_pass_and_agree_with_the_tree(monkeypatch) -> None:
    import numpy as np

    from segtui.engine.models import lookalike as module

    X = np.random.default_rng(3).normal(size=(5000, 6))
    queries = np.array([0, 17, 4999])
    exact = module.nearest_neighbours(X, queries, 5)  # 3 queries: the vectorised pass
    monkeypatch.setattr(module, "BRUTE_FORCE_QUERIES", 0)
    tree = module.nearest_neighbours(X, queries, 5)
    assert (exact[0] == tree[0]).all()
    assert np.allclose(exact[1], tree[1])
    assert (np.diff(exact[1], axis=1) >= 0).all()
    assert not (exact[0] == queries[:, None]).any()  # nobody is their own lookalike

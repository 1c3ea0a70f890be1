"""Assigning customers to a saved model: exact round trip, stored scaling, unseen levels."""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import polars as pl
import pytest
from conftest import PRE_SWITCH

from segtui.engine.clustering.space import fit_space
from segtui.engine.errors import InputError
from segtui.engine.features.compute import compute_features
from segtui.engine.io.sources import load_source
from segtui.engine.models.assign import assign, nearest_centroid
from segtui.engine.models.build import build_model
from segtui.engine.models.model import load_model, save_model
from segtui.engine.pipeline import segment


def saved(result, tmp_path):
    """Build, save and re-load the model of ``result`` (the file is what assign sees)."""
    path = save_model(build_model(result, result.input_files), tmp_path / "model.json")
    return load_model(path)


def copy_source(src, dst, **edits):
    """Copy the three tables to ``dst``; ``edits`` maps a table name to a frame edit."""
    dst.mkdir()
    for name in ("Customers", "Products", "Transactions"):
        frame = pl.read_csv(src / f"{name}.csv", infer_schema=False)
        if name in edits:
            frame = edits[name](frame)
        frame.write_csv(dst / f"{name}.csv")
    return dst


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"k": 6, "log": True, "scaling": "robust"},
        {"features": "total_spend,frequency,recency_days,tenure_days,category_shares,region"},
        {"categorical_weight": "raw", "k": 3, "seed": 3},
        {"scaling": "minmax", "features": "total_spend,distinct_products,avg_quantity"},
    ],
)
def test_assigning_the_training_data_reproduces_the_segments(zeotap_dir, tmp_path, options):
    result = segment(zeotap_dir, **options)
    assigned = assign(saved(result, tmp_path), zeotap_dir)
    assert assigned.segments.drop("distance").equals(result.segments)
    assert assigned.same_input_as_training is True


def test_round_trip_on_planted_data(planted_dir, tmp_path):
    result = segment(planted_dir, k=4)
    assigned = assign(saved(result, tmp_path), planted_dir)
    assert assigned.segments.drop("distance").equals(result.segments)


def test_distance_is_to_the_assigned_centroid_and_null_without_purchases(zeotap_dir, tmp_path):
    result = segment(zeotap_dir, **PRE_SWITCH)
    assigned = assign(saved(result, tmp_path), zeotap_dir).segments
    buyers = assigned.filter(pl.col("segment") >= 0)
    expected = np.linalg.norm(result.matrix - result.centers[result.labels], axis=1)
    assert np.allclose(buyers["distance"].to_numpy(), expected, rtol=0, atol=1e-12)
    assert assigned.filter(pl.col("CustomerID") == "C0180")["distance"].to_list() == [None]


def test_later_snapshot_uses_the_stored_scaling_not_a_refit(zeotap_dir, tmp_path):
    model = saved(segment(zeotap_dir, **PRE_SWITCH, as_of="2024-07-01"), tmp_path)
    later = assign(model, zeotap_dir, as_of=dt.date(2024, 12, 29))
    snap = later.snapshot
    table = compute_features(load_source(zeotap_dir), model.features, dt.date(2024, 12, 29))
    buyers = table.frame.filter(pl.col("has_purchases"))
    refit, _ = fit_space(buyers, model.features)
    assert np.array_equal(snap.matrix, model.space.transform(buyers))
    assert not np.allclose(snap.matrix, refit.transform(buyers))
    assert np.array_equal(
        snap.labels, nearest_centroid(model.space.transform(buyers), model.centroids)[0]
    )
    assert str(snap.as_of) == "2024-12-29"


def test_tenfold_money_moves_customers_where_a_refit_would_hide_it(zeotap_dir, tmp_path):
    result = segment(zeotap_dir, **PRE_SWITCH)
    model = saved(result, tmp_path)
    richer = copy_source(
        zeotap_dir,
        tmp_path / "richer",
        Transactions=lambda f: f.with_columns(
            (pl.col("TotalValue").cast(pl.Float64) * 10).alias("TotalValue")
        ),
    )
    after = assign(model, richer)
    buyers = after.snapshot.clustered
    # A refit sees the same z-scores as training: the change would be invisible.
    refit, _ = fit_space(buyers, model.features)
    assert np.allclose(refit.transform(buyers), result.matrix)
    # The stored scaling sees ten times the money: most customers change segment.
    moved = (after.snapshot.labels != result.labels).sum()
    assert moved > result.labels.shape[0] / 2
    assert (
        after.snapshot.distances.mean()
        > 2 * np.linalg.norm(result.matrix - result.centers[result.labels], axis=1).mean()
    )


def test_unseen_region_gets_no_indicator_and_a_warning(zeotap_dir, tmp_path):
    model = saved(segment(zeotap_dir, **PRE_SWITCH), tmp_path)
    moved = copy_source(
        zeotap_dir,
        tmp_path / "moved",
        Customers=lambda f: f.with_columns(
            pl.when(pl.col("CustomerID").is_in(["C0001", "C0002"]))
            .then(pl.lit("Antarctica"))
            .otherwise(pl.col("Region"))
            .alias("Region")
        ),
    )
    result = assign(model, moved)
    assert result.snapshot.unseen_levels == {"region": {"Antarctica": 2}}
    assert any("Antarctica (2)" in w and "no region indicator" in w for w in result.warnings)
    block = model.space.categorical[0]
    row = result.snapshot.matrix[0, len(model.space.numeric) :]
    assert np.allclose(row, [-c * s for c, s in zip(block.centers, block.scales, strict=True)])
    assert result.segments.filter(pl.col("CustomerID") == "C0001")["region"].to_list() == [
        "Antarctica"
    ]


def test_source_that_cannot_compute_a_feature_is_refused(zeotap_dir, tmp_path):
    model = saved(segment(zeotap_dir, **PRE_SWITCH), tmp_path)
    folder = tmp_path / "no_customers"
    folder.mkdir()
    shutil.copy(zeotap_dir / "Transactions.csv", folder / "Transactions.csv")
    with pytest.raises(InputError, match="uses feature 'region', which this source cannot compute"):
        assign(model, folder)


def test_category_missing_from_the_source_gives_zero_share(zeotap_dir, tmp_path):
    model = saved(segment(zeotap_dir, features="total_spend,category_shares"), tmp_path)
    products = pl.read_csv(zeotap_dir / "Products.csv", infer_schema=False)
    books = products.filter(pl.col("Category") == "Books")["ProductID"].to_list()
    no_books = copy_source(
        zeotap_dir,
        tmp_path / "no_books",
        Products=lambda f: f.filter(pl.col("Category") != "Books"),
        Transactions=lambda f: f.filter(~pl.col("ProductID").is_in(books)),
    )
    result = assign(model, no_books)
    buyers = result.segments.filter(pl.col("segment") >= 0)
    assert buyers["share_books"].to_list() == [0.0] * buyers.height
    assert any("share_books" in w for w in result.warnings)


def test_fixed_training_date_without_as_of_warns(zeotap_dir, tmp_path):
    model = saved(segment(zeotap_dir, **PRE_SWITCH, as_of="2024-07-01"), tmp_path)
    result = assign(model, zeotap_dir)
    assert any("fixed as-of date 2024-07-01" in w for w in result.warnings)


def test_new_sources_are_read_with_the_models_mapping_and_returns_rule(
    zeotap_dir, tmp_path, monkeypatch
):
    import segtui.engine.models.assign as assign_module

    model = saved(segment(zeotap_dir, **PRE_SWITCH), tmp_path)
    model.settings = model.settings | {"mapping": {"customer_col": "cust"}, "returns": "drop"}
    calls = []
    monkeypatch.setattr(
        assign_module, "load_source", lambda *args, **kwargs: calls.append((args, kwargs))
    )
    assign_module.load_for_model(model, "orders.csv")
    assert calls == [(("orders.csv", {"customer_col": "cust"}), {"returns": "drop"})]

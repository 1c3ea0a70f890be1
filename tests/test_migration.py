"""Migration between snapshots: planted movers, new and lost customers, and totals that add up."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import PRE_SWITCH_FEATURES

from segtui.engine.errors import OptionError
from segtui.engine.models.build import build_model
from segtui.engine.models.migration import LOST, NEW, migrate_sources, snapshot_segments
from segtui.engine.pipeline import segment
from segtui.engine.sample import generate

MOVERS = 20
LOST_IDS = [f"C{n:04d}" for n in range(101, 111)]
NEW_IDS = [f"C{n:04d}" for n in range(9001, 9008)]


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory):
    """A generated year (before) and the same log after a quarter with planted changes:
    20 lapsed one-timers become heavy premium buyers, 10 customers are gone (deleted),
    7 new customers sign up and buy."""
    root = tmp_path_factory.mktemp("migration")
    data = generate(600, 6000, seed=11, groups=4)
    data.write(root / "before")
    customers, tx = data.customers, data.transactions
    lapsed = customers.filter(pl.col("PlantedGroup") == "Lapsed one-timers")
    movers = [c for c in lapsed["CustomerID"].to_list() if c not in LOST_IDS][:MOVERS]
    premium = data.products.sort("Price", descending=True).row(0, named=True)
    extra = [
        (
            f"X{i:05d}",
            cid,
            premium["ProductID"],
            f"2025-01-{1 + i % 28:02d} 10:00:00",
            1,
            premium["Price"],
            premium["Price"],
        )
        for i, cid in enumerate(c for c in movers + NEW_IDS for _ in range(30))
    ]
    extra_tx = pl.DataFrame(extra, schema=tx.schema, orient="row")
    new_customers = pl.DataFrame(
        [(cid, "New Person", "Europe", "2025-01-01", "new") for cid in NEW_IDS],
        schema=customers.schema,
        orient="row",
    )
    after = type(data)(
        customers=pl.concat([customers, new_customers]).filter(
            ~pl.col("CustomerID").is_in(LOST_IDS)
        ),
        products=data.products,
        transactions=pl.concat([tx, extra_tx]).filter(~pl.col("CustomerID").is_in(LOST_IDS)),
    )
    after.write(root / "after")
    model = build_model(segment(root / "before", k=4, features=PRE_SWITCH_FEATURES))
    return model, root / "before", root / "after", movers


@pytest.fixture(scope="module")
def migration(snapshots):
    model, before, after, _ = snapshots
    return migrate_sources(model, before, after)


def sizes(snap, states):
    segments = snapshot_segments(snap)["segment"].to_list()
    return [segments.count(s) for s in states]


def test_rows_sum_to_the_before_snapshot_and_columns_to_the_after(migration):
    states = migration.state_ids  # 0..k-1, -1
    rows, cols = migration.matrix.sum(axis=1), migration.matrix.sum(axis=0)
    assert rows[:-1].tolist() == sizes(migration.before, states)
    assert cols[:-1].tolist() == sizes(migration.after, states)
    assert rows[:-1].sum() == migration.before.table.frame.height
    assert cols[:-1].sum() == migration.after.table.frame.height


def test_new_and_lost_customers_are_counted(migration):
    assert migration.matrix[-1].sum() == len(NEW_IDS)  # the 'new' row
    assert migration.matrix[:, -1].sum() == len(LOST_IDS)  # the 'lost' column
    assert migration.row_labels[-1] == NEW and migration.column_labels[-1] == LOST
    assert migration.counts()["new"] == len(NEW_IDS)
    assert migration.counts()["lost"] == len(LOST_IDS)


def test_planted_movers_and_only_they_move(migration, snapshots):
    *_, movers = snapshots
    moved = migration.customers.filter(
        pl.col("segment_before").is_not_null()
        & pl.col("segment_after").is_not_null()
        & (pl.col("segment_before") != pl.col("segment_after"))
    )
    assert sorted(moved["CustomerID"].to_list()) == sorted(movers)
    assert set(moved["segment_after"].to_list()) == {0}  # the top-spend segment
    counts = migration.counts()
    assert counts["moved"] == MOVERS
    assert (
        counts["stayed"] + counts["moved"] + counts["lost"] == migration.before.table.frame.height
    )


def test_export_table_has_one_column_per_after_state(migration):
    table = migration.table()
    assert table.columns[0] == "from" and table.columns[-1] == LOST
    assert table.height == migration.model.k + 3  # the segments, -1, -2 and "new"
    assert table.drop("from").to_numpy().sum() == migration.customers.height


def test_two_as_of_dates_of_one_log_add_up(snapshots):
    model, before, *_ = snapshots
    result = migrate_sources(model, before, as_of_before=dt.date(2024, 7, 1))
    assert str(result.before.as_of) == "2024-07-01" and str(result.after.as_of) == "2025-01-01"
    assert result.matrix[:, :-1].sum() == result.after.table.frame.height
    assert result.matrix[:-1].sum() == result.before.table.frame.height
    assert result.counts()["lost"] == 0


def test_one_source_needs_an_earlier_before_date(snapshots):
    model, before, *_ = snapshots
    with pytest.raises(OptionError, match="--as-of-before"):
        migrate_sources(model, before)
    with pytest.raises(OptionError, match="must be earlier"):
        migrate_sources(model, before, as_of_before=dt.date(2025, 6, 1))


def test_moves_name_every_customer_before_and_after(migration, snapshots):
    *_, movers = snapshots
    moves = migration.moves()
    new = moves.filter(pl.col("CustomerID") == NEW_IDS[0]).row(0, named=True)
    assert new["segment_before"] is None and new["name_before"] is None
    assert new["name_after"] == migration.model.names[new["segment_after"]]
    lost = moves.filter(pl.col("CustomerID") == LOST_IDS[0]).row(0, named=True)
    assert lost["segment_after"] is None and lost["name_before"] is not None

"""Migration between two snapshots: who moved from which segment to which.

Both snapshots are assigned with the same model (stored scaling, stored centroids), so a
customer's segment means the same thing before and after. The cross-table has one row
per *before* state and one column per *after* state:

- states: the model's segments ``0..k-1``, ``-1`` (No purchases) and ``-2`` (Net
  returners: returns that cancel or exceed the purchases);
- an extra row ``new``: customers only in the after snapshot;
- an extra column ``lost``: customers only in the before snapshot.

So each row sums to the before snapshot's count in that state (the ``new`` row to the
number of new customers) and each column to the after snapshot's count (``lost`` to the
number of lost customers); the grand total is the union of both snapshots' customers.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from segtui.engine.errors import OptionError
from segtui.engine.features.compute import (
    NET_RETURNER,
    UNCLUSTERED_NAMES,
    FeatureTable,
    compute_features,
)
from segtui.engine.io.sources import Tables
from segtui.engine.models.assign import FeatureCompute, Snapshot, load_for_model, project
from segtui.engine.models.build import build_model
from segtui.engine.models.matching import Matching
from segtui.engine.models.model import SegmentModel
from segtui.engine.segments.profiles import SegmentProfile

if TYPE_CHECKING:
    from segtui.engine.result import SegmentationResult

NEW = "new"
LOST = "lost"


def snapshot_segments(snap: Snapshot) -> pl.DataFrame:
    """Every customer of a snapshot with its segment (-1 without purchases, -2 a net
    returner)."""
    assigned = pl.DataFrame(
        {"CustomerID": snap.customer_ids, "segment": pl.Series(snap.labels, dtype=pl.Int64)}
    )
    frame = snap.table.frame
    net = pl.col(NET_RETURNER) if NET_RETURNER in frame.columns else pl.lit(False)
    return (
        frame.select("CustomerID", net.fill_null(False).alias("_net"))
        .join(assigned, on="CustomerID", how="left", maintain_order="left")
        .select(
            "CustomerID",
            pl.when(pl.col("_net"))
            .then(pl.lit(-2, dtype=pl.Int64))
            .otherwise(pl.col("segment").fill_null(-1))
            .alias("segment"),
        )
    )


@dataclass
class Migration:
    """The cross-table of two snapshots and every customer's before/after segment."""

    model: SegmentModel
    before: Snapshot
    after: Snapshot
    customers: pl.DataFrame  # CustomerID, segment_before (null = new), segment_after (null = lost)
    matrix: np.ndarray  # (rows: segments, -1, -2, new) x (columns: after ones, -1, -2, lost)
    # With a refit (`migrate --refit`): the after snapshot's own segments, their ids
    # matched to the model's by the one matching (models/matching.py); else None.
    after_segments: list[SegmentProfile] | None = None
    matching: Matching | None = None

    @property
    def state_ids(self) -> list[int]:
        """Segment ids in row order: the model's (0..k-1 for a plain run) then -1, -2."""
        return [*(p.id for p in self.model.segments), *UNCLUSTERED_NAMES]

    @property
    def after_ids(self) -> list[int]:
        """Segment ids in column order: the model's, or the refit's, then -1, -2."""
        if self.after_segments is None:
            return self.state_ids
        return [*(p.id for p in self.after_segments), *UNCLUSTERED_NAMES]

    def _name(self, state: int) -> str:
        return (self.model.names | UNCLUSTERED_NAMES)[state]

    def _after_names(self) -> dict[int, str]:
        if self.after_segments is None:
            return self.model.names | UNCLUSTERED_NAMES
        return {p.id: p.name for p in self.after_segments} | UNCLUSTERED_NAMES

    @property
    def row_labels(self) -> list[str]:
        """'0 Top-value regulars', …, '-1 No purchases', 'new'."""
        return [f"{s} {self._name(s)}" for s in self.state_ids] + [NEW]

    @property
    def column_labels(self) -> list[str]:
        """The after states (the rows' unless refitted), with 'lost' instead of 'new'."""
        names = self._after_names()
        return [f"{s} {names[s]}" for s in self.after_ids] + [LOST]

    def table(self) -> pl.DataFrame:
        """The cross-table as a frame: a ``from`` column, then one column per after state."""
        data: dict[str, Any] = {"from": self.row_labels}
        for j, label in enumerate(self.column_labels):
            data[label] = self.matrix[:, j].astype(np.int64)
        return pl.DataFrame(data)

    def moves(self) -> pl.DataFrame:
        """Every customer's before and after segment id and name (null = not in that snapshot)."""
        names = self.model.names | UNCLUSTERED_NAMES
        keys, values = list(names), list(names.values())
        after = self._after_names()
        return self.customers.with_columns(
            pl.col("segment_before")
            .replace_strict(keys, values, default=None)
            .alias("name_before"),
            pl.col("segment_after")
            .replace_strict(list(after), list(after.values()), default=None)
            .alias("name_after"),
        ).select("CustomerID", "segment_before", "name_before", "segment_after", "name_after")

    def counts(self) -> dict[str, int]:
        """Customers who stayed, moved, were new or were lost (present in both = stayed+moved)."""
        both = self.customers.filter(
            pl.col("segment_before").is_not_null() & pl.col("segment_after").is_not_null()
        )
        stayed = int((both["segment_before"] == both["segment_after"]).sum())
        return {
            "stayed": stayed,
            "moved": both.height - stayed,
            "new": int(self.customers["segment_before"].is_null().sum()),
            "lost": int(self.customers["segment_after"].is_null().sum()),
        }

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary: both snapshots, labels, the matrix, its totals and counts."""

        def side(snap: Snapshot) -> dict[str, Any]:
            return {
                "source": snap.source,
                "as_of": snap.as_of.isoformat(),
                "n_customers": snap.table.frame.height,
            }

        return {
            "model": self.model.label(),
            "before": side(self.before),
            "after": side(self.after),
            "rows": self.row_labels,
            "columns": self.column_labels,
            "matrix": self.matrix.astype(int).tolist(),
            "row_totals": self.matrix.sum(axis=1).astype(int).tolist(),
            "column_totals": self.matrix.sum(axis=0).astype(int).tolist(),
            **self.counts(),
            "warnings": [f"before: {w}" for w in self.before.warnings]
            + [f"after: {w}" for w in self.after.warnings],
            "refit": self.matching.to_dict() if self.matching is not None else None,
        }


def cross_table(
    customers: pl.DataFrame, ids: list[int], after_ids: list[int] | None = None
) -> np.ndarray:
    """Count (before, after) pairs into a matrix (see the module docstring); ``ids`` are
    the model's segment ids in row order, ``after_ids`` the columns' (default: ``ids``)."""

    outside = list(UNCLUSTERED_NAMES)  # -1, -2

    def index(column: str, order: list[int]) -> np.ndarray:
        # segment order[i] -> i, then -1 and -2, then absent (new/lost)
        states = [*order, *outside]
        position = {seg: i for i, seg in enumerate(states)}
        seg = customers.get_column(column).cast(pl.Int64)
        return (
            seg.replace_strict(list(position), list(position.values()), default=len(states))
            .fill_null(len(states))
            .to_numpy()
        )

    columns = ids if after_ids is None else after_ids
    extra = len(outside) + 1
    rows, cols = index("segment_before", ids), index("segment_after", columns)
    width = len(columns) + extra
    flat = np.bincount(rows * width + cols, minlength=(len(ids) + extra) * width)
    return flat.reshape(len(ids) + extra, width)


def migrate(
    model: SegmentModel,
    before: Tables,
    after: Tables,
    *,
    as_of_before: dt.date | None = None,
    as_of_after: dt.date | None = None,
    refit_after: bool = False,
    compute: FeatureCompute = compute_features,
) -> Migration:
    """Assign both snapshots with ``model`` and cross-tabulate the moves. With
    ``refit_after`` the after snapshot is segmented afresh instead, its segments matched
    to the model's (:func:`refit_snapshot`): columns are then its segments. ``compute``
    computes a snapshot's features (the UI passes one that reuses the feature table it
    already holds for the current as-of date)."""
    snap_before = project(model, before, as_of_before, compute)
    refit = None
    if refit_after:
        refit = refit_snapshot(model, after, as_of_after)
        snap_after = refit[0]
    else:
        snap_after = project(model, after, as_of_after, compute)
    customers = (
        snapshot_segments(snap_before)
        .rename({"segment": "segment_before"})
        .join(
            snapshot_segments(snap_after).rename({"segment": "segment_after"}),
            on="CustomerID",
            how="full",
            coalesce=True,
        )
        .sort("CustomerID")
    )
    after_segments = refit[1] if refit is not None else None
    return Migration(
        model=model,
        before=snap_before,
        after=snap_after,
        customers=customers,
        matrix=cross_table(
            customers,
            [p.id for p in model.segments],
            [p.id for p in after_segments] if after_segments is not None else None,
        ),
        after_segments=after_segments,
        matching=refit[2] if refit is not None else None,
    )


def parse_before(text: str, current: dt.date) -> dt.date:
    """The earlier as-of date of a result's migration (typed in the workbench); OptionError
    unless it is a YYYY-MM-DD date before ``current``."""
    from segtui.engine.io.dates import parse_date_option

    before = parse_date_option(text, option="the earlier as-of date")
    if before >= current:
        raise OptionError(
            f"the earlier as-of date ({before}) must be before the current one ({current})"
        )
    return before


def compute_migration(result: SegmentationResult, tables: Tables, before: dt.date) -> Migration:
    """Assign the source at ``before`` and at the result's as-of date with a model of
    ``result`` (stored scaling and centroids) and cross-tabulate. Returns the Migration."""

    def features(source: Tables, request: list[str], as_of: dt.date | None) -> FeatureTable:
        # The after snapshot is the result on screen: reuse its feature table (a copy,
        # the model step may add columns) instead of a second pass over every row.
        if as_of == result.as_of and list(request) == list(result.features):
            return copy.copy(result.feature_table)
        return compute_features(source, request, as_of)

    return migrate(
        build_model(result),
        tables,
        tables,
        as_of_before=before,
        as_of_after=result.as_of,
        compute=features,
    )


def refit_snapshot(
    model: SegmentModel, tables: Tables, as_of: dt.date | None
) -> tuple[Snapshot, list[SegmentProfile], Matching]:
    """Segment ``tables`` afresh with the model's recorded settings, its segments matched
    to the model's like ``run --like`` (the same matching function). Returns the snapshot
    (labels = matched ids), the fit's segments and the matching."""
    from segtui.engine.output.manifest import settings_from_record
    from segtui.engine.pipeline import clustered_rows, run

    if model.path is None:
        raise OptionError("a refit needs the model's file (load it with load_model)")
    recorded = {k: v for k, v in model.settings.items() if k not in ("source", "like")}
    settings = settings_from_record(recorded).replace(as_of=as_of, like=model.path)
    result = run(settings, tables=tables)
    assert result.matching is not None  # run() matched: settings.like is set
    clustered = clustered_rows(result.feature_table.frame, result.features)
    snapshot = Snapshot(
        table=result.feature_table,
        clustered=clustered,
        matrix=result.matrix,
        labels=result.labels,
        distances=np.zeros(result.labels.shape[0]),
        source=result.source,
        input_files=result.input_files,
        warnings=result.warnings,
    )
    return snapshot, result.profiles, result.matching


def migrate_sources(
    model: SegmentModel,
    before: Path | str,
    after: Path | str | None = None,
    *,
    as_of_before: dt.date | None = None,
    as_of_after: dt.date | None = None,
    mapping_overrides: Mapping[str, str | None] | None = None,
    returns: str | None = None,
    refit_after: bool = False,
) -> Migration:
    """Migration between two sources, or two as-of dates of one source (``after`` None).

    Both sources are read with the model's recorded mapping overridden by
    ``mapping_overrides`` and ``returns`` (see :func:`load_for_model`).

    With one source ``as_of_before`` is required and must be earlier than the after
    snapshot's as-of date (``as_of_after`` or the day after the last transaction).
    """
    before_tables = load_for_model(model, before, mapping_overrides, returns)
    if after is None or Path(after) == Path(before):
        if as_of_before is None:
            raise OptionError(
                "with one source, give --as-of-before (and optionally --as-of-after)",
                hint="or pass a second source",
            )
        if as_of_after is not None and as_of_after <= as_of_before:
            raise OptionError(
                f"--as-of-before ({as_of_before}) must be earlier than --as-of-after "
                f"({as_of_after})"
            )
        result = migrate(
            model,
            before_tables,
            before_tables,
            as_of_before=as_of_before,
            as_of_after=as_of_after,
            refit_after=refit_after,
        )
        if result.after.as_of <= as_of_before:
            raise OptionError(
                f"--as-of-before ({as_of_before}) must be earlier than the after snapshot "
                f"({result.after.as_of})"
            )
        return result
    return migrate(
        model,
        before_tables,
        load_for_model(model, after, mapping_overrides, returns),
        as_of_before=as_of_before,
        as_of_after=as_of_after,
        refit_after=refit_after,
    )

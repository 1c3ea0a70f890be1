"""Results of the model functions (load_model, assign, lookalikes, migrate): plain typed
objects with Polars frames that render in Jupyter, like :mod:`segtui.notebook.results`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from segtui.notebook.render import Report, Table, frame_table, percent
from segtui.notebook.shown import _metrics_line, _pandas, _Shown

if TYPE_CHECKING:
    import pandas

    from segtui.engine import AssignResult, SegmentModel
    from segtui.engine import Lookalikes as EngineLookalikes
    from segtui.engine import Migration as EngineMigration


@dataclass(repr=False)
class Model(_Shown):
    """A saved (or fresh) segment model: features, stored scaling, centroids, segments."""

    engine: SegmentModel

    @property
    def k(self) -> int:
        """The number of segments."""
        return self.engine.k

    @property
    def features(self) -> list[str]:
        """The features the model was trained on."""
        return list(self.engine.features)

    @property
    def segments(self) -> pl.DataFrame:
        """One row per segment: id, name, training size, description, action."""
        return pl.DataFrame(
            [
                {
                    "segment": p.id,
                    "segment_name": p.name,
                    "size": p.size,
                    "description": p.description,
                    "action": p.action,
                }
                for p in self.engine.segments
            ]
        )

    def __repr__(self) -> str:
        return f"<segtui.Model {self.engine.label()} k={self.k} features={self.features}>"

    def report(self) -> Report:
        """What the notebook shows."""
        model = self.engine
        rows: list[list[Any]] = [[p.id, p.name, p.size, p.action] for p in model.segments]
        return Report(
            title=f"segtui model: {model.k} segments",
            lines=[
                f"{model.label()} · trained as of {model.training_as_of} · features: "
                + ", ".join(model.features),
                _metrics_line(model.metrics),
            ],
            tables=[Table("Segments", ["segment", "name", "training size", "action"], rows)],
        )


@dataclass(repr=False)
class Assignment(_Shown):
    """Customers of a source put into a model's segments (``segments`` has ``distance``)."""

    engine: AssignResult

    @property
    def segments(self) -> pl.DataFrame:
        """The segments file columns plus ``distance`` to the assigned centroid."""
        return self.engine.segments

    @property
    def warnings(self) -> list[str]:
        """Unseen levels and data-quality warnings."""
        return list(self.engine.warnings)

    def summary(self) -> dict[str, Any]:
        """The ``segtui assign --json`` document."""
        return self.engine.summary()

    def to_pandas(self) -> pandas.DataFrame:
        """The segments frame as pandas."""
        return _pandas(self.segments)

    def __repr__(self) -> str:
        return (
            f"<segtui.Assignment customers={self.segments.height:,} model_k={self.engine.model.k}>"
        )

    def report(self) -> Report:
        """What the notebook shows."""
        data = self.summary()
        rows: list[list[Any]] = [
            [s["id"], s["name"], s["size"], percent(s["share"]), s["mean_distance"]]
            for s in data["segments"]
        ]
        no_purchases = data["no_purchases"]
        rows.append([-1, no_purchases["name"], no_purchases["size"], None, None])
        if data.get("net_returners", {}).get("size"):
            net = data["net_returners"]
            rows.append([net["id"], net["name"], net["size"], None, None])
        return Report(
            title=f"segtui assign: {data['n_customers']:,} customers",
            lines=[f"{data['model']} → {data['source']} · as of {data['as_of']}"],
            tables=[
                Table("Segments", ["segment", "name", "customers", "share", "mean distance"], rows)
            ],
            warnings=self.warnings,
        )


@dataclass(repr=False)
class Lookalikes(_Shown):
    """``table``: CustomerID, rank, LookalikeID, score (1 = identical profile)."""

    engine: EngineLookalikes
    warnings: list[str] = field(default_factory=list)

    @property
    def table(self) -> pl.DataFrame:
        """The long-format lookalike table."""
        return self.engine.table

    def to_pandas(self) -> pandas.DataFrame:
        """The table as pandas."""
        return _pandas(self.table)

    def __repr__(self) -> str:
        return f"<segtui.Lookalikes rows={self.table.height:,} top={self.engine.top}>"

    def report(self) -> Report:
        """What the notebook shows."""
        from segtui.engine import SCORE_DEFINITION

        skipped = self.engine.skipped_no_purchases
        lines = [f"score = {SCORE_DEFINITION}"]
        if skipped:
            lines.append("skipped (no purchases or net returners): " + ", ".join(skipped[:10]))
        return Report(
            title=f"segtui lookalikes: top {self.engine.top}",
            lines=lines,
            tables=[frame_table(self.table, "Lookalikes", limit=30)],
            warnings=self.warnings,
        )


@dataclass(repr=False)
class Migration(_Shown):
    """Who moved between segments from a before to an after snapshot."""

    engine: EngineMigration

    @property
    def table(self) -> pl.DataFrame:
        """The cross-table: a ``from`` column, then one column per after state."""
        return self.engine.table()

    @property
    def moves(self) -> pl.DataFrame:
        """Every customer's before and after segment (null = not in that snapshot)."""
        return self.engine.moves()

    @property
    def counts(self) -> dict[str, int]:
        """Customers who stayed, moved, were new or lost."""
        return self.engine.counts()

    def to_pandas(self) -> pandas.DataFrame:
        """The moves as pandas."""
        return _pandas(self.moves)

    def __repr__(self) -> str:
        counts = " ".join(f"{k}={v:,}" for k, v in self.counts.items())
        return f"<segtui.Migration {counts}>"

    def report(self) -> Report:
        """What the notebook shows."""
        mig = self.engine
        counts = ", ".join(f"{v:,} {k}" for k, v in self.counts.items())
        return Report(
            title="segtui migration",
            lines=[
                f"before: {mig.before.source} as of {mig.before.as_of} · after: "
                f"{mig.after.source} as of {mig.after.as_of}",
                counts,
            ],
            tables=[frame_table(self.table, "From (rows) → to (columns)", limit=50)],
            warnings=[f"before: {w}" for w in mig.before.warnings]
            + [f"after: {w}" for w in mig.after.warnings],
        )

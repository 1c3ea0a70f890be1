"""What a run produces: :class:`SegmentationResult`, the same for every engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from segtui.config import Settings
from segtui.engine.clustering.scores import Metrics
from segtui.engine.clustering.space import SpaceSpec, transforms
from segtui.engine.features.catalog import unclustered_sizes
from segtui.engine.features.compute import FeatureTable
from segtui.engine.segments.explain import Explanation
from segtui.engine.segments.profiles import SegmentProfile
from segtui.version import __version__

if TYPE_CHECKING:
    from segtui.engine.models.matching import Matching

Progress = Callable[[str], None]


@dataclass
class SegmentationResult:
    """Everything a run produced. ``segments`` is the segments file as a DataFrame."""

    settings: Settings
    source: str
    features: list[str]
    as_of: dt.date
    segments: pl.DataFrame
    profiles: list[SegmentProfile]
    metrics: Metrics
    space: SpaceSpec
    centers: np.ndarray
    matrix: np.ndarray
    labels: np.ndarray
    feature_table: FeatureTable
    diagnostics: dict[str, Any]
    warnings: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    # The files the run read (for the model file's input hash); empty when unknown.
    input_files: list[Path] = field(default_factory=list)
    # With k = "auto": the sweep that chose k (rows, recommended_k, rule); else None.
    k_selection: dict[str, Any] | None = None
    # Which engine and clustering path produced this result (the Spark engine sets it).
    execution: dict[str, Any] = field(
        default_factory=lambda: {"engine": "polars", "clustering_path": "scikit-learn"}
    )
    # Identity and explanations (models/like.py, segments/explain.py): the --like
    # matching, rules and effect sizes per segment id, and the run manifest.
    matching: Matching | None = None
    explanation: Explanation | None = None
    manifest: dict[str, Any] | None = None
    # With --clv: the value models' facts, per-segment CLV and stages (engine/value/).
    value: dict[str, Any] | None = None
    # From `segtui backtest` (engine/backtest/): the next period's judgement of these
    # segments and of the two references.
    backtest: dict[str, Any] | None = None

    @property
    def k(self) -> int:
        return self.centers.shape[0]

    @property
    def n_customers(self) -> int:
        return self.segments.height

    @property
    def n_clustered(self) -> int:
        return int(self.labels.shape[0])

    def summary(self) -> dict[str, Any]:
        """The run summary as plain JSON-ready data (the ``--summary``/``--json`` document)."""
        return {
            "version": __version__,
            "source": self.source,
            "k": self.k,
            "n_customers": self.n_customers,
            "n_clustered": self.n_clustered,
            "as_of": self.as_of.isoformat(),
            "features": self.features,
            "engine": self.execution.get("engine", "polars"),
            "clustering_path": self.execution.get("clustering_path", "scikit-learn"),
            "params": self.settings.params() | {"features": self.features},
            # What the clustering space applied to each feature (with --log auto: which
            # features were skewed enough to be log-transformed).
            "transforms": transforms(self.space),
            "metrics": self.metrics.to_dict(),
            "segments": [
                {
                    "id": p.id,
                    "name": p.name,
                    "size": p.size,
                    "share": p.share,
                    "revenue_share": p.revenue_share,
                    "value_tier": p.value_tier,
                    "activity": p.activity,
                    "in_rhythm": p.in_rhythm,
                    "repeat_chance": p.repeat_chance,
                    "means": p.means,
                    "medians": p.medians,
                    "z": p.z,
                    "evidence": p.evidence,
                    "description": p.description,
                    "action": p.action,
                    "mix": p.mix,
                    **self.segment_extras(p.id),
                    **self._segment_value(p.id),
                }
                for p in self.profiles
            ],
            **self.unclustered(),
            # What one purchase is (an order, a customer-day, a transaction): what
            # frequency, order value and the gaps between purchases count.
            "purchase_definition": self.feature_table.data_quality.get("purchase_definition"),
            "data_quality": self.feature_table.data_quality,
            "diagnostics": self.diagnostics,
            "warnings": self.warnings,
            "k_selection": self.k_selection,
            **self.run_extras(),
            **({"clv": self.value} if self.value is not None else {}),
            **({"backtest": self.backtest} if self.backtest is not None else {}),
        }

    def unclustered(self) -> dict[str, dict[str, Any]]:
        """The groups kept but not clustered, by summary key: ``no_purchases`` (-1) and
        ``net_returners`` (-2), each {"id", "name", "size"}."""
        return unclustered_sizes(self.segments.get_column("segment"))

    def _segment_value(self, segment_id: int) -> dict[str, Any]:
        """A segment's mean/total CLV and mean P(alive) with --clv (else nothing)."""
        for row in (self.value or {}).get("segments", []):
            if row["id"] == segment_id:
                return {k: row[k] for k in ("mean_clv", "total_clv", "mean_p_alive")}
        return {}

    def segment_extras(self, segment: int) -> dict[str, Any]:
        """The summary's per-segment entries: ``effect_sizes`` (Cohen's d per feature,
        largest first), ``rules``, and with ``--like`` its ``match`` and ``since`` date."""
        out: dict[str, Any] = {}
        if self.explanation is not None:
            out["effect_sizes"] = self.explanation.effects.cohens_d.get(segment, {})
            rules = self.explanation.rules.get(segment)
            out["rules"] = rules.to_dict() if rules is not None else None
        if self.matching is not None:
            match = self.matching.by_id().get(segment)
            out["match"] = match.to_dict() if match is not None else None
            out["since"] = self.matching.since.get(segment)
        return out

    def run_extras(self) -> dict[str, Any]:
        """The summary's run-level entries: ``eta_squared``, ``like`` and ``manifest``."""
        return {
            "eta_squared": (
                self.explanation.effects.eta_squared if self.explanation is not None else None
            ),
            "like": self.matching.to_dict() if self.matching is not None else None,
            "manifest": self.manifest,
        }

"""Why each segment is what it is: rules and effect sizes, gathered for the summary.

Both are computed from the run's final labels (after any ``--like`` renumbering), the
labels the profiles and names come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from segtui.engine.segments.effects import EffectSizes, effect_sizes
from segtui.engine.segments.profiles import SegmentProfile, profile_columns
from segtui.engine.segments.rules import SegmentRules, segment_rules

if TYPE_CHECKING:
    from segtui.engine.pipeline import SegmentationResult


@dataclass
class Explanation:
    """Rules and effect sizes per segment id."""

    rules: dict[int, SegmentRules]
    effects: EffectSizes


def explain(
    clustered: pl.DataFrame,
    labels: np.ndarray,
    profiles: list[SegmentProfile],
    features: list[str],
    seed: int,
) -> Explanation:
    """Rules (on the clustering features) and effect sizes (on the profiled numeric
    columns) for every segment of ``profiles``; ``clustered`` is row-aligned with
    ``labels``."""
    ids = [p.id for p in profiles]
    return Explanation(
        rules=segment_rules(clustered, labels, features, ids, seed=seed),
        effects=effect_sizes(clustered, labels, profile_columns(clustered, features), ids),
    )


def segment_extras(result: SegmentationResult, segment: int) -> dict[str, Any]:
    """The summary's per-segment entries: ``effect_sizes`` (Cohen's d per feature, largest
    first), ``rules``, and with ``--like`` its ``match`` and ``since`` date."""
    out: dict[str, Any] = {}
    if result.explanation is not None:
        out["effect_sizes"] = result.explanation.effects.cohens_d.get(segment, {})
        rules = result.explanation.rules.get(segment)
        out["rules"] = rules.to_dict() if rules is not None else None
    if result.matching is not None:
        match = result.matching.by_id().get(segment)
        out["match"] = match.to_dict() if match is not None else None
        out["since"] = result.matching.since.get(segment)
    return out


def run_extras(result: SegmentationResult) -> dict[str, Any]:
    """The summary's run-level entries: ``eta_squared``, ``like`` and ``manifest``."""
    return {
        "eta_squared": result.explanation.effects.eta_squared
        if result.explanation is not None
        else None,
        "like": result.matching.to_dict() if result.matching is not None else None,
        "manifest": result.manifest,
    }

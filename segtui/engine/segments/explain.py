"""Why each segment is what it is: rules and effect sizes, gathered for the summary.

Both are computed from the run's final labels (after any ``--like`` renumbering), the
labels the profiles and names come from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from segtui.engine.segments.effects import EffectSizes, effect_sizes
from segtui.engine.segments.profiles import SegmentProfile, profile_columns
from segtui.engine.segments.rules import SegmentRules, segment_rules


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

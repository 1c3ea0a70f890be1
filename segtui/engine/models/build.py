"""Building a model from a finished run: the plain data a model file holds.

Apart from :mod:`segtui.engine.models.model` (the file format) so that the format does
not depend on the run's result type.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from segtui.engine.features.compute import FEATURES, SHARE_PREFIX, share_name
from segtui.engine.models.integrity import hash_files
from segtui.engine.models.model import RULE_DEFAULT, RULE_FIXED, SegmentModel
from segtui.engine.segments.rfm_cells import check_modelable

if TYPE_CHECKING:
    from segtui.engine.result import SegmentationResult


def feature_definitions(features: list[str], categories: list[str]) -> dict[str, str]:
    """Plain-words definition of each feature (category shares name their category)."""
    by_share = {share_name(c): c for c in categories}
    out = {}
    for name in features:
        if name.startswith(SHARE_PREFIX):
            category = by_share.get(name, name[len(SHARE_PREFIX) :])
            out[name] = f"share of total_spend spent in category {category!r}"
        else:
            out[name] = FEATURES[name].description
    return out


def build_model(result: SegmentationResult, input_files: Iterable[Path] = ()) -> SegmentModel:
    """The model of a finished run; ``input_files`` are hashed into ``training.input``."""
    settings = result.settings
    check_modelable(settings.method)
    files = list(input_files)
    training: dict[str, Any] = {
        "source": result.source,
        "n_customers": result.n_customers,
        "n_clustered": result.n_clustered,
    }
    if files:
        training["input"] = hash_files(files)
    matching = getattr(result, "matching", None)
    since = (
        dict(matching.since)
        if matching is not None
        else {p.id: result.as_of.isoformat() for p in result.profiles}
    )
    return SegmentModel(
        features=list(result.features),
        feature_definitions=feature_definitions(result.features, result.feature_table.categories),
        space=result.space,
        centroids=np.asarray(result.centers, dtype=np.float64),
        segments=list(result.profiles),
        metrics=result.metrics.to_dict(),
        as_of_rule=RULE_FIXED if settings.as_of is not None else RULE_DEFAULT,
        training_as_of=result.as_of,
        settings=settings.params(),
        training=training,
        since=since,
    )

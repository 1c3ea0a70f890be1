"""``run --like MODEL.json``: give a fresh fit the ids and names of a saved model.

The run fits afresh (its own scaling, its own K-Means); then
:func:`~segtui.engine.models.matching.match_segments` pairs its segments with the
model's in the model's stored space. Persisting segments take the model's id and name;
new ones get ids after the model's largest; vanished ones are listed. Every customer is
also assigned with the model as it was (``previous_segment``), and each segment carries
the date it was first seen (``segment_since``).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from segtui.engine.errors import OptionError
from segtui.engine.models.assign import nearest_centroid
from segtui.engine.models.matching import Matching, match_segments, member_means, since_dates
from segtui.engine.models.model import SegmentModel

if TYPE_CHECKING:
    from segtui.engine.result import SegmentationResult


def apply_like(
    result: SegmentationResult, model: SegmentModel, clustered: pl.DataFrame
) -> Matching:
    """Renumber ``result`` (in place) to continue ``model``'s segments; ``clustered`` are
    the clustered customers, row-aligned with ``result.labels``. Returns the matching,
    also stored as ``result.matching``.

    Raises OptionError when the run's features are not the model's (the two fits would
    not describe the same things).
    """
    if sorted(result.features) != sorted(model.features):
        raise OptionError(
            f"--like needs the features of {model.label()} "
            f"({', '.join(model.features)}); this run has {', '.join(result.features)}",
            hint="run with the model's --features, or drop --like",
        )
    in_model_space = model.space.transform(clustered)
    new_centers = member_means(in_model_space, result.labels, result.k)
    old_ids = [p.id for p in model.segments]
    matching = match_segments(new_centers, model.centroids, old_ids, model.names)
    matching.model = model.label()
    matching.since = since_dates(matching, model.since, result.as_of, default=model.training_as_of)
    id_of = matching.id_of()
    by_label = {m.label: m for m in matching.matches}

    profiles = []
    kept_names = {m.previous_name for m in matching.matches if m.previous_name}
    for profile in result.profiles:
        match = by_label[profile.id]
        name = match.previous_name or profile.name
        if match.previous_name is None and name in kept_names:
            name = f"{name} (new)"  # a fresh name must not pass for a persisting segment
        profiles.append(dataclasses.replace(profile, id=match.id, name=name))
    order = np.argsort([p.id for p in profiles], kind="stable")
    result.profiles = [profiles[i] for i in order]
    # Centre row i belongs to profile i, as a model file stores them.
    result.centers = result.centers[order]
    lookup = np.array([id_of[label] for label in range(result.k)], dtype=np.int64)
    result.labels = lookup[result.labels]

    model_rows, _ = nearest_centroid(in_model_space, model.centroids)
    previous = np.array(old_ids, dtype=np.int64)[model_rows]
    result.segments = _renumber(
        result.segments, clustered.get_column("CustomerID"), id_of, result, previous, matching
    )
    result.matching = matching
    return matching


def _renumber(
    segments: pl.DataFrame,
    customer_ids: pl.Series,
    id_of: dict[int, int],
    result: SegmentationResult,
    previous: np.ndarray,
    matching: Matching,
) -> pl.DataFrame:
    """The segments file with the final ids and names, ``previous_segment`` (the model's
    segment for the customer; -1 without purchases, -2 for a net returner) and
    ``segment_since``."""
    from segtui.engine.features.catalog import UNCLUSTERED_NAMES

    names = {p.id: p.name for p in result.profiles} | UNCLUSTERED_NAMES
    outside = list(UNCLUSTERED_NAMES)  # -1, -2 keep their ids
    renumbered = segments.with_columns(
        pl.col("segment").replace_strict(
            [*id_of, *outside], [*id_of.values(), *outside], return_dtype=pl.Int64
        )
    )
    prev = pl.DataFrame(
        {"CustomerID": customer_ids, "previous_segment": pl.Series(previous, dtype=pl.Int64)}
    )
    out = (
        renumbered.with_columns(
            pl.col("segment")
            .replace_strict(list(names), list(names.values()), return_dtype=pl.String)
            .alias("segment_name")
        )
        .join(prev, on="CustomerID", how="left", maintain_order="left")
        .with_columns(
            pl.col("previous_segment").fill_null(pl.min_horizontal(pl.col("segment"), -1)),
            pl.col("segment")
            .replace_strict(list(matching.since), list(matching.since.values()), default=None)
            .str.to_date()
            .alias("segment_since"),
        )
    )
    first = ["CustomerID", "segment", "segment_name", "previous_segment", "segment_since"]
    return out.select(first + [c for c in out.columns if c not in first])

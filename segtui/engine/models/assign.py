"""Put customers of any source into a saved model's segments, without refitting.

The same features are computed for the source, transformed with the model's *stored*
scaling (:meth:`SpaceSpec.transform`, never a refit), and each customer with purchases goes
to the nearest stored centroid (Euclidean, ties to the lower id). Customers without
purchases get segment -1, as in ``segtui run``.

Unseen categorical levels (a Region the training data did not have, or a missing Region
when training had none) get all-zero indicators in that feature's one-hot block, like
scikit-learn's ``OneHotEncoder(handle_unknown="ignore")``: the customer is "none of the
known levels" and is placed mainly by the other features (the block adds, for segment c,
the block scale squared times the sum of c's squared level shares, so it leans slightly
towards segments with the most even mix of levels). Each such level is counted, reported
in the summary and named in a warning.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from segtui.config import DEFAULT_RETURNS
from segtui.engine.clustering.space import MISSING_LEVEL
from segtui.engine.errors import InputError, SegtuiError, plural
from segtui.engine.features.catalog import unclustered_sizes
from segtui.engine.features.compute import (
    CATEGORY_SHARES,
    SHARE_PREFIX,
    FeatureTable,
    compute_features,
    resolve_features,
)
from segtui.engine.finish import segments_frame
from segtui.engine.io.sources import Tables, load_source
from segtui.engine.models.integrity import hash_files
from segtui.engine.models.model import RULE_FIXED, SegmentModel
from segtui.engine.models.model_mapping import is_folder, model_mapping
from segtui.engine.output.writers import write_frame

Progress = Callable[[str], None]
# Computes a FeatureTable from tables (Polars Tables, or any object with the same
# has/files/label, such as the Spark engine's SparkTables): compute_features by default.
FeatureCompute = Callable[[Any, list[str], dt.date | None], FeatureTable]
CHUNK_ROWS = 65_536


@dataclass
class Snapshot:
    """One source seen through a model.

    ``clustered`` holds the customers with purchases (sorted by CustomerID) and ``matrix``
    their rows in the model's space; ``labels``/``distances`` are the nearest centroid and
    the Euclidean distance to it.
    """

    table: FeatureTable
    clustered: pl.DataFrame
    matrix: np.ndarray
    labels: np.ndarray
    distances: np.ndarray
    source: str
    input_files: list[Path] = field(default_factory=list)
    unseen_levels: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def as_of(self) -> dt.date:
        return self.table.as_of

    @property
    def customer_ids(self) -> pl.Series:
        """IDs of the customers with purchases, in matrix row order."""
        return self.clustered.get_column("CustomerID")


def load_for_model(
    model: SegmentModel,
    source: Path | str | None,
    mapping_overrides: Mapping[str, str | None] | None = None,
    returns: str | None = None,
) -> Tables:
    """Read ``source`` as the model's training source was read: with the column mapping
    and returns rule the model records (single transaction logs), overridden key by key
    by ``mapping_overrides`` (None values = not given) and by ``returns``.

    Returns the canonical tables. A folder source ignores the recorded mapping (it names
    a log's columns), so only overrides given for it are refused.
    """
    mapping = model_mapping(model, mapping_overrides, folder=is_folder(source))
    rule = returns or str(model.settings.get("returns") or DEFAULT_RETURNS)
    try:
        return load_source(source, mapping or None, returns=rule)
    except InputError as exc:
        given = {k for k, v in (mapping_overrides or {}).items() if v is not None}
        recorded = [k for k, v in mapping.items() if v == exc.column and k not in given]
        if recorded:
            # The user did not type this flag: say the model holds it and how to override.
            flag = "--" + recorded[0].replace("_", "-")
            exc.message = exc.message.replace(
                f"(given by {flag})", f"({flag} recorded in {model.label()})"
            )
            exc.hint = f"name this file's column with {flag}"
        raise


def nearest_centroid(X: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest centroid for every row (ties: lower index) and the distance.

    Computed as explicit squared differences in chunks, so it is exact and memory-bounded.
    """
    labels = np.empty(X.shape[0], dtype=np.int64)
    distances = np.empty(X.shape[0], dtype=np.float64)
    for start in range(0, X.shape[0], CHUNK_ROWS):
        block = X[start : start + CHUNK_ROWS]
        squared = ((block[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
        best = squared.argmin(axis=1)
        labels[start : start + block.shape[0]] = best
        distances[start : start + block.shape[0]] = np.sqrt(squared[np.arange(len(best)), best])
    return labels, distances


def model_features(
    model: SegmentModel,
    tables: Tables,
    as_of: dt.date | None = None,
    compute: FeatureCompute = compute_features,
) -> tuple[FeatureTable, list[str]]:
    """Compute the model's features for ``tables`` (with ``compute``, the Polars feature
    engine unless another engine's is given); returns the table and warnings.

    A category share whose category the source does not have is 0 for every buyer (they
    spent nothing there). A feature the source cannot compute at all (no Region column,
    no Category) raises InputError naming the model and the feature.
    """
    wanted = model.features
    shares = [f for f in wanted if f.startswith(SHARE_PREFIX)]
    warnings: list[str] = []
    missing: list[str] = []
    if shares:
        available, _ = _resolve(model, [CATEGORY_SHARES], tables, shares[0])
        missing = [f for f in shares if f not in available]
    request = [f for f in wanted if f not in missing]
    for name in request:
        _resolve(model, [name], tables, name)
    table = compute(tables, request, as_of)
    if missing:
        has_spend = pl.col("has_purchases") & (pl.col("total_spend") > 0)
        table.frame = table.frame.with_columns(
            pl.when(has_spend).then(pl.lit(0.0)).alias(name) for name in missing
        )
        warnings.append(
            f"The source has no purchases in the model's categories for {', '.join(missing)}; "
            "those shares are 0."
        )
    table.features = list(wanted)
    return table, warnings


def _resolve(
    model: SegmentModel, names: list[str], tables: Tables, feature: str
) -> tuple[list[str], list[str]]:
    try:
        return resolve_features(names, tables)
    except SegtuiError as exc:
        raise InputError(
            f"{model.label()} uses feature {feature!r}, which this source cannot compute "
            f"({exc.message})",
            file=exc.file,
            column=exc.column,
        ) from None


def unseen_levels(model: SegmentModel, frame: pl.DataFrame) -> dict[str, dict[str, int]]:
    """Per categorical feature: level -> number of customers whose level the model lacks."""
    found: dict[str, dict[str, int]] = {}
    for block in model.space.categorical:
        values = frame.get_column(block.name).cast(pl.String).fill_null(MISSING_LEVEL)
        known = set(block.levels)
        counts = Counter(v for v in values.to_list() if v not in known)
        if counts:
            found[block.name] = dict(sorted(counts.items()))
    return found


def project(
    model: SegmentModel,
    tables: Tables,
    as_of: dt.date | None = None,
    compute: FeatureCompute = compute_features,
) -> Snapshot:
    """Features, stored-scaling matrix and nearest segment for every buyer in ``tables``."""
    table, warnings = model_features(model, tables, as_of, compute)
    clustered = table.frame.filter(pl.col("has_purchases"))
    X = model.space.transform(clustered)
    rows, distances = nearest_centroid(X, model.centroids)
    # Centroid row -> segment id (0..k-1 unless `run --like` kept ids with gaps).
    labels = np.array([p.id for p in model.segments], dtype=np.int64)[rows]
    unseen = unseen_levels(model, clustered)
    for name, counts in unseen.items():
        listed = ", ".join(f"{level} ({n})" for level, n in list(counts.items())[:5])
        warnings.append(
            f"{plural(sum(counts.values()), 'customer')} with a {name} the model was not "
            f"trained on: {listed}. They get no {name} indicator (all 0) and are placed by "
            "their other features."
        )
    if as_of is None and model.as_of_rule == RULE_FIXED:
        warnings.append(
            f"The model was trained at the fixed as-of date {model.training_as_of}; this "
            f"snapshot uses the day after the source's last transaction ({table.as_of}). "
            "Pass --as-of to choose."
        )
    return Snapshot(
        table=table,
        clustered=clustered,
        matrix=X,
        labels=labels,
        distances=distances,
        source=tables.label,
        input_files=[spec.path for spec in tables.files.values()],
        unseen_levels=unseen,
        warnings=table.warnings + warnings,
    )


@dataclass
class AssignResult:
    """Customers of a source assigned to a model's segments."""

    model: SegmentModel
    snapshot: Snapshot
    segments: pl.DataFrame
    same_input_as_training: bool | None

    @property
    def warnings(self) -> list[str]:
        return self.snapshot.warnings

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary: counts per segment with mean/max distance, warnings."""
        snap = self.snapshot
        n = self.segments.height
        rows = []
        for profile in self.model.segments:
            mask = snap.labels == profile.id
            size = int(mask.sum())
            rows.append(
                {
                    "id": profile.id,
                    "name": profile.name,
                    "size": size,
                    "share": size / snap.labels.shape[0] if snap.labels.shape[0] else 0.0,
                    "training_size": profile.size,
                    "mean_distance": float(snap.distances[mask].mean()) if size else None,
                    "max_distance": float(snap.distances[mask].max()) if size else None,
                }
            )
        return {
            "model": self.model.label(),
            "source": snap.source,
            "as_of": snap.as_of.isoformat(),
            "n_customers": n,
            "n_assigned": int(snap.labels.shape[0]),
            **unclustered_sizes(self.segments.get_column("segment")),
            "same_input_as_training": self.same_input_as_training,
            "segments": rows,
            "unseen_levels": snap.unseen_levels,
            "data_quality": snap.table.data_quality,
            "warnings": self.warnings,
        }

    def write(self, out: Path | str, *, force: bool = False, raw_csv: bool = False) -> Path | None:
        """Write the segments file (same format as ``segtui run`` plus ``distance``)."""
        return write_frame(self.segments, out, force=force, raw_csv=raw_csv)


def assign(
    model: SegmentModel,
    source: Path | str | Tables | None,
    *,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    mapping_overrides: Mapping[str, str | None] | None = None,
    returns: str | None = None,
) -> AssignResult:
    """Assign every customer of ``source`` to the model's nearest segment.

    A path source is read by :func:`load_for_model` (the model's recorded mapping,
    overridden by ``mapping_overrides`` and ``returns``).

    Returns an :class:`AssignResult` whose ``segments`` frame has the columns of the
    ``segtui run`` segments file plus ``distance`` (null for customers without purchases).
    """
    step = progress or (lambda _stage: None)
    step("Reading data")
    tables = (
        source
        if isinstance(source, Tables)
        else load_for_model(model, source, mapping_overrides, returns)
    )
    return assign_tables(model, tables, as_of=as_of, progress=step)


def assign_tables(
    model: SegmentModel,
    tables: Tables,
    *,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    compute: FeatureCompute = compute_features,
) -> AssignResult:
    """Assign the customers of already read ``tables``; ``compute`` computes the features
    (the Spark engine passes its own). Returns the :class:`AssignResult` of :func:`assign`.
    """
    step = progress or (lambda _stage: None)
    step("Computing features")
    snap = project(model, tables, as_of, compute)
    step("Assigning")
    frame = segments_frame(
        snap.table.frame, snap.clustered, snap.labels, model.segments, model.features
    )
    distance = pl.DataFrame(
        {"CustomerID": snap.customer_ids, "distance": pl.Series(snap.distances)}
    )
    frame = frame.join(distance, on="CustomerID", how="left", maintain_order="left")
    same = None
    if model.input_digest and all(Path(p).exists() for p in snap.input_files):
        # Not comparable for a remote (hdfs://, s3a://) source read by Spark: None.
        same = hash_files(snap.input_files)["digest"] == model.input_digest
    return AssignResult(model=model, snapshot=snap, segments=frame, same_input_as_training=same)

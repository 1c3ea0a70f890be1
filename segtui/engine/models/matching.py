"""Segment identity across runs: match a fresh fit's segments to a saved model's.

Both sets of centres are compared in **the model's stored space**: the new fit's own
scaling was fitted on the new data (another mean and spread), so its centroids are in
other units and cannot be compared with the stored ones. Instead each new segment's
members are transformed with the model's *stored* scaling (``SpaceSpec.transform``, as
``segtui assign`` does) and averaged: that mean is where the new segment sits in the
model's coordinates, and the model's centroids are already there. (The stored scaling is
affine per column after the optional log, so this mean is exactly the centroid K-Means
would report in that space.)

The pairing is an optimal assignment (the Hungarian method, ``scipy.optimize.
linear_sum_assignment``) minimising the total Euclidean distance, so two new segments
never claim the same old one and a permutation of the fit is undone exactly.

A paired segment *persists* when its drift (the distance between the two centres) is at
most ``MATCH_SHARE`` (one half) of the smallest distance between two of the model's
centroids: a new centre that close to an old one lies inside that old segment's territory
(every point within half the smallest gap is nearer to its centre than to any other), so
the model itself would have called it that segment. A pair further apart is a new segment
that happens to be left over; its old partner counts as vanished.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Drift threshold as a share of the smallest distance between two stored centroids.
MATCH_SHARE = 0.5
PERSISTING = "persisting"
NEW = "new"


@dataclass
class SegmentMatch:
    """What became of one segment of the fresh fit."""

    label: int  # the fit's own label
    id: int  # the id it carries from now on
    status: str  # PERSISTING or NEW
    previous_id: int | None  # the model's segment it continues (None when new)
    previous_name: str | None
    drift: float | None  # distance to its nearest-paired stored centroid (model space)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (without the fit's internal label)."""
        return {
            "status": self.status,
            "previous_id": self.previous_id,
            "previous_name": self.previous_name,
            "drift": self.drift,
        }


@dataclass
class Matching:
    """The fresh fit's segments paired with a model's: ids to keep, new, vanished."""

    matches: list[SegmentMatch]
    vanished: list[dict[str, Any]]
    threshold: float
    model: str = ""
    since: dict[int, str] = field(default_factory=dict)  # final id -> first seen

    def id_of(self) -> dict[int, int]:
        """The fit's label -> final id."""
        return {m.label: m.id for m in self.matches}

    def by_id(self) -> dict[int, SegmentMatch]:
        """Final id -> its match."""
        return {m.id: m for m in self.matches}

    def to_dict(self) -> dict[str, Any]:
        """The summary's ``like`` entry."""
        return {
            "model": self.model,
            "threshold": self.threshold,
            "rule": f"persisting when the drift is at most {MATCH_SHARE:g} x the smallest "
            "distance between two of the model's centroids (its stored space)",
            "persisting": sum(m.status == PERSISTING for m in self.matches),
            "new": [m.id for m in self.matches if m.status == NEW],
            "vanished": self.vanished,
        }


def member_means(X: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Mean row of ``X`` per label ``0..k-1`` (a label without rows gets NaN)."""
    sums = np.zeros((k, X.shape[1]))
    np.add.at(sums, labels, X)
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts[:, None]


def match_threshold(centroids: np.ndarray) -> float:
    """``MATCH_SHARE`` times the smallest distance between two of ``centroids``."""
    gaps = np.sqrt(((centroids[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2))
    off_diagonal = gaps[~np.eye(len(centroids), dtype=bool)]
    return float(MATCH_SHARE * off_diagonal.min()) if off_diagonal.size else 0.0


def match_segments(
    new_centers: np.ndarray,
    old_centers: np.ndarray,
    old_ids: list[int],
    old_names: dict[int, str],
    *,
    threshold: float | None = None,
) -> Matching:
    """Pair ``new_centers`` (row i = the fit's label i) with ``old_centers`` (row j =
    segment ``old_ids[j]``), both in the same space, by an optimal assignment.

    Returns the :class:`Matching`: a pair within ``threshold`` (default
    :func:`match_threshold` of the old centres) keeps the old id and is PERSISTING;
    other new segments get ids ``max(old_ids) + 1, ...`` in label order; old segments
    left without a persisting partner are listed as vanished.
    """
    from scipy.optimize import linear_sum_assignment

    limit = match_threshold(old_centers) if threshold is None else threshold
    cost = np.sqrt(((new_centers[:, None, :] - old_centers[None, :, :]) ** 2).sum(axis=2))
    # An empty new segment has no centre (NaN): it may pair with nothing.
    cost = np.where(np.isfinite(cost), cost, 1e300)
    rows, cols = linear_sum_assignment(cost)
    paired = {int(r): int(c) for r, c in zip(rows, cols, strict=True) if cost[r, c] <= limit}
    next_id = max(old_ids) + 1 if old_ids else 0
    matches = []
    for label in range(new_centers.shape[0]):
        if label in paired:
            old = old_ids[paired[label]]
            matches.append(
                SegmentMatch(
                    label=label,
                    id=old,
                    status=PERSISTING,
                    previous_id=old,
                    previous_name=old_names.get(old),
                    drift=float(cost[label, paired[label]]),
                )
            )
        else:
            matches.append(SegmentMatch(label, next_id, NEW, None, None, None))
            next_id += 1
    kept = {old_ids[c] for c in paired.values()}
    vanished = [{"id": i, "name": old_names.get(i, "")} for i in old_ids if i not in kept]
    return Matching(matches=matches, vanished=vanished, threshold=limit)


def since_dates(
    matching: Matching, previous: dict[int, str], today: dt.date, default: dt.date
) -> dict[int, str]:
    """Final id -> the date the segment was first seen: a persisting segment keeps the
    model's ``previous`` date (``default``, the model's as-of date, when it has none); a
    new one starts ``today``."""
    out = {}
    for m in matching.matches:
        if m.previous_id is not None:
            out[m.id] = previous.get(m.previous_id) or default.isoformat()
        else:
            out[m.id] = today.isoformat()
    return out

"""Diagnostics that say how far the segments can be trusted.

Each diagnostic returns plain data for the summary plus readable warning sentences. The
scores they read (Cramér's V, eta squared) are computed in
:mod:`segtui.engine.clustering.scores`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np
import polars as pl

from segtui.engine.clustering.scores import between_total, cramers_v_table
from segtui.engine.clustering.space import SpaceSpec
from segtui.engine.features.compute import feature_kind

# Cramér's V between segment and a categorical feature at or above which the segments
# "mirror" it. 0.8 missed a segment that was 99% one region (V = 0.78 on 1e6 customers).
# 0.5 is well past Cohen's "large" association for any number of levels (0.29 at 4
# levels, 0.5 at 2) and, for k segments against a 4-level region drawn independently of
# behaviour, V stays under 0.05 on the realistic sample; a region that is by itself the
# whole story of even one large segment pushes V past 0.5. See docs/features.md.
DOMINANCE_V = 0.5
SMALL_SHARE = 0.02
SKEW_LOG_HINT = 2.0
# Below this stability (mean adjusted Rand index of resampled fits) a run warns.
UNSTABLE_ARI = 0.8
MONEY_FEATURES = ("total_spend", "avg_transaction_value")


def contingency(labels: np.ndarray, values: pl.Series) -> np.ndarray:
    """Counts of (label, value) pairs as a table: rows = sorted labels, columns = sorted
    values (nulls as "(missing)"), counted by one Polars group-by (``np.unique`` and
    ``np.add.at`` over a million rows cost most of a second)."""
    counts = (
        pl.DataFrame({"a": labels, "b": values.cast(pl.String).fill_null("(missing)")})
        .group_by("a", "b")
        .len()
    )
    if counts.height == 0:
        return np.zeros((0, 0))
    a_codes = counts.get_column("a").rank("dense").cast(pl.Int64).to_numpy() - 1
    b_codes = counts.get_column("b").rank("dense").cast(pl.Int64).to_numpy() - 1
    table = np.zeros((int(a_codes.max()) + 1, int(b_codes.max()) + 1))
    table[a_codes, b_codes] = counts.get_column("len").to_numpy()
    return table


def dominance(
    clustered: pl.DataFrame, labels: np.ndarray, features: list[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Cramér's V between segment and each categorical feature (and Region)."""
    columns = [f for f in features if feature_kind(f) == "categorical"]
    if "Region" in clustered.columns and "region" not in columns:
        columns.append("Region")
    rows, warnings = [], []
    for column in columns:
        v = cramers_v_table(contingency(labels, clustered.get_column(column)))
        used = column in features
        rows.append({"feature": column, "cramers_v": round(v, 6), "clustering_feature": used})
        if v >= DOMINANCE_V and used:
            warnings.append(
                f"Segments mirror {column} (Cramér's V = {v:.2f}, warning at "
                f"{DOMINANCE_V:g}): the segments are mostly the {column} values, not "
                f"behaviour. Consider dropping {column} from the features or lowering its "
                "weight (--categorical-weight)."
            )
    return rows, warnings


def small_segments(sizes: list[int]) -> list[str]:
    """Warnings for segments under 2% of clustered customers or with one member.

    "Try a smaller k" only when there is a smaller k to try (k > 2); at k = 2 a tiny
    segment means a few extreme customers, which a log transform tames.
    """
    total = sum(sizes)
    advice = "try a smaller k" if len(sizes) > 2 else "try --log on to tame extreme customers"
    warnings = []
    for seg, size in enumerate(sizes):
        if size == 1:
            warnings.append(f"Segment {seg} has a single customer: it is an outlier, not a group.")
        elif total and size / total < SMALL_SHARE:
            warnings.append(
                f"Segment {seg} holds only {size} customers ({size / total:.1%}); treat it as "
                f"outliers or {advice}."
            )
    return warnings


def skewness(
    clustered: pl.DataFrame, features: list[str], logged: Collection[str]
) -> tuple[dict[str, float], list[str]]:
    """Skewness of money features; suggests --log when high for a clustering feature that
    was not log-transformed (``logged``: the names that were)."""
    result: dict[str, float] = {}
    warnings = []
    for name in MONEY_FEATURES:
        if name not in clustered.columns:
            continue
        values = clustered.get_column(name).cast(pl.Float64).drop_nulls()
        skew = values.skew()
        if skew is None or not np.isfinite(skew):
            continue
        result[name] = round(float(skew), 4)
        if skew > SKEW_LOG_HINT and name not in logged and name in features:
            warnings.append(
                f"{name} is strongly right-skewed (skewness {skew:.1f}); a few big spenders "
                "pull the centroids. Consider --log on."
            )
    return result, warnings


def separation(space: SpaceSpec, X: np.ndarray, labels: np.ndarray) -> list[dict[str, Any]]:
    """How strongly each feature separates the segments, most separating first.

    For each feature (a categorical feature's one-hot columns taken together), in the
    clustering space: between-segment sum of squares / within-segment sum of squares
    (``between_within``) and the share of its variance explained by the segment
    (``eta_squared`` = between / total, 0…1).
    """
    between, total = between_total(X, labels)
    groups: list[tuple[str, list[int]]] = [(c.name, [i]) for i, c in enumerate(space.numeric)]
    start = len(space.numeric)
    for block in space.categorical:
        groups.append((block.name, list(range(start, start + len(block.levels)))))
        start += len(block.levels)
    rows = []
    for name, columns in groups:
        b, t = float(between[columns].sum()), float(total[columns].sum())
        within = max(t - b, 0.0)
        rows.append(
            {
                "feature": name,
                "between_within": b / within if within > 0 else (float("inf") if b else 0.0),
                "eta_squared": b / t if t > 0 else 0.0,
            }
        )
    return sorted(rows, key=lambda r: (-r["eta_squared"], r["feature"]))


def stability_check(value: float, k: int, method: str) -> tuple[dict[str, Any], list[str]]:
    """The stability diagnostic of the chosen k and a warning when it is low."""
    row = {"k": k, "stability": value, "method": method}
    warnings = []
    if np.isfinite(value) and value < UNSTABLE_ARI:
        warnings.append(
            f"The {k} segments are not stable: fits on resampled customers agree only "
            f"{value:.2f} (adjusted Rand index, 1 = identical). Compare k values with "
            "`segtui sweep` before acting on them."
        )
    return row, warnings

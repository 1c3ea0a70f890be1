"""Effect sizes: how much each feature tells a segment apart, beyond "+1.3σ".

A z-score compares a segment's mean with everyone's in units of the overall spread;
it grows with a feature's skew and says nothing about overlap. Beside it:

- **Cohen's d** per segment and feature: (segment mean - rest mean) / pooled standard
  deviation of segment and rest (each with n - 1). Cohen's reading: |d| < 0.2
  negligible, < 0.5 small, < 0.8 medium, else large.
- **eta squared** per feature: the share of the feature's variance (raw values, the
  user's units) that lies between segments, SS_between / SS_total.

Missing values are left out of each feature's figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

# Cohen's (1988) conventional bounds for |d|.
D_BOUNDS = ((0.2, "negligible"), (0.5, "small"), (0.8, "medium"))


@dataclass
class EffectSizes:
    """Cohen's d per segment id and feature (largest |d| first), eta squared per feature."""

    cohens_d: dict[int, dict[str, float]]
    eta_squared: dict[str, float]


def magnitude(d: float) -> str:
    """Cohen's word for ``|d|``: negligible, small, medium or large."""
    for bound, word in D_BOUNDS:
        if abs(d) < bound:
            return word
    return "large"


def effect_sizes(
    clustered: pl.DataFrame, labels: np.ndarray, columns: list[str], ids: list[int]
) -> EffectSizes:
    """Effect sizes of ``columns`` (numeric, in ``clustered``, row-aligned with
    ``labels``) for the segments ``ids``. Returns :class:`EffectSizes`."""
    size = max(ids) + 1 if ids else 0
    d: dict[int, dict[str, float]] = {seg: {} for seg in ids}
    eta: dict[str, float] = {}
    for name in columns:
        values = clustered.get_column(name).cast(pl.Float64).to_numpy()
        valid = np.isfinite(values)
        # Centred first, so the sums of squares below lose no precision to a large mean.
        x = values[valid] - values[valid].mean() if valid.any() else values[valid]
        lab = labels[valid]
        n_total = x.shape[0]
        n = np.bincount(lab, minlength=size).astype(np.float64)
        s1 = np.bincount(lab, weights=x, minlength=size)
        s2 = np.bincount(lab, weights=x * x, minlength=size)
        total_ss = float(s2.sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = s1 / n
            between = float(np.nansum(n * mean * mean))
        eta[name] = between / total_ss if total_ss > 0 else 0.0
        for seg in ids:
            d[seg][name] = _cohens_d(
                float(n[seg]), float(s1[seg]), float(s2[seg]), n_total, float(s1.sum()), total_ss
            )
    ranked = {
        seg: dict(sorted(row.items(), key=lambda item: (-abs(item[1]), item[0])))
        for seg, row in d.items()
    }
    return EffectSizes(cohens_d=ranked, eta_squared=eta)


def _cohens_d(n1: float, s1: float, ss1: float, n: int, s: float, ss: float) -> float:
    """d of a group (count, sum, sum of squares) against the rest of the total."""
    n2 = n - n1
    if n1 < 1 or n2 < 1 or n < 3:
        return 0.0
    m1, m2 = s1 / n1, (s - s1) / n2
    within = (ss1 - n1 * m1 * m1) + ((ss - ss1) - n2 * m2 * m2)
    pooled = within / (n - 2)
    return float((m1 - m2) / np.sqrt(pooled)) if pooled > 0 else 0.0

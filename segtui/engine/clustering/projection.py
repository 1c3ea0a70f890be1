"""A 2-D PCA projection of the clustering space, for the UI's scatter chart.

Plain numpy (an SVD of the centred matrix) so it needs no extra dependency and is
deterministic: the sign of each axis is fixed so the largest loading is positive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Projection:
    """Points on the first two principal axes and which input rows they are."""

    xy: np.ndarray  # (n, 2) float64
    rows: np.ndarray  # (n,) indices into the projected matrix
    explained: tuple[float, float]  # share of variance on each axis


def sample_rows(n_rows: int, max_points: int, seed: int) -> np.ndarray:
    """Sorted row indices: all rows, or a seeded sample of ``max_points`` of them."""
    if n_rows <= max_points:
        return np.arange(n_rows)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_rows, size=max_points, replace=False))


def pca_2d(matrix: np.ndarray, *, max_points: int = 20_000, seed: int = 0) -> Projection:
    """Project ``matrix`` rows onto its first two principal components.

    The axes are fitted on (at most ``max_points``) sampled rows and those rows are
    returned projected. Returns a :class:`Projection`; a matrix with fewer than two
    columns gets a zero second axis.
    """
    rows = sample_rows(matrix.shape[0], max_points, seed)
    data = np.asarray(matrix[rows], dtype=np.float64)
    if data.shape[0] == 0:
        return Projection(np.zeros((0, 2)), rows, (0.0, 0.0))
    centred = data - data.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:2]
    if axes.shape[0] < 2:
        axes = np.vstack([axes, np.zeros((2 - axes.shape[0], centred.shape[1]))])
    for i in range(axes.shape[0]):
        if axes[i, np.argmax(np.abs(axes[i]))] < 0:
            axes[i] = -axes[i]
    xy = centred @ axes.T
    variance = singular**2
    total = float(variance.sum()) or 1.0
    explained = tuple(float(v / total) for v in (list(variance[:2]) + [0.0, 0.0])[:2])
    return Projection(xy=xy, rows=rows, explained=(explained[0], explained[1]))

"""Every clustering score, in one module: both engines, the sweep, stability, the
diagnostics and the backtest call these functions and compute no score of their own.

* Davies-Bouldin, Calinski-Harabasz, inertia: :func:`label_scores` (one machine) or
  :func:`scores_from_moments` (per-segment aggregates, which the Spark engine computes
  with two distributed aggregations).
* Silhouette: :func:`silhouette` on the seeded sample :func:`silhouette_rows` picks, or
  :func:`silhouette_from_distances` when a sweep reuses one distance matrix for every k.
* :func:`metrics`: all of the above for a run (``segtui run``'s ``metrics``).
* :func:`adjusted_rand`: agreement of two labelings (the stability check).
* :func:`eta_squared`, :func:`between_total`: the share of variance between segments
  (the backtest, the inner split, the separation diagnostic).
* :func:`cramers_v_table`: association of segments with a categorical (the dominance
  diagnostic).

The formulas are scikit-learn's (``sklearn.metrics``), re-written so that one pass over a
million rows per k is cheap: per-segment means by ``bincount``, no label encoder, no
pairwise matrix over all rows. ``metrics(..., plain=True)`` (or ``SEGTUI_PLAIN_PATH=1``)
calls scikit-learn's own functions instead; tests check every function here against
``sklearn.metrics`` on real values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from segtui.engine.features.fastpath import plain_path

# Memory (MB) scikit-learn may use per chunk of pairwise distances on the plain path; its
# default (1 GB) made a 10,000-row silhouette sample cost ~1 GB of RSS. Same numbers.
METRICS_WORKING_MEMORY_MB = 64
# Rows per block when assigning customers to centroids: bounds memory to ~block*k floats.
ASSIGN_BLOCK = 65_536


@dataclass
class Metrics:
    """Clustering quality on the clustering space. Davies-Bouldin: lower is better."""

    davies_bouldin: float
    silhouette: float
    silhouette_sample_size: int
    calinski_harabasz: float
    inertia: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return asdict(self)


@dataclass
class LabelScores:
    """Davies-Bouldin (lower is better), Calinski-Harabasz (higher is better), inertia
    (within-segment sum of squares) and the number of non-empty segments."""

    davies_bouldin: float
    calinski_harabasz: float
    inertia: float
    n_segments: int


def segment_means(X: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-segment means (k, d) and sizes (k,); empty segments have a zero mean."""
    sizes = np.bincount(labels, minlength=k)
    sums = np.empty((k, X.shape[1]))
    for j in range(X.shape[1]):
        sums[:, j] = np.bincount(labels, weights=X[:, j], minlength=k)
    means = sums / np.maximum(sizes, 1)[:, None]
    return means, sizes


def distances_to_means(X: np.ndarray, labels: np.ndarray, means: np.ndarray) -> np.ndarray:
    """Squared distance of every row of ``X`` to its segment's mean, in blocks of
    ``ASSIGN_BLOCK`` rows: the whole-matrix ``X - means[labels]`` held two more copies of
    ``X`` (1.3 GB at 1e7 customers); each row's value is the same sum either way."""
    out = np.empty(X.shape[0])
    for start in range(0, X.shape[0], ASSIGN_BLOCK):
        stop = start + ASSIGN_BLOCK
        diff = X[start:stop] - means[labels[start:stop]]
        out[start:stop] = np.einsum("ij,ij->i", diff, diff)
    return out


def label_scores(X: np.ndarray, labels: np.ndarray) -> LabelScores:
    """Davies-Bouldin, Calinski-Harabasz and inertia of ``labels`` on ``X``.

    Equal to scikit-learn's scores up to floating-point rounding; empty label values are
    ignored as scikit-learn's label encoding does. NaN when fewer than 2 segments remain.
    """
    k = int(labels.max()) + 1 if labels.size else 0
    means, sizes = segment_means(X, labels, k)
    present = np.flatnonzero(sizes)
    dist_sq = distances_to_means(X, labels, means)
    inertia = float(dist_sq.sum())
    m = present.shape[0]
    if m < 2:
        return LabelScores(float("nan"), float("nan"), inertia, m)
    # Mean distance of each segment's rows to its centre (the Davies-Bouldin spread).
    intra = np.bincount(labels, weights=np.sqrt(dist_sq), minlength=k)[present] / sizes[present]
    db, ch = scores_from_moments(means[present], sizes[present], intra, inertia, X.mean(axis=0))
    return LabelScores(db, ch, inertia, m)


def scores_from_moments(
    centers: np.ndarray,
    sizes: np.ndarray,
    intra: np.ndarray,
    inertia: float,
    overall: np.ndarray,
) -> tuple[float, float]:
    """Davies-Bouldin and Calinski-Harabasz from per-segment aggregates: centres (m, d),
    sizes (m,), mean distance to the centre (m,), the total within-segment sum of squares
    and the overall mean (d,). Only non-empty segments are passed.

    THE formulas (scikit-learn's) for every engine: the Polars engine computes the
    aggregates with numpy, the Spark engine with two distributed aggregations.
    """
    return davies_bouldin_from(centers, intra), calinski_harabasz_from(
        centers, sizes, inertia, overall
    )


def davies_bouldin_from(centers: np.ndarray, intra: np.ndarray) -> float:
    """Davies-Bouldin: mean over segments of max_j (s_i + s_j) / d(c_i, c_j)."""
    gaps = np.sqrt(((centers[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2))
    if np.allclose(intra, 0) or np.allclose(gaps, 0):
        return 0.0
    gaps[gaps == 0] = np.inf
    combined = intra[:, None] + intra[None, :]
    return float(np.mean(np.max(combined / gaps, axis=1)))


def calinski_harabasz_from(
    centers: np.ndarray, sizes: np.ndarray, inertia: float, overall: np.ndarray
) -> float:
    """Calinski-Harabasz: between/within dispersion, each per degree of freedom."""
    n, m = float(sizes.sum()), centers.shape[0]
    between = float((sizes * ((centers - overall) ** 2).sum(axis=1)).sum())
    return 1.0 if inertia == 0 else between * (n - m) / (inertia * (m - 1))


def assign(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for every row of ``X`` (ties: lowest index), in blocks."""
    labels = np.empty(X.shape[0], dtype=np.int64)
    center_sq = (centers**2).sum(axis=1)
    for start in range(0, X.shape[0], ASSIGN_BLOCK):
        block = X[start : start + ASSIGN_BLOCK]
        # ||x-c||^2 minus the constant ||x||^2: same argmin, one matrix product.
        dist = center_sq[None, :] - 2.0 * (block @ centers.T)
        labels[start : start + block.shape[0]] = np.argmin(dist, axis=1)
    return labels


def pairwise_distances(sample: np.ndarray) -> np.ndarray:
    """Euclidean distance matrix of ``sample`` (m, m), computed once per sweep.

    scikit-learn's formula (||a||² + ||b||² − 2a·b, clipped at 0, zero diagonal), done in
    place so a 5,000-row sample costs one 200 MB matrix and no temporaries.
    """
    norms = np.einsum("ij,ij->i", sample, sample)
    out = sample @ sample.T
    out *= -2.0
    out += norms[:, None]
    out += norms[None, :]
    np.maximum(out, 0.0, out=out)
    np.fill_diagonal(out, 0.0)
    return np.sqrt(out, out=out)


def silhouette_from_distances(distances: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of ``labels`` given the precomputed distance matrix of the same rows.

    Same definition as scikit-learn: a point alone in its segment scores 0. NaN when the
    rows fall into fewer than 2 segments.
    """
    codes, onehot = _onehot(labels)
    if onehot.shape[1] < 2:
        return float("nan")
    return _silhouette_from_sums(distances @ onehot, codes, onehot.sum(axis=0))


# Rows per block of the blocked silhouette: a block's distances (block x sample floats,
# 20 MB for a 10,000-row sample) stay in cache; 1024-row blocks were 2.5x slower.
SILHOUETTE_BLOCK = 256


def silhouette(sample: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of ``labels`` on the rows of ``sample``, without the full matrix.

    A block of rows' squared distances to every row come out of one matrix product of
    augmented rows, [x, 1, ||x||²] · [-2y, ||y||², 1] = ||x||² + ||y||² − 2x·y (the formula
    scikit-learn uses), are clipped at 0 and square-rooted in place, and summed per
    segment by a second product; memory stays at ``SILHOUETTE_BLOCK`` x rows floats and
    no Python loop runs per row (scikit-learn's ``silhouette_samples`` calls ``bincount``
    once per row). Equal to ``sklearn.metrics.silhouette_score`` on the same rows up to
    floating-point rounding. NaN when the rows fall into fewer than 2 segments.
    """
    codes, onehot = _onehot(labels)
    if onehot.shape[1] < 2:
        return float("nan")
    m = sample.shape[0]
    norms = np.einsum("ij,ij->i", sample, sample)[:, None]
    ones = np.ones((m, 1))
    left = np.hstack([sample, ones, norms])
    right = np.hstack([-2.0 * sample, norms, ones])
    sums = np.empty((m, onehot.shape[1]))
    for start in range(0, m, SILHOUETTE_BLOCK):
        stop = min(start + SILHOUETTE_BLOCK, m)
        block = left[start:stop] @ right.T
        np.maximum(block, 0.0, out=block)
        block[np.arange(stop - start), np.arange(start, stop)] = 0.0
        np.sqrt(block, out=block)
        sums[start:stop] = block @ onehot
    return _silhouette_from_sums(sums, codes, onehot.sum(axis=0))


def _onehot(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense codes 0..k-1 of ``labels`` and their (n, k) indicator matrix."""
    _, codes = np.unique(labels, return_inverse=True)
    k = int(codes.max()) + 1 if codes.size else 0
    onehot = np.zeros((codes.shape[0], k))
    onehot[np.arange(codes.shape[0]), codes] = 1.0
    return codes, onehot


def _silhouette_from_sums(sums: np.ndarray, codes: np.ndarray, sizes: np.ndarray) -> float:
    """Mean silhouette from each row's summed distances to every segment (m, k)."""
    rows = np.arange(codes.shape[0])
    own = sums[rows, codes]
    own_size = sizes[codes]
    a = own / np.maximum(own_size - 1, 1)
    mean_other = sums / sizes[None, :]
    mean_other[rows, codes] = np.inf
    b = mean_other.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (b - a) / np.maximum(a, b)
    s = np.where(own_size > 1, np.nan_to_num(s), 0.0)
    return float(s.mean())


def silhouette_rows(n: int, sample: int, seed: int) -> np.ndarray | None:
    """The rows ``sklearn.metrics.silhouette_score(..., sample_size=sample,
    random_state=seed)`` scores (None = all rows), so every path uses the same sample."""
    if sample >= n:
        return None
    return np.random.RandomState(seed).permutation(n)[:sample]


def metrics(
    X: np.ndarray,
    labels: np.ndarray,
    *,
    seed: int,
    silhouette_sample: int,
    plain: bool | None = None,
) -> Metrics:
    """Davies-Bouldin, silhouette (sampled above ``silhouette_sample`` rows),
    Calinski-Harabasz and inertia (sum of squared distances to segment means).

    The default path is :func:`label_scores` and the blocked :func:`silhouette`;
    ``plain`` (or SEGTUI_PLAIN_PATH=1) calls scikit-learn's own functions, the oracle
    the tests hold the default path to. Same values up to rounding.
    """
    n = X.shape[0]
    sample = n if n <= silhouette_sample else silhouette_sample
    rows = silhouette_rows(n, sample, seed)
    if not plain_path(plain):
        scores = label_scores(X, labels)
        sil = silhouette(X if rows is None else X[rows], labels if rows is None else labels[rows])
        return Metrics(
            davies_bouldin=scores.davies_bouldin,
            silhouette=sil,
            silhouette_sample_size=int(sample),
            calinski_harabasz=scores.calinski_harabasz,
            inertia=scores.inertia,
        )
    from sklearn import config_context
    from sklearn.metrics import (
        calinski_harabasz_score,
        davies_bouldin_score,
        silhouette_score,
    )

    # sklearn computes silhouette in chunks of `working_memory` MB; its 1 GB default made
    # a 10,000-customer sample peak near 1 GB. Chunking does not change the result.
    with config_context(working_memory=METRICS_WORKING_MEMORY_MB):
        silhouette_value = silhouette_score(
            X, labels, sample_size=None if sample == n else sample, random_state=seed
        )
    k = int(labels.max()) + 1
    inertia = 0.0
    for s in range(k):
        members = X[labels == s]
        inertia += float(((members - members.mean(axis=0)) ** 2).sum())
    return Metrics(
        davies_bouldin=float(davies_bouldin_score(X, labels)),
        silhouette=float(silhouette_value),
        silhouette_sample_size=int(sample),
        calinski_harabasz=float(calinski_harabasz_score(X, labels)),
        inertia=inertia,
    )


def adjusted_rand(labels_a: np.ndarray, labels_b: np.ndarray) -> float:
    """Adjusted Rand index of two labelings of the same rows: 1 = the same partition,
    about 0 = agreement by chance, below 0 = worse than chance.

    scikit-learn's ``adjusted_rand_score``: the pair counts come from the contingency
    table in exact integers and meet one float division, so the value is the same float.
    A numpy ``bincount`` builds the table (no sparse matrix, no parameter validation).
    """
    _, a = np.unique(labels_a, return_inverse=True)
    _, b = np.unique(labels_b, return_inverse=True)
    if a.size == 0:
        return 1.0
    width = int(b.max()) + 1
    table = np.bincount(a * width + b, minlength=(int(a.max()) + 1) * width).reshape(-1, width)
    n = int(a.size)
    sum_squares = int((table**2).sum())
    # Ordered pairs, as scikit-learn's pair_confusion_matrix counts them.
    together_both = sum_squares - n
    together_a_only = int((table @ table.sum(axis=0)).sum()) - sum_squares
    together_b_only = int((table.T @ table.sum(axis=1)).sum()) - sum_squares
    apart_both = n * n - together_a_only - together_b_only - sum_squares
    if together_a_only == 0 and together_b_only == 0:
        return 1.0
    tp, tn, fp, fn = together_both, apart_both, together_a_only, together_b_only
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))


def eta_squared(values: np.ndarray, groups: np.ndarray) -> float | None:
    """Between-group sum of squares over the total sum of squares of ``values`` grouped by
    the integer labels ``groups`` (0 … g-1); None when the values do not vary.

    Equal to scikit-learn's ``r2_score`` of each value predicted by its group's mean.
    """
    values = np.asarray(values, dtype=np.float64)
    groups = np.asarray(groups, dtype=np.int64)
    if values.size == 0:
        return None
    mean = values.mean()
    total = float(np.sum((values - mean) ** 2))
    if total <= 0.0:
        return None
    counts = np.bincount(groups)
    sums = np.bincount(groups, weights=values)
    present = counts > 0
    group_means = sums[present] / counts[present]
    between = float(np.sum(counts[present] * (group_means - mean) ** 2))
    return between / total


def between_total(X: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column of ``X``: the between-segment and the total sum of squares (d,) each;
    their ratio is the column's eta squared."""
    k = int(labels.max()) + 1 if labels.size else 0
    means, sizes = segment_means(X, labels, k)
    overall = X.mean(axis=0)
    between = (sizes[:, None] * (means - overall) ** 2).sum(axis=0)
    total = ((X - overall) ** 2).sum(axis=0)
    return between, total


def cramers_v_table(table: np.ndarray) -> float:
    """Cramér's V of a contingency table (0 = unrelated, 1 = one determines the other)."""
    n = table.sum()
    r, c = table.shape
    if n == 0 or min(r, c) < 2:
        return 0.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / np.where(expected > 0, expected, 1)).sum())
    return float(np.sqrt(chi2 / (n * (min(r, c) - 1))))

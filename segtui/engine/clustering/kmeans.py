"""K-Means on a clustering matrix: the checks on k, the fit and the segment order.

Its quality scores live in :mod:`segtui.engine.clustering.scores`. scikit-learn is
imported inside the functions so that importing the engine (and ``segtui --help``) stays
fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from segtui.engine.errors import OptionError
from segtui.engine.features.fastpath import plain_path

# check_k first looks for k distinct rows among this many leading rows.
DISTINCT_PREFIX = 4096


@dataclass
class Clustering:
    """Labels 0..k-1 (ordered by mean total_spend, descending) and their centroids."""

    labels: np.ndarray
    centers: np.ndarray
    inertia: float
    n_iter: int


def check_k(k: int, X: np.ndarray) -> None:
    """Raise OptionError unless 2 <= k < rows of ``X`` and k <= its distinct rows."""
    n = X.shape[0]
    if k < 2:
        raise OptionError(f"k must be at least 2 (got {k})")
    if k >= n:
        # k == n puts every customer alone: no segmentation, and silhouette,
        # Davies-Bouldin and Calinski-Harabasz are undefined (they need k < n).
        raise OptionError(
            f"k={k} is not smaller than the number of customers with purchases ({n})",
            hint=f"choose k between 2 and {n - 1}"
            if n >= 3
            else "segmenting needs at least 3 customers with purchases",
        )
    # Cheap exact shortcut: a prefix with k distinct rows proves the whole has them too.
    if np.unique(X[: min(n, DISTINCT_PREFIX)], axis=0).shape[0] >= k:
        return
    distinct = check_distinct(X)
    if k > distinct:
        raise OptionError(
            f"k={k} is larger than the number of distinct customer profiles ({distinct})",
            hint=f"choose k between 2 and {distinct}" if distinct > 2 else "choose k=2",
        )


def check_distinct(X: np.ndarray) -> int:
    """The number of distinct rows of ``X`` (capped work: rows beyond 2,000,000 are
    assumed distinct); raises OptionError when all rows are the same."""
    n = X.shape[0]
    distinct = np.unique(X, axis=0).shape[0] if n <= 2_000_000 else n
    if distinct < 2:
        raise all_alike(n)
    return distinct


def check_not_all_alike(X: np.ndarray) -> None:
    """Raise :func:`check_distinct`'s OptionError when every row of ``X`` equals the first,
    without counting distinct rows (``np.unique`` sorts the matrix: 1.4 s of CPU at 1e6
    customers, measured with py-spy in a ``--k auto`` run)."""
    if X.shape[0] and not (X != X[:1]).any():
        raise all_alike(X.shape[0])


def all_alike(n: int) -> OptionError:
    """The error for ``n`` customers with one and the same profile."""
    return OptionError(
        f"all {n} customers with purchases have the same profile on the chosen "
        "features: there is nothing to segment",
        hint="choose features on which the customers differ",
    )


def kmeans(
    X: np.ndarray, k: int, *, seed: int, n_init: int, plain: bool | None = None
) -> Clustering:
    """Fit K-Means (k-means++ init, Lloyd) and return labels and centroids.

    Above ``KMEANS_SAMPLE_ABOVE`` rows (unless ``plain``), the ``n_init`` seeded restarts
    run on a seeded sample of ``KMEANS_SAMPLE`` rows and one full-data Lloyd run starts
    from the best of them: same algorithm, a fraction of the passes over the data. The
    bench checks its inertia against scikit-learn's KMeans(n_init=10) on the full matrix.
    """
    from sklearn.cluster import KMeans

    from segtui.config import KMEANS_SAMPLE, KMEANS_SAMPLE_ABOVE

    if n_init < 1:
        raise OptionError(f"n-init must be at least 1 (got {n_init})")
    n = X.shape[0]
    if plain_path(plain) or n <= KMEANS_SAMPLE_ABOVE or n_init == 1:
        model = KMeans(n_clusters=k, n_init=n_init, random_state=seed)
    else:
        rng = np.random.default_rng(seed)
        rows = np.sort(rng.choice(n, size=KMEANS_SAMPLE, replace=False))
        start = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(X[rows])
        model = KMeans(n_clusters=k, init=start.cluster_centers_, n_init=1, random_state=seed)
    labels = model.fit_predict(X)
    return Clustering(
        labels=labels.astype(np.int64),
        centers=model.cluster_centers_.astype(np.float64),
        inertia=float(model.inertia_),
        n_iter=int(model.n_iter_),
    )


def order_by(clustering: Clustering, value: np.ndarray) -> Clustering:
    """Renumber segments by mean ``value`` descending (ties: larger segment first).

    Makes ids stable: the same data and seed always give the same numbering.
    """
    k = clustering.centers.shape[0]
    means = np.array([value[clustering.labels == s].mean() for s in range(k)])
    sizes = np.bincount(clustering.labels, minlength=k)
    order = sorted(range(k), key=lambda s: (-means[s], -sizes[s], s))
    remap = np.empty(k, dtype=np.int64)
    remap[order] = np.arange(k)
    return Clustering(
        labels=remap[clustering.labels],
        centers=clustering.centers[order],
        inertia=clustering.inertia,
        n_iter=clustering.n_iter,
    )

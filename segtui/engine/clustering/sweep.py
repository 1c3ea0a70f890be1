"""The k sweep: quality and stability of K-Means for every k in a range, and a recommended k.

The clustering space is built once; every k reuses it. Per k:

* K-Means (k-means++, ``n_init`` restarts, the run's seed) on all clustered customers, or,
  above ``SWEEP_FIT_SAMPLE`` customers, on a seeded sample of that size, after which every
  customer is assigned to its nearest centre. At or below the threshold the fit is exactly
  the one ``segtui run --k K`` makes, so the sweep row and the run agree.
* Davies-Bouldin, Calinski-Harabasz and inertia on **all** clustered customers (O(n·k·d),
  :mod:`segtui.engine.clustering.scores`).
* Silhouette on one seeded sample of ``SILHOUETTE_SAMPLE`` customers whose distance
  matrix is computed once for all k (never O(n²) on the full data): the same rows
  ``segtui run`` scores, so both report the same silhouette for the same fit.
* Stability: mean pairwise adjusted Rand index of resampled fits
  (:mod:`segtui.engine.clustering.stability`).

The recommended k (the rule behind ``--k auto``) combines Davies-Bouldin with stability,
because Davies-Bouldin alone tends to favour the extremes of the range, and it refuses
segments too small to act on, because on heavy-tailed data Davies-Bouldin is lowest when a
handful of extreme customers get segments of their own:

1. only k whose smallest segment holds at least ``AUTO_K_MIN_SEGMENT_SHARE`` (1%) of the
   clustered customers, rounded up, and at least one customer (so below 100 clustered
   customers the rule relaxes to "no empty segment"); if no k qualifies, the k whose
   smallest segment is largest;
2. among those, the k whose stability is at least ``AUTO_K_MIN_STABILITY``;
3. with an inner time split (``inner_split.py``: ``--k auto`` in a run on a source with
   enough history), the k with the highest inner eta squared (how well k segments, fitted
   on the weeks before, separate the customers' spend in the last weeks before the as-of
   date) per unit of Davies-Bouldin (ties: the smaller k); without one, the lowest
   Davies-Bouldin (ties: the smaller k). When none is stable enough, the most
   stable k (ties: lower Davies-Bouldin, then smaller k).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from segtui.config import (
    SILHOUETTE_SAMPLE,
    SWEEP_FIT_SAMPLE,
    Settings,
)
from segtui.engine.clustering import scores, stability
from segtui.engine.clustering.inner_split import InnerSplit, cached_inner_split, inner_eta_squared
from segtui.engine.clustering.k_rule import SweepRow, min_segment_size, recommend_k

__all__ = ["SweepResult", "SweepRow", "choose_k", "min_segment_size", "recommend_k", "sweep"]
from segtui.engine.errors import OptionError

if TYPE_CHECKING:
    from segtui.engine.features.compute import FeatureTable
    from segtui.engine.io.tables import Tables

Progress = Callable[[str], None]


@dataclass
class SweepResult:
    """One row per k, the recommended k and the rule (in words) that picked it."""

    rows: list[SweepRow]
    recommended_k: int
    rule: str
    n_clustered: int
    fit_sample_size: int
    silhouette_sample_size: int
    stability_method: str
    features: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # Data-quality and scaling warnings of the input, then one per k that found fewer
    # segments than asked (fewer distinct customer profiles than k).
    warnings: list[str] = field(default_factory=list)

    def row(self, k: int) -> SweepRow:
        """The row for ``k`` (KeyError if ``k`` was not swept)."""
        for row in self.rows:
            if row.k == k:
                return row
        raise KeyError(k)

    def to_dict(self) -> dict[str, Any]:
        """The ``segtui sweep --json`` document (and the summary's ``k_selection.rows``)."""
        return {
            "rows": [row.to_dict() for row in self.rows],
            "recommended_k": self.recommended_k,
            "rule": self.rule,
            "n_clustered": self.n_clustered,
            "fit_sample_size": self.fit_sample_size,
            "silhouette_sample_size": self.silhouette_sample_size,
            "stability_method": self.stability_method,
            "features": self.features,
            "warnings": self.warnings,
        }


def check_range(k_min: int, k_max: int, n: int) -> None:
    """Raise OptionError unless 2 <= k_min <= k_max < n (n = customers with purchases)."""
    if k_min < 2:
        raise OptionError(f"k-min must be at least 2 (got {k_min})")
    if k_max < k_min:
        raise OptionError(f"k-max ({k_max}) is smaller than k-min ({k_min})")
    if k_max >= n:
        raise OptionError(
            f"k-max={k_max} needs more customers with purchases than the {n:,} there are",
            hint=f"choose k-max of at most {n - 1}" if n > 2 else "add data",
        )


def sweep(
    data: FeatureTable | np.ndarray | None,
    settings: Settings,
    k_min: int = 2,
    k_max: int = 10,
    progress: Progress | None = None,
    on_row: Callable[[SweepRow], None] | None = None,
    tables: Tables | None = None,
) -> SweepResult:
    """Sweep k = ``k_min``..``k_max`` with the scaling/features/seed/n_init of ``settings``.

    ``data`` is a computed feature table (the UI keeps one; its features are used, not
    ``settings.features``), a ready clustering matrix, or None to read
    ``settings.source`` and compute ``settings.features``. ``progress`` receives
    a short stage text before each step (it may raise to cancel); ``on_row`` receives
    each :class:`SweepRow` as soon as it is scored (a UI can draw the chart as it
    grows). The recommended k is the one ``--k auto`` would choose: judged by the inner
    time split (``inner_split.py``) kept in the feature table, or computed from ``tables``
    (read here when ``data`` is None). Returns a :class:`SweepResult`; raises OptionError
    for a bad range.
    """
    step = progress or (lambda _stage: None)
    features: list[str] = []
    if data is None:
        from segtui.engine.features.load import load_features

        judged = settings.method != "rfm"  # the sweep judges k by the inner split
        tables, data = load_features(settings, progress=step, tables=tables, inner=judged)
    warnings: list[str] = []
    inner = None
    if isinstance(data, np.ndarray):
        X = data
    else:
        inner = cached_inner_split(tables, data, settings, step)
        X, space_warnings = _matrix_and_warnings(data, settings)
        features = list(data.features)
        warnings = list(data.warnings) + space_warnings
    result = sweep_matrix(
        X,
        k_min,
        k_max,
        seed=settings.seed,
        n_init=settings.n_init,
        silhouette_sample=settings.silhouette_sample,
        progress=step,
        on_row=on_row,
        inner=inner,
    )
    result.features = features
    result.warnings = warnings + result.warnings
    return result


def clustering_matrix(table: FeatureTable, settings: Settings) -> np.ndarray:
    """The clustering matrix of the customers with purchases, as ``segtui run`` builds it."""
    return _matrix_and_warnings(table, settings)[0]


def _matrix_and_warnings(table: FeatureTable, settings: Settings) -> tuple[np.ndarray, list[str]]:

    import polars as pl

    from segtui.engine.clustering.space import fit_space

    clustered = table.frame.filter(pl.col("has_purchases"))
    space, warnings = fit_space(
        clustered,
        table.features,
        scaling=settings.scaling,
        log=settings.log,
        categorical_weight=settings.categorical_weight,
    )
    return space.transform(clustered), warnings


def sweep_matrix(
    X: np.ndarray,
    k_min: int,
    k_max: int,
    *,
    seed: int,
    n_init: int,
    silhouette_sample: int = SILHOUETTE_SAMPLE,
    progress: Progress | None = None,
    on_row: Callable[[SweepRow], None] | None = None,
    inner: InnerSplit | None = None,
) -> SweepResult:
    """Sweep k over a ready clustering matrix ``X``; returns a :class:`SweepResult`.
    ``inner``: the inner time split that scores each k's next weeks (``inner_split.py``).

    Runs with BLAS and OpenMP limited to one thread: every step works on thin matrices
    (d ~ 10 columns) where thread start-up and spinning cost more than they save
    (measured 3-5x slower wall time with threads on a busy 2-core machine).
    """
    from segtui.engine.clustering.threads import one_thread

    with one_thread():
        return _sweep_matrix(
            X,
            k_min,
            k_max,
            seed=seed,
            n_init=n_init,
            silhouette_sample=silhouette_sample,
            progress=progress,
            on_row=on_row,
            inner=inner,
        )


def _sweep_matrix(
    X: np.ndarray,
    k_min: int,
    k_max: int,
    *,
    seed: int,
    n_init: int,
    silhouette_sample: int,
    progress: Progress | None = None,
    on_row: Callable[[SweepRow], None] | None = None,
    inner: InnerSplit | None = None,
) -> SweepResult:
    step = progress or (lambda _stage: None)
    started = time.perf_counter()
    n = X.shape[0]
    check_range(k_min, k_max, n)
    if n_init < 1:
        raise OptionError(f"n-init must be at least 1 (got {n_init})")
    from segtui.engine.clustering.kmeans import check_not_all_alike

    check_not_all_alike(X)  # all customers alike: no k can segment them
    fit_rows = stability.sample_rows(n, SWEEP_FIT_SAMPLE, [seed, 3])
    # The rows `segtui run` scores (scores.metrics), so sweep and run agree for a k.
    chosen = scores.silhouette_rows(n, silhouette_sample, seed)
    sil_rows = np.arange(n) if chosen is None else chosen
    step("Preparing the sweep")
    distances = scores.pairwise_distances(X[sil_rows])
    plan = stability.make_plan(n, seed=seed, n_init=n_init)
    fit_X = X[fit_rows] if fit_rows.shape[0] < n else X
    from segtui.engine.clustering.threads import fit_pool

    def row_for(k: int) -> SweepRow:
        labels, centers = stability.fit_centers(fit_X, k, seed=seed, n_init=n_init)
        if fit_X is not X:
            labels = scores.assign(X, centers)
        quality = scores.label_scores(X, labels)
        return SweepRow(
            k=k,
            davies_bouldin=quality.davies_bouldin,
            silhouette=scores.silhouette_from_distances(distances, labels[sil_rows]),
            silhouette_sample_size=int(sil_rows.shape[0]),
            calinski_harabasz=quality.calinski_harabasz,
            inertia=quality.inertia,
            stability=stability.stability(X, k, plan),
            n_segments=quality.n_segments,
            smallest_share=float(np.bincount(labels, minlength=k).min() / n),
            next_eta_squared=(
                inner_eta_squared(inner, k, seed=seed, n_init=n_init) if inner else math.nan
            ),
        )

    ks = list(range(k_min, k_max + 1))
    rows = []
    # Each k's row depends only on (X, k, seed): the rows are computed side by side and
    # read back in order of k, so the result is the loop's, to the bit.
    with fit_pool(len(ks), rows=n) as submit:
        pending = [submit(functools.partial(row_for, k)) for k in ks]
        for k, task in zip(ks, pending, strict=True):
            step(f"k = {k} ({k - k_min + 1}/{len(ks)})")
            row = task.result()
            rows.append(row)
            if on_row is not None:
                on_row(row)
    recommended, rule = recommend_k(rows, n_clustered=n)
    if inner is not None:
        rule += f" Inner split: {inner.describe()}."
    return SweepResult(
        rows=rows,
        recommended_k=recommended,
        rule=rule,
        n_clustered=n,
        fit_sample_size=int(fit_X.shape[0]),
        silhouette_sample_size=int(sil_rows.shape[0]),
        stability_method=plan.describe(),
        seconds=time.perf_counter() - started,
        warnings=[
            f"k={row.k} found only {row.n_segments} segments: there are fewer distinct "
            "customer profiles than k"
            for row in rows
            if row.n_segments < row.k
        ],
    )


def choose_k(
    X: np.ndarray,
    settings: Settings,
    progress: Progress | None = None,
    inner: InnerSplit | None = None,
) -> tuple[int, SweepResult | None]:
    """The k to use for ``settings``: ``settings.k`` itself, or for ``k = "auto"`` the
    recommended k of a sweep over AUTO_K_MIN..AUTO_K_MAX (capped below the number of
    customers), judged by ``inner`` when given. Returns (k, the sweep or None)."""
    from segtui.config import AUTO_K, AUTO_K_MAX, AUTO_K_MIN

    if settings.k != AUTO_K:
        return int(settings.k), None
    n = X.shape[0]
    if n <= AUTO_K_MIN:
        raise OptionError(
            f"k = auto needs at least {AUTO_K_MIN + 1} customers with purchases (got {n})"
        )
    result = sweep_matrix(
        X,
        AUTO_K_MIN,
        min(AUTO_K_MAX, n - 1),
        seed=settings.seed,
        n_init=settings.n_init,
        silhouette_sample=settings.silhouette_sample,
        progress=progress,
        inner=inner,
    )
    return result.recommended_k, result

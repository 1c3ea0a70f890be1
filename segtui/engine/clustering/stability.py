"""Stability of a K-Means segmentation: do resampled fits agree on who belongs together?

Method (subsampling, after Ben-Hur, Elisseeff & Guyon 2002 and Lange et al. 2004):
``STABILITY_RESAMPLES`` seeded subsamples without replacement, each 80% of the clustered
customers capped at ``STABILITY_MAX_SAMPLE``, are each clustered with K-Means (k-means++,
``n_init`` restarts, a different seed per subsample). Every fitted model labels the same
seeded evaluation sample (all customers up to ``STABILITY_EVAL_SAMPLE``), and the score
is the mean adjusted Rand index over all pairs of those labelings: 1 = every resample
finds the same segments, about 0 = agreement no better than chance.

The resample indices depend only on (number of customers, seed), so a sweep and a run with
the same seed compute the same stability for the same k. Cost per k: ``resamples`` fits on
at most 10,000 rows plus predictions on 5,000 rows, whatever the data size.
"""

from __future__ import annotations

import contextlib
import functools
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from segtui.config import (
    STABILITY_EVAL_SAMPLE,
    STABILITY_MAX_SAMPLE,
    STABILITY_RESAMPLES,
    STABILITY_SHARE,
)

METHOD = (
    "subsampling: {resamples} seeded subsamples of {sample:,} customers "
    "({share:.0%}, at most {cap:,}), K-Means on each, mean pairwise adjusted Rand index "
    "of their labels on a common sample of {eval:,} customers"
)


@dataclass
class StabilityPlan:
    """Which rows each resample fits on and which rows all resamples label."""

    resamples: list[np.ndarray]
    eval_rows: np.ndarray
    seed: int
    n_init: int

    @property
    def sample_size(self) -> int:
        """Rows per resample."""
        return int(self.resamples[0].shape[0]) if self.resamples else 0

    def describe(self) -> str:
        """The method in one sentence, with this plan's numbers."""
        return METHOD.format(
            resamples=len(self.resamples),
            sample=self.sample_size,
            share=STABILITY_SHARE,
            cap=STABILITY_MAX_SAMPLE,
            eval=int(self.eval_rows.shape[0]),
        )


def sample_rows(n: int, size: int, seed: int | list[int]) -> np.ndarray:
    """Sorted indices of a seeded sample of ``size`` rows out of ``n`` (all rows if fewer)."""
    if size >= n:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=size, replace=False))


def make_plan(
    n: int,
    *,
    seed: int,
    n_init: int,
    resamples: int = STABILITY_RESAMPLES,
    eval_rows: np.ndarray | None = None,
) -> StabilityPlan:
    """The resampling plan for ``n`` clustered customers; returns a :class:`StabilityPlan`.

    ``eval_rows`` defaults to a seeded sample of ``STABILITY_EVAL_SAMPLE`` rows.
    """
    size = min(STABILITY_MAX_SAMPLE, max(2, math.ceil(STABILITY_SHARE * n)))
    rows = [sample_rows(n, size, [seed, 1, b]) for b in range(resamples)]
    if eval_rows is None:
        eval_rows = sample_rows(n, STABILITY_EVAL_SAMPLE, [seed, 2])
    return StabilityPlan(resamples=rows, eval_rows=eval_rows, seed=seed, n_init=n_init)


def fit_centers(X: np.ndarray, k: int, *, seed: int, n_init: int) -> tuple[np.ndarray, np.ndarray]:
    """K-Means on ``X`` with OpenMP limited to one thread; returns (labels, centres).

    On small inputs the thread pool's start-up and spinning cost far more than the work
    (measured 10-15x slower on a busy 2-core machine), and results do not depend on it.
    """
    from segtui.engine.clustering.kmeans import kmeans
    from segtui.engine.clustering.threads import one_thread

    with one_thread("openmp"), _quiet_fit():
        fitted = kmeans(X, k, seed=seed, n_init=n_init)
    return fitted.labels, fitted.centers


@contextlib.contextmanager
def _quiet_fit() -> Iterator[None]:
    """Fewer distinct rows than k: scikit-learn warns and returns duplicate centres; the
    caller sees it as fewer non-empty segments. On a ``fit_pool`` thread the pool's caller
    silenced it: ``catch_warnings`` swaps process-wide filters, unsafe from two threads."""
    from segtui.engine.clustering.threads import in_fit_thread

    if in_fit_thread():
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def stability(X: np.ndarray, k: int, plan: StabilityPlan) -> float:
    """Mean pairwise adjusted Rand index of the resampled fits' labels (see module doc).

    NaN when a resample has fewer rows than ``k``.
    """
    from segtui.engine.clustering.scores import adjusted_rand, assign

    if plan.sample_size < k or len(plan.resamples) < 2:
        return float("nan")
    from segtui.engine.clustering.threads import fit_pool

    evaluation = X[plan.eval_rows]

    def labeling(b: int) -> np.ndarray:
        rows = plan.resamples[b]
        _, centers = fit_centers(X[rows], k, seed=plan.seed + 1 + b, n_init=plan.n_init)
        return assign(evaluation, centers)

    # The resamples are independent and seeded: side by side, read back in order.
    with fit_pool(len(plan.resamples), rows=plan.sample_size) as submit:
        pending = [submit(functools.partial(labeling, b)) for b in range(len(plan.resamples))]
        labelings = [task.result() for task in pending]
    scores = [
        adjusted_rand(labelings[i], labelings[j])
        for i in range(len(labelings))
        for j in range(i + 1, len(labelings))
    ]
    return float(np.mean(scores))

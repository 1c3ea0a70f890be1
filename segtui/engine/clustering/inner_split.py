"""The inner time split ``--k auto`` judges each k by: how well K-Means with k segments,
fitted on the customers as they were some weeks before the as-of date, separates what they
spent in those weeks.

Everything stays inside the calibration data (lines before the as-of date); the
backtest's own future is never read. On the fast path the features at the cut and the
next weeks' spend are aggregated in the run's own pass over the file when the cut was
planned right (``features/inner_pass.py``); otherwise here, in a pass of their own.
The inner cut is ``as_of - H`` with the inner horizon
H = min(``INNER_HORIZON_DAYS``, a quarter of the observed window: as-of date minus the
first purchase), so at least three quarters of the window stay before it. Features are
computed once more, at the inner cut, with the run's features and clustering settings;
each k is then one K-Means fit (the run's seed, at most ``INNER_N_INIT`` restarts; above
``SWEEP_FIT_SAMPLE`` customers on the sweep's seeded sample, all then assigned) on that
matrix, scored by
the eta squared of log(1 + spend in the inner horizon) (``scores.eta_squared``,
the backtest's figure). Under ``MIN_INNER_HORIZON_DAYS`` of inner horizon, or fewer
customers than k + 1 before the inner cut, there is no split and ``--k auto`` falls back
to the structure alone (the sweep says so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from segtui.config import Settings
from segtui.engine.features.compute import FeatureTable, compute_features
from segtui.engine.features.inner_pass import (
    INNER_HORIZON_DAYS,
    MIN_INNER_HORIZON_DAYS,
    inner_window,
)
from segtui.engine.io.tables import Tables
from segtui.engine.segments.tiers import RepeatStates, learn_states

# The window rule lives beside the features' pass, which plans its cut before reading
# (``features/inner_pass.py``); re-exported here, where callers always found it.
__all__ = [
    "INNER_HORIZON_DAYS",
    "MIN_INNER_HORIZON_DAYS",
    "InnerSplit",
    "cached_inner_split",
    "inner_eta_squared",
    "inner_split",
    "inner_window",
    "split_from",
    "split_key",
]


@dataclass
class InnerSplit:
    """The customers with purchases before ``cut`` in the run's clustering space, and the
    log(1 + spend) of each from ``cut`` for ``horizon_days`` (row-aligned)."""

    cut: dt.date
    horizon_days: int
    matrix: np.ndarray
    next_log_spend: np.ndarray
    # Each state's share who bought in the horizon, the activity rule's chance to buy
    # again (segments/tiers.py); None when too few customers tell the states apart.
    repeat_states: RepeatStates | None = None

    def describe(self) -> str:
        """The split in words, for the sweep's rule."""
        return (
            f"fitted on the {self.matrix.shape[0]:,} customers before {self.cut} and "
            f"judged by their spend in the next {self.horizon_days} days, inside the "
            "calibration data"
        )


def split_key(settings: Settings) -> tuple[object, ...]:
    """The settings the clustering space depends on besides the feature table: the key of
    ``FeatureTable.inner_splits``."""
    return (settings.scaling, settings.log, settings.categorical_weight)


def cached_inner_split(
    tables: Tables | None,
    table: FeatureTable,
    settings: Settings,
    progress: Callable[[str], None] | None = None,
    *,
    compute: Callable[[], InnerSplit | None] | None = None,
) -> InnerSplit | None:
    """The inner split ``--k auto`` and the sweep judge k by, computed once per feature
    table and space (kept in ``table.inner_splits``). None for ``--method rfm``, when the
    split cannot be computed (no ``tables``, no ``compute`` and none kept) or the window
    is too short. ``compute`` replaces :func:`inner_split` on ``tables`` (the Spark
    engine computes the same split from its own tables: ``spark/inner.py``)."""
    if settings.method == "rfm":
        return None
    key = split_key(settings)
    if key not in table.inner_splits:
        if tables is None and compute is None:
            return None
        if progress is not None:
            progress("Inner time split")
        if compute is not None:
            table.inner_splits[key] = compute()
        else:
            assert tables is not None
            table.inner_splits[key] = inner_split(tables, table, settings)
    split: InnerSplit | None = table.inner_splits[key]
    return split


def inner_split(tables: Tables, table: FeatureTable, settings: Settings) -> InnerSplit | None:
    """The inner split of ``table`` (computed from ``tables`` with ``settings``' space), or
    None when the observed window is too short for one (see the module docstring)."""
    from segtui.engine.backtest.future import next_period, next_period_query
    from segtui.engine.features.fastpath import plain_path

    window = inner_window(table)
    kept, table.inner_pass = table.inner_pass, None  # used once: its frames are large
    if window is None:
        return None
    cut, horizon = window
    if kept is not None and (kept.cut, kept.horizon_days) == window:
        # collected in the run's own pass over the file (features/inner_pass.py); used
        # once, so the columns the split does not read are let go before it starts
        kept.table.frame = split_columns(kept.table)
        return split_from(kept.table, kept.future, cut, horizon, settings)
    # On the fast path the next weeks' spend is collected in the same streaming plan as
    # the inner features (one parse of a CSV instead of two); the plain path collects
    # its side queries on the in-memory engine, so there it keeps its own streaming pass.
    shared = not plain_path(None)
    side = [next_period_query(tables, cut, horizon)] if shared else []
    inner = compute_features(
        tables, table.features, cut, side=side, ids_distinct=table.ids_distinct
    )
    future = inner.side[0] if shared else next_period(tables, cut, horizon)[0]
    return split_from(inner, future, cut, horizon, settings)


def split_from(
    inner: FeatureTable, future: pl.DataFrame, cut: dt.date, horizon: int, settings: Settings
) -> InnerSplit | None:
    """The split from the features at the inner cut (``inner``) and each customer's
    ``next_spend`` from it (``future``: CustomerID, next_spend and next_bought or
    next_purchase_days; absent customers spent nothing and did not buy), in ``settings``'
    space; None with 10 customers or fewer before the cut. Both engines build their
    split here, so they judge k by the same numbers."""
    from segtui.engine.clustering.space import fit_space

    # A filter copies each column: only those the split reads (at 1e7 customers the
    # whole inner table took 1.2 GB more).
    clustered = split_columns(inner).filter(pl.col("has_purchases"))
    if clustered.height <= 10:
        return None
    space, _warnings = fit_space(
        clustered,
        inner.features,
        scaling=settings.scaling,
        log=settings.log,
        categorical_weight=settings.categorical_weight,
    )
    joined = clustered.select("CustomerID").join(
        _bought(future), on="CustomerID", how="left", maintain_order="left"
    )
    spend = joined.get_column("next_spend").cast(pl.Float64).fill_null(0.0).to_numpy()
    # Bought again as the backtest counts it (backtest/score.py): a purchase line in the
    # horizon, not a return.
    bought = joined.get_column("bought").fill_null(False).to_numpy().astype(float)
    states = learn_states(clustered, bought, horizon)
    return InnerSplit(
        cut, horizon, space.transform(clustered), np.log1p(np.clip(spend, 0, None)), states
    )


def split_columns(inner: FeatureTable) -> pl.DataFrame:
    """``inner.frame`` with only the columns :func:`split_from` reads: the ids, whether
    each customer bought, the features (the space) and the learned states' columns."""
    from segtui.engine.segments.tiers import STATE_COLUMNS

    needed = {"CustomerID", "has_purchases", *inner.features, *STATE_COLUMNS}
    return inner.frame.select(c for c in inner.frame.columns if c in needed)


def _bought(future: pl.DataFrame) -> pl.DataFrame:
    """CustomerID, next_spend and ``bought`` from a future frame: the run's own pass and
    Spark give ``next_bought``, ``next_period`` its purchase days."""
    if "next_bought" in future.columns:
        bought = pl.col("next_bought")
    else:
        bought = pl.col("next_purchase_days") > 0
    return future.select("CustomerID", "next_spend", bought.alias("bought"))


def learned_states(table: FeatureTable) -> RepeatStates | None:
    """The activity rule's learned states kept with ``table``'s inner split (any space:
    the states do not depend on it), or None when the run computed no split."""
    for split in table.inner_splits.values():
        if split is not None and split.repeat_states is not None:
            states: RepeatStates = split.repeat_states
            return states
    return None


def inner_eta_squared(split: InnerSplit, k: int, *, seed: int, n_init: int) -> float:
    """Eta squared of the inner horizon's log(1 + spend) by K-Means with ``k`` segments
    on the inner matrix (NaN when there are too few customers for k).

    Fitted like the sweep's own rows: above ``SWEEP_FIT_SAMPLE`` inner customers on the
    same seeded sample of that size, every inner customer then assigned to its nearest
    centre. At or below it (every real log measured in docs/backtest-measurements.md:
    at most 23,570 customers) the fit is on all of them, as before. A full-data fit per k
    took 40% of the sweep's CPU at 1e6 customers (py-spy, docs/performance.md).
    Each fit makes at most ``INNER_N_INIT`` restarts of the run's ``n_init`` (config.py).
    """
    from segtui.config import INNER_N_INIT, SWEEP_FIT_SAMPLE
    from segtui.engine.clustering.scores import assign, eta_squared
    from segtui.engine.clustering.stability import fit_centers, sample_rows

    n = split.matrix.shape[0]
    if n <= k:
        return float("nan")
    rows = sample_rows(n, SWEEP_FIT_SAMPLE, [seed, 3])
    n_init = min(n_init, INNER_N_INIT)
    if rows.shape[0] < n:
        _labels, centers = fit_centers(split.matrix[rows], k, seed=seed, n_init=n_init)
        labels = assign(split.matrix, centers)
    else:
        labels, _centers = fit_centers(split.matrix, k, seed=seed, n_init=n_init)
    value = eta_squared(split.next_log_spend, labels)
    return float("nan") if value is None else value

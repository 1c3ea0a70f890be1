"""The Polars engine's clustering of a feature table: space, k, K-Means, scores and
stability on one machine, then the shared finishing steps (``finish.py``).

The Spark engine calls :func:`cluster` too when the customers fit on its driver.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import polars as pl

from segtui.config import Settings
from segtui.engine.clustering import diagnostics, stability, sweep
from segtui.engine.clustering import kmeans as clustering
from segtui.engine.clustering.inner_split import InnerSplit
from segtui.engine.clustering.scores import Metrics, metrics
from segtui.engine.clustering.space import fit_space
from segtui.engine.errors import InputError, OptionError
from segtui.engine.features.compute import FeatureTable
from segtui.engine.finish import clustered_rows, finish, profile
from segtui.engine.result import Progress, SegmentationResult
from segtui.engine.segments.explain import explain
from segtui.engine.timing import timed
from segtui.settings_table import MAX_SEED, ROW

# More restarts than this is a typo (it would run for hours), not a setting.
MAX_N_INIT = int(ROW["n_init"].hi or 0)


def validate_settings(settings: Settings) -> None:
    """Check option values that need no data; raises OptionError."""
    from segtui.config import LOG_MODES, METHODS, SCALINGS

    if settings.method not in METHODS:
        raise OptionError(
            f"unknown method {settings.method!r}", hint=f"use one of {', '.join(METHODS)}"
        )

    if settings.scaling not in SCALINGS:
        raise OptionError(
            f"unknown scaling {settings.scaling!r}", hint=f"use one of {', '.join(SCALINGS)}"
        )
    if settings.log not in LOG_MODES:
        raise OptionError(f"unknown log mode {settings.log!r}", hint="use auto, on or off")
    if isinstance(settings.k, str):
        from segtui.config import AUTO_K

        if settings.k != AUTO_K:
            raise OptionError("k must be a whole number or 'auto'", value=settings.k)
    elif settings.k < 2:
        raise OptionError(f"k must be at least 2 (got {settings.k})")
    if settings.n_init < 1:
        raise OptionError(f"n-init must be at least 1 (got {settings.n_init})")
    if settings.n_init > MAX_N_INIT:
        raise OptionError(f"n-init must be at most {MAX_N_INIT} (got {settings.n_init})")
    if not ROW["seed"].in_bounds(settings.seed):
        raise OptionError(f"seed must be between 0 and {MAX_SEED} (got {settings.seed})")
    if settings.as_of is not None:
        from segtui.engine.io.dates import check_date_bounds

        check_date_bounds(settings.as_of, "as-of")


def cluster(
    table: FeatureTable,
    settings: Settings,
    source_label: str,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
    inner: InnerSplit | None = None,
) -> SegmentationResult:
    """Cluster an already computed feature table. Returns the full result.

    ``inner``: ``--k auto``'s inner time split, fitted with these settings' space
    (``pipeline.run`` computes it); without one k is chosen on the sweep alone.
    Native thread pools run single-threaded throughout (see :func:`single_threaded_native`),
    for every caller: ``run``, the workbench's re-clustering and the Spark path's finish."""
    timings = timings if timings is not None else {}
    with timed(timings, "sklearn_import"):
        # The wait for scikit-learn (preload_sklearn imports it beside the reading).
        import sklearn.cluster  # noqa: F401
    with single_threaded_native():
        return _cluster(
            table, settings, source_label, progress=progress, timings=timings, inner=inner
        )


def _cluster(
    table: FeatureTable,
    settings: Settings,
    source_label: str,
    *,
    progress: Progress | None,
    timings: dict[str, float] | None,
    inner: InnerSplit | None,
) -> SegmentationResult:
    step = progress or (lambda _stage: None)
    timings = timings if timings is not None else {}
    started = time.perf_counter()
    features = table.features
    frame = table.frame
    clustered = clustered_rows(frame, features)
    if clustered.height == 0:
        # Every customer is "No purchases" or a net returner (e.g. a numbering read as
        # cancellations): nothing to cluster, a user error rather than numpy's.
        raise InputError(
            f"no customer to segment: none of the {frame.height:,} customers has a purchase "
            "that their returns leave standing",
            file=source_label,
            hint="check --returns and --cancelled-ids (order ids read as cancellations?), "
            "or the as-of date",
        )
    step("Clustering")
    with timed(timings, "space"):
        space, space_warnings = fit_space(
            clustered,
            features,
            scaling=settings.scaling,
            log=settings.log,
            categorical_weight=settings.categorical_weight,
        )
        X = space.transform(clustered)
    cells: list[str] | None = None
    if settings.method == "rfm":  # the grid's cells, not a clustering: k is the cells used
        from segtui.engine.segments.rfm_cells import rfm_clustering

        fitted, cells = rfm_clustering(clustered, X)
        k, k_sweep = len(cells), None
    else:
        with timed(timings, "k_choice"):
            k, k_sweep = sweep.choose_k(X, settings, progress=step, inner=inner)
        clustering.check_k(k, X)
        spend = clustered.get_column("total_spend").cast(pl.Float64).to_numpy()
        with timed(timings, "kmeans"):
            fitted = clustering.order_by(
                clustering.kmeans(X, k, seed=settings.seed, n_init=settings.n_init), spend
            )
    timings["clustering"] = time.perf_counter() - started
    scoring_started = time.perf_counter()
    step("Scoring")
    # The scores and the stability check (numpy and scikit-learn on the matrix) run in a
    # worker thread while this thread profiles the segments (Polars and numpy on the
    # feature table): both release the GIL, so on two cores they overlap. Each part is
    # deterministic on its own, so the results do not depend on the overlap.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="segtui-scores") as pool:
        scored = pool.submit(_scores_and_stability, X, fitted.labels, k, settings, k_sweep)
        step("Profiling")
        profiled = profile(table, clustered, fitted.labels, settings, space)
        if cells is not None:
            from segtui.engine.segments.rfm_cells import name_cells

            profiled.segments = name_cells(profiled.profiles, profiled.segments, cells)
        separation = diagnostics.separation(space, X, fitted.labels)
        step("Checking stability")
        scores, (stable, stability_warnings) = scored.result()
    # Scores and stability run beside the profiles: one step, their common wall time.
    timings["scores_profiles"] = time.perf_counter() - scoring_started
    timings["total"] = (
        time.perf_counter()
        - started
        + timings.get("inspection", 0.0)
        + timings.get("features", 0.0)
    )
    result = finish(
        profiled,
        table,
        fitted.labels,
        settings,
        source_label,
        space=space,
        space_warnings=space_warnings,
        scores=scores,
        centers=fitted.centers,
        matrix=X,
        timings=timings,
        extra_diagnostics={"separation": separation, "stability": stable},
        extra_warnings=stability_warnings,
    )
    result.k_selection = k_sweep.to_dict() if k_sweep is not None else None
    if settings.like is not None:
        from segtui.engine.models.like import apply_like
        from segtui.engine.models.model import load_model

        apply_like(result, load_model(settings.like), clustered)
    step("Explaining")
    with timed(timings, "explanation"):
        result.explanation = explain(
            clustered, result.labels, result.profiles, features, settings.seed
        )
    return result


def _scores_and_stability(
    X: np.ndarray,
    labels: np.ndarray,
    k: int,
    settings: Settings,
    k_sweep: sweep.SweepResult | None,
) -> tuple[Metrics, tuple[dict[str, Any], list[str]]]:
    """The quality metrics of ``labels`` and the stability check of ``k``."""
    scores = metrics(X, labels, seed=settings.seed, silhouette_sample=settings.silhouette_sample)
    if settings.method == "rfm":  # cells by rule: resampling K-Means says nothing of them
        return scores, ({"k": k, "stability": None, "method": RFM_STABILITY}, [])
    return scores, trust_checks(X, k, settings, k_sweep)


RFM_STABILITY = "not measured: --method rfm assigns the grid's cells by rule"


def trust_checks(
    X: np.ndarray, k: int, settings: Settings, k_sweep: sweep.SweepResult | None
) -> tuple[dict[str, Any], list[str]]:
    """Stability of the chosen k (taken from the sweep when there was one: same plan,
    same value) as the ``diagnostics.stability`` entry, plus its warnings."""
    from segtui.engine.clustering.threads import one_thread

    plan = stability.make_plan(X.shape[0], seed=settings.seed, n_init=settings.n_init)
    if k_sweep is not None:
        value = k_sweep.row(k).stability
    else:
        with one_thread():  # small fits: threads cost more than they save
            value = stability.stability(X, k, plan)
    return diagnostics.stability_check(value, k, plan.describe())


@contextlib.contextmanager
def single_threaded_native() -> Iterator[None]:
    """Run the block with BLAS (OpenBLAS/MKL) and OpenMP (scikit-learn's K-Means) on one
    thread each.

    The clustering matrices are narrow (a dozen columns), so native threads gain nothing:
    idle OpenBLAS threads busy-wait for work, and measured a ninth of all CPU time of a
    1e7-transaction run. K-Means' OpenMP threads cost more in start-up and spinning than
    they save on such matrices: the ten restarts on the 50,000-row sample of a Pareto
    1e7 run took 0.32 s on one thread and 4.7 s wall (3.2 s CPU) on two, on a busy 2-core
    machine. The scores thread that runs beside the profiling gets the second core.
    The sweep and the stability check were already limited the same way.

    scikit-learn is imported first: threadpoolctl limits only the native libraries
    already loaded, and K-Means' OpenMP runtime loads with ``sklearn.cluster``. Entered
    before it, the first fit ran on every core, and the model's centroids differed in
    their last digits from a run with OMP_NUM_THREADS=1 (the sums' order changes).
    """
    from segtui.engine.clustering.threads import one_thread

    with one_thread():  # imports sklearn.cluster first (the OpenMP runtime it must reach)
        yield

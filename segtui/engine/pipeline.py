"""``run(settings) -> SegmentationResult``: the single entry point both faces call.

source -> tables -> features -> clustering space -> K-Means -> metrics -> profiles.
:func:`run_engine` picks the engine (Polars on one machine, or Spark) from the settings;
the steps live in ``features/load.py``, ``cluster_run.py`` and ``finish.py``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from segtui.config import Settings
from segtui.engine.cluster_run import (
    MAX_N_INIT,
    cluster,
    single_threaded_blas,
    trust_checks,
    validate_settings,
)
from segtui.engine.features.compute import FeatureTable
from segtui.engine.features.fastpath import preload_sklearn
from segtui.engine.features.load import load_features
from segtui.engine.finish import clustered_rows, segments_frame
from segtui.engine.io.tables import Tables
from segtui.engine.result import Progress, SegmentationResult

if TYPE_CHECKING:
    from segtui.engine.spark import SparkOptions

# Kept importable from here, where the faces and tests always found them.
__all__ = [
    "MAX_N_INIT",
    "Progress",
    "SegmentationResult",
    "cluster",
    "clustered_rows",
    "load_features",
    "run",
    "run_engine",
    "segment",
    "segments_frame",
    "single_threaded_blas",
    "trust_checks",
    "validate_settings",
]


def segment(
    source: Path | str | None = None,
    *,
    k: int | str = Settings.k,
    features: Sequence[str] | str | None = None,
    scaling: str = Settings.scaling,
    log: bool = Settings.log,
    seed: int = Settings.seed,
    n_init: int = Settings.n_init,
    as_of: dt.date | str | None = None,
    categorical_weight: float | str = Settings.categorical_weight,
    mapping: dict[str, str] | None = None,
    returns: str = Settings.returns,
    rfm: bool = False,
    progress: Progress | None = None,
) -> SegmentationResult:
    """Segment the customers of ``source`` (a folder, a single transaction log file, or
    None = bundled sample data).

    ``features`` is a list of names or a comma-separated string; ``k`` may be "auto"
    (chosen by a sweep, recorded in ``result.k_selection``); ``mapping`` names a
    log's columns (keys as the ``[mapping]`` table: ``customer_col``...). Returns a
    :class:`SegmentationResult`; raises :class:`~segtui.engine.errors.SegtuiError` for
    problems the user can fix.
    """
    if isinstance(features, str):
        features = [f for f in features.split(",")]
    if isinstance(as_of, str):
        from segtui.engine.io.dates import parse_date_option

        as_of = parse_date_option(as_of)
    settings = Settings(
        source=Path(source) if source is not None else None,
        k=k,
        features=tuple(features) if features is not None else Settings.features,
        scaling=scaling,
        log=log,
        seed=seed,
        n_init=n_init,
        as_of=as_of,
        categorical_weight=categorical_weight,
        mapping=tuple(sorted((mapping or {}).items())),
        returns=returns,
        rfm=rfm,
    )
    return run(settings, progress=progress)


def run(
    settings: Settings,
    *,
    progress: Progress | None = None,
    tables: Tables | None = None,
    feature_table: FeatureTable | None = None,
) -> SegmentationResult:
    """Run the whole pipeline for ``settings``.

    ``tables``/``feature_table`` may be passed to reuse work (the UI re-clusters without
    re-reading when only clustering options change).
    """
    step = progress or (lambda _stage: None)
    timings: dict[str, float] = {}
    validate_settings(settings)
    started = time.perf_counter()
    if feature_table is None:
        preload_sklearn()  # overlaps the scikit-learn import with reading
        tables, feature_table = load_features(settings, tables=tables, progress=step)
        timings["features"] = time.perf_counter() - started
    source_label = tables.label if tables is not None else str(settings.source)
    with single_threaded_blas():
        result = cluster(feature_table, settings, source_label, progress=step, timings=timings)
    if tables is not None:
        result.input_files = [spec.path for spec in tables.files.values()]
    return result


def run_engine(
    settings: Settings,
    spark: SparkOptions | None = None,
    *,
    progress: Progress | None = None,
) -> SegmentationResult:
    """Run ``settings`` on the engine they ask for: Spark when ``spark`` options are given
    (``--engine spark``), else the Polars engine. The one place the choice is made."""
    if spark is not None:
        from segtui.engine.spark.pipeline import run_spark

        return run_spark(settings, spark, progress=progress)
    return run(settings, progress=progress)

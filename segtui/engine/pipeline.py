"""``run(settings) -> SegmentationResult``: the engine's entry for a segmentation, which the
three faces (CLI, workbench, Python API) reach through :mod:`segtui.engine`.

source -> tables -> features -> clustering space -> K-Means -> metrics -> profiles.
:func:`run_engine`, :func:`sweep_engine` and :func:`assign_engine` pick the engine
(Polars on one machine, or Spark) from the options: the one place that choice is made;
the steps live in ``features/load.py``, ``cluster_run.py`` and ``finish.py``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from segtui.config import Settings, log_mode
from segtui.engine.cluster_run import (
    MAX_N_INIT,
    cluster,
    trust_checks,
    validate_settings,
)
from segtui.engine.features.compute import FeatureTable
from segtui.engine.features.fastpath import preload_sklearn
from segtui.engine.features.load import load_features
from segtui.engine.finish import clustered_rows, segments_frame
from segtui.engine.io.tables import Tables
from segtui.engine.result import Progress, SegmentationResult
from segtui.engine.timing import timed

if TYPE_CHECKING:
    from segtui.engine.clustering.sweep import SweepResult
    from segtui.engine.models.assign import AssignResult
    from segtui.engine.models.model import SegmentModel
    from segtui.engine.spark import SparkOptions

# Kept importable from here, where the faces and tests always found them.
__all__ = [
    "MAX_N_INIT",
    "Progress",
    "SegmentationResult",
    "cluster",
    "clustered_rows",
    "load_features",
    "replay",
    "run",
    "assign_engine",
    "run_engine",
    "sweep_engine",
    "segment",
    "segments_frame",
    "trust_checks",
    "validate_settings",
]


def segment(
    source: Path | str | None = None,
    *,
    k: int | str = Settings.k,
    features: Sequence[str] | str | None = None,
    scaling: str = Settings.scaling,
    log: str | bool = Settings.log,
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
        log=log_mode(log),
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
    with timed(timings, "checks"):
        validate_settings(settings)
        from segtui.engine.value.options import check_options

        check_options(settings)
    if feature_table is None:
        preload_sklearn()  # overlaps the scikit-learn import with reading
        tables, feature_table = load_features(
            settings, tables=tables, progress=step, timings=timings
        )
    source_label = tables.label if tables is not None else str(settings.source)
    inner = None
    if settings.method != "rfm":
        # Every K-Means run makes the split: the activity rule learns its states there
        # whatever k is, so --k N names segments by the same rule as --k auto.
        from segtui.engine.clustering.inner_split import cached_inner_split, split_key

        kept = split_key(settings) in feature_table.inner_splits
        inner_started = time.perf_counter()
        inner = cached_inner_split(tables, feature_table, settings, step)
        if not kept and tables is not None:
            timings["inner_split"] = time.perf_counter() - inner_started
    files = [spec.path for spec in tables.files.values()] if tables is not None else []
    value_timings: dict[str, float] = {}
    side = feature_table.side[0] if feature_table.side else None  # what --clv collected
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="segtui-beside") as pool:
        # The manifest hashes the input files while the clustering runs (hashlib
        # releases the GIL), so the digest costs no wall time on a second core.
        from segtui.engine.output.manifest import build_manifest

        manifest = pool.submit(build_manifest, settings, files)
        # With --clv the value models need no segments: they are fitted on the core the
        # single-threaded clustering leaves free (bench/bench_clv.py).
        modelled = None
        models = feature_table.value_models.get(value_key(settings)) if settings.clv else None
        if settings.clv and tables is not None and models is None:
            from segtui.engine.value.predict import model_value

            modelled = pool.submit(
                model_value,
                tables,
                feature_table.as_of,
                settings,
                value_timings,
                side,
                feature_table.frame.get_column("CustomerID"),
            )
        result = cluster(
            feature_table, settings, source_label, progress=step, timings=timings, inner=inner
        )
        result.manifest = manifest.result()
        if modelled is not None:
            models = feature_table.value_models[value_key(settings)] = modelled.result()
    result.input_files = files
    if settings.clv:
        from segtui.engine.value.attach import add_value

        if tables is None:  # a caller that passed only a feature table
            from segtui.engine.io.sources import load_source

            tables = load_source(settings.source, settings.mapping_dict(), returns=settings.returns)
        step("Fitting the value models")
        value_started = time.perf_counter()
        add_value(result, tables, side, models)
        # "value": the wall time the value step adds after the clustering; its parts
        # (value_*) include the fits made beside it.
        result.timings.update(value_timings)
        result.timings["value"] = time.perf_counter() - value_started
        result.timings["total"] += result.timings["value"]
    return result


def value_key(settings: Settings) -> tuple[object, ...]:
    """The settings the value models depend on besides the feature table's source and
    as-of date: the key of ``FeatureTable.value_models``."""
    return (settings.horizon_days, settings.discount_rate, settings.holdout_end)


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


def sweep_engine(
    settings: Settings,
    spark: SparkOptions | None,
    k_min: int,
    k_max: int,
    *,
    progress: Progress | None = None,
) -> SweepResult:
    """The k sweep on the engine the settings ask for (features by Spark when ``spark``
    is given; the sweep itself always runs on one machine)."""
    if spark is not None:
        from segtui.engine.spark.driver_tasks import sweep_spark

        return sweep_spark(settings, spark, k_min, k_max, progress=progress)
    from segtui.engine.clustering.sweep import sweep

    return sweep(None, settings, k_min, k_max, progress=progress)


def assign_engine(
    model: SegmentModel,
    source: Path | str | None,
    spark: SparkOptions | None,
    *,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    mapping_overrides: Mapping[str, str | None] | None = None,
    returns: str | None = None,
) -> AssignResult:
    """Assign ``source``'s customers to ``model``'s segments on the chosen engine."""
    if spark is not None:
        from segtui.engine.spark.driver_tasks import assign_spark

        return assign_spark(
            model,
            source,
            spark,
            as_of=as_of,
            progress=progress,
            mapping_given=any(v is not None for v in (mapping_overrides or {}).values()),
            returns=returns,
        )
    from segtui.engine.models.assign import assign

    return assign(
        model,
        source,
        as_of=as_of,
        progress=progress,
        mapping_overrides=mapping_overrides,
        returns=returns,
    )


def replay(summary_path: Path | str, *, progress: Progress | None = None) -> SegmentationResult:
    """Rerun the run recorded in ``summary_path``'s manifest; InputError (before any
    clustering) when the input data or the ``--like`` model changed."""
    from segtui.engine.errors import InputError
    from segtui.engine.output.manifest import check_same, read_manifest, settings_from_record

    origin = Path(summary_path)
    manifest = read_manifest(origin)
    settings = settings_from_record(manifest.get("settings") or {})
    if settings.like is not None:
        if not Path(settings.like).is_file():
            raise InputError("the --like model of the recorded run is gone", file=settings.like)
        check_same(manifest.get("like_model"), [Path(settings.like)], "the --like model", origin)
    tables, table = load_features(settings, progress=progress)
    check_same(
        manifest.get("input"), [spec.path for spec in tables.files.values()], "input data", origin
    )
    return run(settings, progress=progress, tables=tables, feature_table=table)

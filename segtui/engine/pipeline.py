"""``run(settings) -> SegmentationResult``: the single entry point both faces call.

source -> tables -> features -> clustering space -> K-Means -> metrics -> profiles.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from segtui import __version__
from segtui.config import Settings
from segtui.engine.clustering import diagnostics, stability, sweep
from segtui.engine.clustering import kmeans as clustering
from segtui.engine.clustering.kmeans import Clustering, Metrics
from segtui.engine.clustering.space import SpaceSpec, fit_space
from segtui.engine.errors import OptionError
from segtui.engine.features.compute import (
    NO_PURCHASES,
    FeatureTable,
    compute_features,
    feature_kind,
)
from segtui.engine.features.fastpath import preload_sklearn
from segtui.engine.io.availability import drop_unavailable_defaults
from segtui.engine.io.sources import Tables, load_source
from segtui.engine.output.writers import write_frame, write_summary
from segtui.engine.segments.profiles import SegmentProfile, build_profiles

Progress = Callable[[str], None]
# More restarts than this is a typo (it would run for hours), not a setting.
MAX_N_INIT = 1000


@dataclass
class SegmentationResult:
    """Everything a run produced. ``segments`` is the segments file as a DataFrame."""

    settings: Settings
    source: str
    features: list[str]
    as_of: dt.date
    segments: pl.DataFrame
    profiles: list[SegmentProfile]
    metrics: Metrics
    space: SpaceSpec
    centers: np.ndarray
    matrix: np.ndarray
    labels: np.ndarray
    feature_table: FeatureTable
    diagnostics: dict[str, Any]
    warnings: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    # The files the run read (for the model file's input hash); empty when unknown.
    input_files: list[Path] = field(default_factory=list)
    # With k = "auto": the sweep that chose k (rows, recommended_k, rule); else None.
    k_selection: dict[str, Any] | None = None
    # Which engine and clustering path produced this result (the Spark engine sets it).
    execution: dict[str, Any] = field(
        default_factory=lambda: {"engine": "polars", "clustering_path": "scikit-learn"}
    )
    # With --clv: the value models' facts, per-segment CLV and stages (engine/value/).
    value: dict[str, Any] | None = None

    @property
    def k(self) -> int:
        return self.centers.shape[0]

    @property
    def n_customers(self) -> int:
        return self.segments.height

    @property
    def n_clustered(self) -> int:
        return int(self.labels.shape[0])

    def summary(self) -> dict[str, Any]:
        """The run summary as plain JSON-ready data (the ``--summary``/``--json`` document)."""
        no_purchases = self.n_customers - self.n_clustered
        return {
            "version": __version__,
            "source": self.source,
            "k": self.k,
            "n_customers": self.n_customers,
            "n_clustered": self.n_clustered,
            "as_of": self.as_of.isoformat(),
            "features": self.features,
            "engine": self.execution.get("engine", "polars"),
            "clustering_path": self.execution.get("clustering_path", "scikit-learn"),
            "params": self.settings.params() | {"features": self.features},
            "metrics": self.metrics.to_dict(),
            "segments": [
                {
                    "id": p.id,
                    "name": p.name,
                    "size": p.size,
                    "share": p.share,
                    "revenue_share": p.revenue_share,
                    "means": p.means,
                    "medians": p.medians,
                    "z": p.z,
                    "evidence": p.evidence,
                    "description": p.description,
                    "action": p.action,
                    "mix": p.mix,
                }
                | self._segment_value(p.id)
                for p in self.profiles
            ],
            "no_purchases": {"id": -1, "name": NO_PURCHASES, "size": no_purchases},
            "data_quality": self.feature_table.data_quality,
            "diagnostics": self.diagnostics,
            "warnings": self.warnings,
            "k_selection": self.k_selection,
        } | ({"clv": self.value} if self.value is not None else {})

    def _segment_value(self, segment_id: int) -> dict[str, Any]:
        """A segment's mean/total CLV and mean P(alive) with --clv (else nothing)."""
        for row in (self.value or {}).get("segments", []):
            if row["id"] == segment_id:
                return {k: row[k] for k in ("mean_clv", "total_clv", "mean_p_alive")}
        return {}

    def write(
        self,
        out: Path | str | None = None,
        summary: Path | str | None = None,
        *,
        force: bool = False,
        raw_csv: bool = False,
    ) -> list[Path]:
        """Write the segments file and/or the summary exactly as ``segtui run`` does.

        Returns the absolute paths written (stdout is not listed).
        """
        written: list[Path] = []
        if out is not None:
            path = write_frame(self.segments, out, force=force, raw_csv=raw_csv)
            if path is not None:
                written.append(path)
        if summary is not None:
            written.append(write_summary(self.summary(), summary, force=force))
        return written


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


def validate_settings(settings: Settings) -> None:
    """Check option values that need no data; raises OptionError."""
    from segtui.config import SCALINGS

    if settings.scaling not in SCALINGS:
        raise OptionError(
            f"unknown scaling {settings.scaling!r}", hint=f"use one of {', '.join(SCALINGS)}"
        )
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
    if not 0 <= settings.seed < 2**32:
        raise OptionError(f"seed must be between 0 and {2**32 - 1} (got {settings.seed})")


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
    from segtui.engine.value.predict import check_options

    check_options(settings)
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
    if settings.clv:
        from segtui.engine.value.attach import add_value

        if tables is None:  # a caller that passed only a feature table
            tables = load_source(settings.source, settings.mapping_dict(), returns=settings.returns)

        step("Fitting the value models")
        value_started = time.perf_counter()
        add_value(result, tables)
        result.timings["value"] = time.perf_counter() - value_started
        result.timings["total"] += result.timings["value"]
    return result


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the block with BLAS (OpenBLAS/MKL) on one thread.

    The clustering matrices are narrow (a dozen columns), so BLAS threads gain nothing;
    idle OpenBLAS threads busy-wait for work instead, and measured a ninth of all CPU
    time of a 1e7-transaction run, taken from the Polars and scikit-learn (OpenMP)
    threads that do the work. Results do not depend on BLAS's thread count.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def load_features(
    settings: Settings, *, tables: Tables | None = None, progress: Progress | None = None
) -> tuple[Tables, FeatureTable]:
    """Read ``settings.source`` (with its mapping and returns rule) unless ``tables`` is
    given, and compute ``settings.features``. Returns the tables and the feature table."""
    step = progress or (lambda _stage: None)
    step("Reading data")
    tables = tables or load_source(
        settings.source, settings.mapping_dict(), returns=settings.returns
    )
    step("Computing features")
    requested, notes = drop_unavailable_defaults(settings.features, tables)
    feature_table = compute_features(tables, requested, settings.as_of)
    feature_table.warnings[:0] = notes
    return tables, feature_table


def cluster(
    table: FeatureTable,
    settings: Settings,
    source_label: str,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> SegmentationResult:
    """Cluster an already computed feature table. Returns the full result."""
    step = progress or (lambda _stage: None)
    timings = timings if timings is not None else {}
    started = time.perf_counter()
    features = table.features
    frame = table.frame
    clustered = clustered_rows(frame, features)
    step("Clustering")
    space, space_warnings = fit_space(
        clustered,
        features,
        scaling=settings.scaling,
        log=settings.log,
        categorical_weight=settings.categorical_weight,
    )
    X = space.transform(clustered)
    k, k_sweep = sweep.choose_k(X, settings, progress=step)
    clustering.check_k(k, X)
    spend = clustered.get_column("total_spend").cast(pl.Float64).to_numpy()
    fitted: Clustering = clustering.order_by(
        clustering.kmeans(X, k, seed=settings.seed, n_init=settings.n_init), spend
    )
    timings["clustering"] = time.perf_counter() - started
    step("Scoring")
    # The scores and the stability check (numpy and scikit-learn on the matrix) run in a
    # worker thread while this thread profiles the segments (Polars and numpy on the
    # feature table): both release the GIL, so on two cores they overlap. Each part is
    # deterministic on its own, so the results do not depend on the overlap.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="segtui-scores") as pool:
        scored = pool.submit(_scores_and_stability, X, fitted.labels, k, settings, k_sweep)
        step("Profiling")
        profiles = build_profiles(clustered, fitted.labels, features)
        dominance_rows, dominance_warnings = diagnostics.dominance(
            clustered, fitted.labels, features
        )
        skew, skew_warnings = diagnostics.skewness(clustered, features, settings.log)
        segments = segments_frame(frame, clustered, fitted.labels, profiles, features)
        separation = diagnostics.separation(space, X, fitted.labels)
        step("Checking stability")
        scores, (stable, stability_warnings) = scored.result()
    sizes = [p.size for p in profiles]
    diag = {
        "dominance": dominance_rows,
        "separation": separation,
        "stability": stable,
        "skewness": skew,
    }
    warnings = (
        table.warnings
        + space_warnings
        + dominance_warnings
        + diagnostics.small_segments(sizes)
        + skew_warnings
        + stability_warnings
    )
    if settings.rfm:
        from segtui.engine.features.rfm import add_rfm

        segments = add_rfm(segments, frame)
    timings["total"] = time.perf_counter() - started + timings.get("features", 0.0)
    return SegmentationResult(
        settings=settings.replace(features=tuple(features)),
        source=source_label,
        features=features,
        as_of=table.as_of,
        segments=segments,
        profiles=profiles,
        metrics=scores,
        space=space,
        centers=fitted.centers,
        matrix=X,
        labels=fitted.labels,
        feature_table=table,
        diagnostics=diag,
        warnings=warnings,
        timings=timings,
        k_selection=k_sweep.to_dict() if k_sweep is not None else None,
    )


def clustered_rows(frame: pl.DataFrame, features: list[str]) -> pl.DataFrame:
    """The customers with purchases, with only the columns clustering, profiles and
    diagnostics read: the filter copies what it keeps (at ten million customers this cut
    the profiling step's peak from 5.9 to 5.3 GB). No copy when all have purchases."""
    from segtui.engine.clustering.diagnostics import MONEY_FEATURES
    from segtui.engine.segments.profiles import CORE_PROFILE

    wanted = {"CustomerID", "Region", "total_spend", *features, *CORE_PROFILE, *MONEY_FEATURES}
    columns = [c for c in frame.columns if c in wanted]
    has = frame.get_column("has_purchases")
    if has.null_count() == 0 and bool(has.all()):
        return frame.select(columns)
    return frame.select(columns).filter(has.fill_null(False))


def _scores_and_stability(
    X: np.ndarray,
    labels: np.ndarray,
    k: int,
    settings: Settings,
    k_sweep: sweep.SweepResult | None,
) -> tuple[Metrics, tuple[dict[str, Any], list[str]]]:
    """The quality metrics of ``labels`` and the stability check of ``k``."""
    scores = clustering.metrics(
        X, labels, seed=settings.seed, silhouette_sample=settings.silhouette_sample
    )
    return scores, trust_checks(X, k, settings, k_sweep)


def trust_checks(
    X: np.ndarray, k: int, settings: Settings, k_sweep: sweep.SweepResult | None
) -> tuple[dict[str, Any], list[str]]:
    """Stability of the chosen k (taken from the sweep when there was one: same plan,
    same value) as the ``diagnostics.stability`` entry, plus its warnings."""
    from threadpoolctl import threadpool_limits

    plan = stability.make_plan(X.shape[0], seed=settings.seed, n_init=settings.n_init)
    if k_sweep is not None:
        value = k_sweep.row(k).stability
    else:
        with threadpool_limits(limits=1):  # small fits: threads cost more than they save
            value = stability.stability(X, k, plan)
    return diagnostics.stability_check(value, k, plan.describe())


def segments_frame(
    frame: pl.DataFrame,
    clustered: pl.DataFrame,
    labels: np.ndarray,
    profiles: list[SegmentProfile],
    features: list[str],
) -> pl.DataFrame:
    """The segments file: CustomerID, segment, segment_name, features, CustomerName, Region.

    Every customer appears once, sorted by CustomerID; customers without purchases get
    segment -1 and the name "No purchases".
    """
    names = {p.id: p.name for p in profiles}
    has = frame.get_column("has_purchases").fill_null(False)
    ids = clustered.get_column("CustomerID")
    in_order = int(has.sum()) == clustered.height and (
        frame.filter(has).get_column("CustomerID").equals(ids)
    )
    if in_order:
        # ``clustered`` is ``frame``'s customers with purchases in frame order (the usual
        # case): scatter the labels by position instead of joining a million string ids.
        segment = np.full(frame.height, -1, dtype=np.int64)
        segment[has.to_numpy()] = labels
        out = frame.with_columns(pl.Series("segment", segment))
    else:
        assigned = pl.DataFrame({"CustomerID": ids, "segment": pl.Series(labels, dtype=pl.Int64)})
        out = frame.join(assigned, on="CustomerID", how="left").with_columns(
            pl.col("segment").fill_null(-1)
        )
    out = out.with_columns(
        pl.col("segment")
        .replace_strict(list(names) + [-1], list(names.values()) + [NO_PURCHASES])
        .alias("segment_name")
    )
    feature_columns = [
        pl.col(f).cast(pl.String) if feature_kind(f) == "categorical" else pl.col(f)
        for f in features
    ]
    extras = [c for c in ("CustomerName", "Region") if c in out.columns]
    return out.select(
        pl.col("CustomerID"), pl.col("segment"), pl.col("segment_name"), *feature_columns, *extras
    ).sort("CustomerID")

"""Reading a source and computing its features: the first half of every run."""

from __future__ import annotations

import polars as pl

from segtui.config import Settings
from segtui.engine.features.availability import drop_unavailable_defaults
from segtui.engine.features.compute import FeatureTable, compute_features
from segtui.engine.features.fastpath import plain_path
from segtui.engine.features.inner_pass import plan_window
from segtui.engine.io.resources import check_memory, wants_batches
from segtui.engine.io.sources import load_source
from segtui.engine.io.tables import Tables
from segtui.engine.result import Progress
from segtui.engine.timing import timed
from segtui.engine.value.summary import calibration_query, purchase_rows_query


def load_features(
    settings: Settings,
    *,
    tables: Tables | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
    inner: bool | None = None,
) -> tuple[Tables, FeatureTable]:
    """Read ``settings.source`` (with its mapping and returns rule) unless ``tables`` is
    given, and compute ``settings.features``. Returns the tables and the feature table.

    ``inner``: an inner time split will be made (default: every K-Means run; it judges k
    under ``--k auto`` and gives the activity rule its learned states), so its figures
    are aggregated in the same pass over the file (``inner_pass.py``).

    ``timings`` (when given) receives ``inspection`` (finding and checking the source)
    and ``features`` (the one pass that reads the rows and aggregates them)."""
    step = progress or (lambda _stage: None)
    step("Reading data")
    with timed(timings, "inspection"):
        tables = tables or load_source(
            settings.source, settings.mapping_dict(), returns=settings.returns
        )
    if settings.clv:  # the value step's share of memory, before anything is read
        files = list(dict.fromkeys(spec.path for spec in tables.files.values()))  # a log once
        check_memory(files, tables.label, value_of=tables.files["transactions"].path)
    step("Computing features")
    requested, notes = drop_unavailable_defaults(settings.features, tables)
    # With --clv the value models' purchase-day figures are collected in the features'
    # plan: one parse of the file instead of a second pass after the clustering.
    side = [value_side_query(tables, settings)] if settings.clv else []
    if inner is None:
        # Every K-Means run: the activity rule's learned states come from the split
        # whatever k is (segments/tiers.py); --k auto also judges k by it.
        inner = settings.method != "rfm"
    with timed(timings, "features"):
        # The cut depends on the dates: planned from the date column's range (one column,
        # read once), checked against the finished table's.
        window = plan_window(tables, settings.as_of) if inner and not plain_path() else None
        feature_table = compute_features(tables, requested, settings.as_of, side=side, inner=window)
    feature_table.warnings[:0] = notes
    return tables, feature_table


def value_side_query(tables: Tables, settings: Settings) -> pl.LazyFrame:
    """The value models' query collected with the features: the purchase rows, reduced
    afterwards with numpy (``value/dense.py``, a tenth of the cost), or, on the plain path
    and for files large enough for batched aggregation (where holding every row would
    cost more memory than the group-by), the grouped ``calibration_query``."""
    spec = tables.files["transactions"]
    if plain_path() or wants_batches(spec.path, spec.is_parquet):
        return calibration_query(tables, settings.as_of)
    return purchase_rows_query(tables, settings.as_of)

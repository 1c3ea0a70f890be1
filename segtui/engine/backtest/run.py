"""``backtest(settings, at, horizon_days)``: segment the lines before a cut with the run's
settings, then judge the segments, and the two references, by the lines after it.

No line dated on or after ``at`` reaches the segmentation: the run is the ordinary
``pipeline.run`` with ``as_of = at``, whose features keep only lines before the as-of date
(``features/compute.py``), and the references are computed from that run's feature table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from segtui.config import Settings
from segtui.engine.backtest.future import next_period
from segtui.engine.backtest.references import kmeans4_labels, rfm_grid_labels
from segtui.engine.backtest.score import MethodScore, score_labels
from segtui.engine.errors import OptionError, plural
from segtui.engine.io.tables import Tables
from segtui.engine.result import Progress, SegmentationResult
from segtui.settings_table import ROW

DEFAULT_BACKTEST_HORIZON: int = ROW["horizon@backtest"].default
MAX_BACKTEST_HORIZON = int(ROW["horizon@backtest"].hi or 0)
# How reports name the three segmentations (docs/backtest.md describes the references).
TITLES = {"segtui": "segtui", "rfm_grid": "RFM R×F grid", "kmeans4": "K-Means k=4"}


@dataclass
class Backtest:
    """A backtest: the run on the lines before ``at`` and the scores of the next period."""

    at: dt.date
    horizon_days: int
    data_end: dt.date | None  # the last line on or after ``at`` (None: none)
    result: SegmentationResult  # the segmentation of the lines before ``at``
    scores: dict[str, MethodScore]  # "segtui", "rfm_grid", "kmeans4"
    new_customers: int  # bought in the horizon without a purchase before ``at``
    warnings: list[str] = field(default_factory=list)

    @property
    def end(self) -> dt.date:
        """The horizon's last day (inclusive)."""
        return self.at + dt.timedelta(days=self.horizon_days - 1)

    def to_dict(self) -> dict[str, Any]:
        """The ``backtest`` entry of the summary: JSON-ready."""
        return {
            "at": self.at.isoformat(),
            "horizon_days": self.horizon_days,
            "horizon_end": self.end.isoformat(),
            "data_end": self.data_end.isoformat() if self.data_end else None,
            "customers": self.scores["segtui"].customers,
            "new_customers_in_horizon": self.new_customers,
            "methods": {key: score.to_dict() for key, score in self.scores.items()},
            "warnings": self.warnings,
        }


def check_horizon(horizon_days: int) -> None:
    """Raise OptionError unless 1 <= horizon_days <= MAX_BACKTEST_HORIZON."""
    if isinstance(horizon_days, bool) or not 1 <= int(horizon_days) <= MAX_BACKTEST_HORIZON:
        raise OptionError(
            f"--horizon must be 1 to {MAX_BACKTEST_HORIZON} days (got {horizon_days})"
        )


def backtest(
    settings: Settings,
    at: dt.date,
    horizon_days: int = DEFAULT_BACKTEST_HORIZON,
    *,
    progress: Progress | None = None,
    tables: Tables | None = None,
) -> Backtest:
    """Segment the lines of ``settings.source`` dated before ``at`` with ``settings`` (its
    as-of date becomes ``at``), then score that segmentation, the RFM R x F grid and
    K-Means k = 4 on the purchases from ``at`` for ``horizon_days`` days. Raises
    OptionError for a bad horizon or a cut with nothing after it."""
    from segtui.engine.features.load import load_features
    from segtui.engine.pipeline import run

    check_horizon(horizon_days)
    step = progress or (lambda _stage: None)
    past = settings.replace(as_of=at)
    tables, table = load_features(past, tables=tables, progress=step)
    result = run(past, progress=step, tables=tables, feature_table=table)
    step("Reading the horizon")
    future, data_end = next_period(tables, at, horizon_days)
    if data_end is None:
        raise OptionError(
            f"no transaction is dated on or after --at {at}: there is no next period to "
            "judge the segments by",
            hint="choose an earlier --at date",
        )
    step("Scoring the next period")
    labelled = segtui_labels(result)
    ids = labelled.get_column("CustomerID")
    frame = result.feature_table.frame
    scores = {
        "segtui": score_labels("segtui", TITLES["segtui"], labelled, future),
        "rfm_grid": score_labels(
            "rfm_grid", TITLES["rfm_grid"], rfm_grid_labels(frame, ids), future
        ),
        "kmeans4": score_labels(
            "kmeans4", TITLES["kmeans4"], kmeans4_labels(frame, ids, settings.seed), future
        ),
    }
    known = frame.filter(pl.col("has_purchases")).get_column("CustomerID")
    new = future.filter(
        ~pl.col("CustomerID").is_in(known.implode()) & (pl.col("next_purchase_days") > 0)
    ).height
    warnings = []
    end = at + dt.timedelta(days=horizon_days - 1)
    if data_end < end:
        warnings.append(
            f"The data end on {data_end}, {plural((end - data_end).days, 'day')} before the "
            f"horizon's last day {end}: the next-period figures cover only "
            f"{plural((data_end - at).days + 1, 'day')}."
        )
    return Backtest(at, horizon_days, data_end, result, scores, new, warnings)


def segtui_labels(result: SegmentationResult) -> pl.DataFrame:
    """CustomerID, segment, segment_name, activity of a run's segmented customers (those
    with purchases; segment -1 "No purchases" is not judged)."""
    activity = {p.id: p.activity for p in result.profiles}
    return (
        result.segments.filter(pl.col("segment") >= 0)
        .select("CustomerID", "segment", "segment_name")
        .with_columns(
            pl.col("segment")
            .replace_strict(list(activity), list(activity.values()), return_dtype=pl.String)
            .alias("activity")
        )
    )

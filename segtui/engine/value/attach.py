"""Join customer value onto a segmentation result: the value columns in the segments file,
per-segment CLV and P(alive), and the stage x segment table in the summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from segtui.engine.io.tables import Tables
from segtui.engine.value.lifecycle import STAGES
from segtui.engine.value.predict import Modelled, customer_value, timed

if TYPE_CHECKING:
    from segtui.engine.result import SegmentationResult


def segment_value(segments: pl.DataFrame) -> list[dict[str, Any]]:
    """Per segment id (customers with purchases): mean and total CLV, mean P(alive) and the
    customers in each lifecycle stage, sorted by segment id."""
    table = (
        segments.filter(pl.col("segment") >= 0)
        .group_by("segment", "segment_name")
        .agg(
            pl.col("clv").mean().alias("mean_clv"),
            pl.col("clv").sum().alias("total_clv"),
            pl.col("p_alive").mean().alias("mean_p_alive"),
            *((pl.col("stage") == s).sum().alias(s) for s in STAGES),
        )
        .sort("segment")
    )
    return [
        {
            "id": int(row["segment"]),
            "name": row["segment_name"],
            "mean_clv": round(float(row["mean_clv"] or 0.0), 2),
            "total_clv": round(float(row["total_clv"] or 0.0), 2),
            "mean_p_alive": round(float(row["mean_p_alive"] or 0.0), 4),
            "stages": {s: int(row[s]) for s in STAGES},
        }
        for row in table.iter_rows(named=True)
    ]


def add_value(
    result: SegmentationResult,
    tables: Tables,
    collected: pl.DataFrame | None = None,
    modelled: Modelled | None = None,
) -> None:
    """Fit the value models for ``result``'s source and as-of date and add their columns,
    per-segment figures and facts to ``result`` (in place). Customers without a purchase
    before the as-of date keep empty (null) value fields. ``collected``: the purchase-day
    figures or rows the features step collected (``FeatureTable.side``), else a pass reads
    them. ``modelled``: the models already fitted beside the clustering
    (``predict.model_value``, same source and as-of date)."""
    gap = float(result.diagnostics["segment_rule"]["typical_gap_days"])
    value = customer_value(
        tables,
        result.as_of,
        result.settings,
        gap,
        result.timings,
        collected=collected,
        ids=result.segments.get_column("CustomerID"),
        modelled=modelled,
    )
    with timed(result.timings, "value_attach"):
        segments = result.segments.join(
            value.frame, on="CustomerID", how="left", maintain_order="left"
        )
        result.segments = segments
        result.value = value.facts | {"segments": segment_value(segments)}
    result.warnings.extend(value.facts["warnings"])

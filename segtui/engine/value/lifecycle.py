"""Lifecycle stages per customer, from the customer base's typical gap between purchases
and from P(alive).

The *typical gap* G is the one the segments' activity rule uses
(:func:`segtui.engine.segments.tiers.typical_gap`): the median, over customers with two
or more purchases, of (last - first purchase) / (purchases - 1), at least one day.
The *lapse threshold* is L = LAPSE_GAP_MULTIPLE x G. With recency = days from the last
purchase to the as-of date and tenure = days from the first purchase to it, the first rule
that matches gives the stage:

1. ``new``: tenure <= L (too recent a customer to judge);
2. ``lapsed``: recency > L (no purchase for longer than the lapse threshold);
3. ``reactivated``: the gap before the last purchase was longer than L (they had lapsed and
   came back);
4. ``at_risk``: recency > G, or P(alive) < AT_RISK_P_ALIVE;
5. ``active``: everyone else (bought within the typical gap and likely still a customer).

Customers without purchases get no stage (null). The segments' activity reads each
customer's own rhythm (tiers.py); a ``lapsed`` segment has a median recency over L, so
more than half of its members are ``lapsed`` here (docs/value.md says where they part).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from segtui.config import AT_RISK_P_ALIVE, LAPSE_GAP_MULTIPLE

STAGES = ("new", "active", "at_risk", "lapsed", "reactivated")


def rules(gap: float) -> dict[str, str]:
    """The stage rules with this data's thresholds, in words (for the summary and report)."""
    lapse = LAPSE_GAP_MULTIPLE * gap
    return {
        "new": f"first purchase at most {lapse:.0f} days before the as-of date",
        "lapsed": f"no purchase for more than {lapse:.0f} days",
        "reactivated": f"bought again after a gap of more than {lapse:.0f} days",
        "at_risk": f"no purchase for more than {gap:.0f} days, or P(alive) < {AT_RISK_P_ALIVE}",
        "active": f"bought within the last {gap:.0f} days and P(alive) >= {AT_RISK_P_ALIVE}",
    }


def stages(
    first: pl.Series,
    last: pl.Series,
    previous: pl.Series,
    p_alive: np.ndarray,
    as_of: dt.date,
    gap: float,
) -> pl.Series:
    """The stage of each customer (row-aligned with the inputs), by the module's rules."""
    lapse = LAPSE_GAP_MULTIPLE * gap
    as_of_day = pl.lit(as_of)
    frame = pl.DataFrame({"first": first, "last": last, "previous": previous, "p": p_alive})
    recency = (as_of_day - pl.col("last")).dt.total_days()
    tenure = (as_of_day - pl.col("first")).dt.total_days()
    comeback = (pl.col("last") - pl.col("previous")).dt.total_days()
    stage = (
        pl.when(tenure <= lapse)
        .then(pl.lit("new"))
        .when(recency > lapse)
        .then(pl.lit("lapsed"))
        .when(comeback.fill_null(0) > lapse)
        .then(pl.lit("reactivated"))
        .when((recency > gap) | (pl.col("p") < AT_RISK_P_ALIVE))
        .then(pl.lit("at_risk"))
        .otherwise(pl.lit("active"))
    )
    return frame.select(stage.alias("stage")).to_series()

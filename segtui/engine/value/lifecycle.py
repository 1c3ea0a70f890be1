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
from typing import Any

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


# P(alive) says nothing when the middle 98% of the repeat customers' values lie within this
# of each other: then no segment's mean P(alive) can differ from another's by more than
# 0.05, and P(alive) can only put a customer under the at_risk line (0.5) if nearly all
# are. Healthy fits are far from it (CDNOW calibrated to 1997-09-30: 0.021 to 0.926);
# UCI Online Retail's fit (a = 4.5e-05) spreads 0.999999 to 1.0 (docs/value.md).
P_ALIVE_MIN_SPREAD = 0.05


def p_alive_check(
    p_alive: np.ndarray, x: np.ndarray, stage: pl.Series, params: dict[str, float], edge: list[str]
) -> dict[str, Any]:
    """Whether the BG/NBD fit's P(alive) tells customers apart: its 1st and 99th
    percentile over the repeat customers (one-time customers get 1 by the model's
    definition), their ``spread``, ``informative`` (spread at least P_ALIVE_MIN_SPREAD and
    neither a nor b in ``edge``, the parameters at the edge of the search range), and
    ``lapsed_but_alive``: customers in the ``lapsed`` stage whose P(alive) is at least
    AT_RISK_P_ALIVE (the stages' recency rule and P(alive) disagree about them)."""
    repeat = p_alive[x > 0]
    low, high = (float(v) for v in np.percentile(repeat, [1, 99])) if repeat.size else (1.0, 1.0)
    at_edge = [name for name in ("a", "b") if name in edge]
    lapsed = (stage == "lapsed").to_numpy() & (p_alive >= AT_RISK_P_ALIVE)
    return {
        "p1": round(low, 6),
        "p99": round(high, 6),
        "spread": round(high - low, 6),
        "min_spread": P_ALIVE_MIN_SPREAD,
        "at_edge": at_edge,
        "informative": bool(high - low >= P_ALIVE_MIN_SPREAD and not at_edge),
        "lapsed_but_alive": int(lapsed.sum()),
        "a": params["a"],
        "b": params["b"],
    }


def p_alive_warning(check: dict[str, Any]) -> str | None:
    """The warning for a fit whose P(alive) says nothing (None when it is informative)."""
    if check["informative"]:
        return None
    edge = f"; {', '.join(check['at_edge'])} at the edge of the range" if check["at_edge"] else ""
    return (
        f"The BG/NBD fit makes P(alive) nearly the same for every customer "
        f"({check['p1']:.4f} to {check['p99']:.4f} for 98% of the repeat customers, "
        f"a = {check['a']:.3g}, b = {check['b']:.3g}{edge}): it cannot tell who has left, "
        f"so P(alive) and its at_risk rule say nothing here and the stages follow recency "
        f"alone ({check['lapsed_but_alive']:,} customers are 'lapsed' with P(alive) of "
        f"{AT_RISK_P_ALIVE} or more). The fit converged; the model found no dropout."
    )

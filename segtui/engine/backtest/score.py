"""Scoring a segmentation against the next period: the backtest's figures.

For each customer who was segmented (bought before the cut) the next period gives the
spend ``next_spend`` (the lines in the horizon, net of its returns, and never below 0)
and whether they bought again (a purchase line, not a return, in the horizon). From these,
per segment: customers, the share who bought again, next-period spend per customer and
the segment's share of next-period revenue; and whether the segment's activity word came
true: an ``active`` segment buys again more often than the base (all scored customers),
a ``lapsing`` or ``lapsed`` one less often.

For the whole segmentation:

* ``eta_squared``: the share of the variance of log(1 + next-period spend) explained by
  the segment labels, between-group sum of squares / total sum of squares;
* ``repeat_rate_range``: the highest segment's share who bought again minus the lowest's;
* ``repeat_eta_squared``: the same eta squared for the bought-again indicator (0/1);
* ``activity_order_holds``: the customers of active segments bought again more often than
  those of lapsing segments, and those more often than lapsed ones (words present only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from segtui.engine.clustering.scores import eta_squared

ACTIVITY_ORDER = ("active", "lapsing", "lapsed")


@dataclass
class MethodScore:
    """One segmentation judged by the next period: per-segment rows and whole-run figures."""

    method: str  # "segtui", "rfm_grid" or "kmeans4"
    title: str  # how reports name it
    customers: int
    base_repeat_rate: float
    eta_squared: float | None
    repeat_eta_squared: float | None
    repeat_rate_range: float
    activity_order_holds: bool | None
    segments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def contradicted(self) -> list[str]:
        """Names of the segments whose activity word the next period contradicts."""
        return [s["name"] for s in self.segments if s["activity_holds"] is False]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures (rates and shares rounded to 4 places, spend to 2)."""
        return {
            "method": self.method,
            "title": self.title,
            "customers": self.customers,
            "segments_count": len(self.segments),
            "base_repeat_rate": round(self.base_repeat_rate, 4),
            "eta_squared": _round(self.eta_squared),
            "repeat_eta_squared": _round(self.repeat_eta_squared),
            "repeat_rate_range": round(self.repeat_rate_range, 4),
            "activity_order_holds": self.activity_order_holds,
            "contradicted": self.contradicted,
            "segments": self.segments,
        }


def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def score_labels(
    method: str, title: str, labelled: pl.DataFrame, future: pl.DataFrame
) -> MethodScore:
    """Judge ``labelled`` (CustomerID, segment: int, segment_name, activity: str or null;
    one row per segmented customer) by ``future`` (CustomerID, next_spend,
    next_purchase_days; customers who bought in the horizon). Returns a MethodScore with
    one row per segment, in segment order."""
    joined = labelled.join(future, on="CustomerID", how="left").with_columns(
        pl.col("next_spend").fill_null(0.0),
        pl.col("next_purchase_days").fill_null(0),
    )
    ids = joined.get_column("segment").to_numpy().astype(np.int64)
    order = np.unique(ids)
    groups = np.searchsorted(order, ids)
    # A customer whose returns outweigh purchases cannot spend less than nothing here.
    spend = np.clip(joined.get_column("next_spend").to_numpy().astype(np.float64), 0.0, None)
    bought = (joined.get_column("next_purchase_days").to_numpy() > 0).astype(np.float64)
    n = ids.size
    base = float(bought.mean()) if n else 0.0
    revenue = float(spend.sum())
    names = dict(zip(joined.get_column("segment"), joined.get_column("segment_name"), strict=True))
    words = dict(zip(joined.get_column("segment"), joined.get_column("activity"), strict=True))
    rows: list[dict[str, Any]] = []
    for g, segment in enumerate(order.tolist()):
        mask = groups == g
        size = int(mask.sum())
        rate = float(bought[mask].mean())
        word = words[segment]
        rows.append(
            {
                "id": int(segment),
                "name": names[segment],
                "activity": word,
                "customers": size,
                "share": round(size / n, 4),
                "bought_again": round(rate, 4),
                "spend_per_customer": round(float(spend[mask].mean()), 2),
                "revenue_share": round(float(spend[mask].sum()) / revenue, 4) if revenue else 0.0,
                "activity_holds": _word_holds(word, rate, base),
            }
        )
    rates = [r["bought_again"] for r in rows]
    return MethodScore(
        method=method,
        title=title,
        customers=n,
        base_repeat_rate=base,
        eta_squared=eta_squared(np.log1p(spend), groups),
        repeat_eta_squared=eta_squared(bought, groups),
        repeat_rate_range=(max(rates) - min(rates)) if rates else 0.0,
        activity_order_holds=_order_holds(joined, bought),
        segments=rows,
    )


def _word_holds(word: str | None, rate: float, base: float) -> bool | None:
    """Whether the next period agrees with an activity word (None: no word to check)."""
    if word == "active":
        return rate > base
    if word in ("lapsing", "lapsed"):
        return rate < base
    return None


def _order_holds(joined: pl.DataFrame, bought: np.ndarray) -> bool | None:
    """Active customers bought again more often than lapsing ones, and those more often
    than lapsed ones (over the words present; None when fewer than two are)."""
    words = joined.get_column("activity").to_numpy()
    rates = [float(bought[words == w].mean()) for w in ACTIVITY_ORDER if (words == w).any()]
    if len(rates) < 2:
        return None
    return all(a > b for a, b in zip(rates, rates[1:], strict=False))

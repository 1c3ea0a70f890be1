"""Value tier and activity of each segment: the one rule names and actions are built from.

**Value tier** (``top`` / ``high`` / ``mid`` / ``low``), from a segment's mean total spend
relative to the mean of all clustered customers (``ratio``) and its revenue share:

1. ``top`` when ratio >= 3, ``high`` when >= 1.25, ``mid`` when >= 0.5, else ``low``;
2. a segment bringing at least half of the revenue is at least ``high``;
3. tiers never decrease with mean spend: walking the segments from the lowest mean spend
   up, each gets at least the tier of the one before (equal means share a tier).

**Activity** (``active`` / ``lapsing`` / ``lapsed``), from each customer's own rhythm.
A customer's *expected gap* between purchases is

    (days from the first to the last purchase + W x G) / (purchases - 1 + W)

with G the base's *typical gap* (the median, over customers with two or more purchases, of
(last - first purchase) / (purchases - 1), at least one day; when nobody bought twice, the
median recency of all clustered customers stands in) and W = ``PRIOR_GAPS`` = 1: the
customer's own gaps, each weighing as much as the base's typical one. A regular buyer is
judged by their own gaps; someone with one repeat purchase half by theirs and half by the
base's; a one-time buyer (no gap of their own) by G alone, so a one-timer is lapsed once
they have gone more than 4 typical gaps of the base without a second purchase. A purchase
is what ``frequency`` counts (orders, or customer-days where a log has no order id).

The customer's *rhythm* is their recency (days since the last purchase) in expected gaps.
A repeat buyer is *within their rhythm* up to 2 expected gaps (``IN_RHYTHM``). A one-time
buyer has shown no rhythm yet and is never within one: on every real log measured,
one-timers bought again less often than the base at every recency (docs/naming.md). A
segment's activity compares its share of customers within their rhythm (``in_rhythm``)
with the same share over all clustered customers (the base's):

* ``active``: at least the base's share;
* ``lapsed``: under half of the base's share (``LAPSED_FRACTION``) and a median recency
  beyond 2 typical gaps (long gone, not merely new one-timers);
* ``lapsing``: the rest (fewer within their rhythm than the base).

So a segment with more of its customers within their rhythm is never less active than
one with fewer, except that a lapsed segment must also have been gone a while; and the
words say what the backtest checks: an active segment is expected to buy again more
often than the base, a lapsing or lapsed one less often.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

TIERS = ("low", "mid", "high", "top")  # in increasing order
# (tier, lowest ratio of segment mean spend to the clustered customers' mean spend)
TIER_RATIOS: tuple[tuple[str, float], ...] = (("top", 3.0), ("high", 1.25), ("mid", 0.5))
MAJORITY_REVENUE = 0.5  # a segment bringing this share of revenue is at least "high"
# A customer is within their rhythm up to this many of their own expected gaps.
IN_RHYTHM = 2.0
# A segment is lapsed under this fraction of the base's share within their rhythm.
LAPSED_FRACTION = 0.5
# Weight, in gaps, of the base's typical gap in each customer's expected gap.
PRIOR_GAPS = 1.0


def value_tiers(mean_spend: list[float], revenue_share: list[float], base_mean: float) -> list[str]:
    """The value tier of each segment (same order as the inputs), by the module's rule."""
    tiers = [_base_tier(m, base_mean) for m in mean_spend]
    for i, share in enumerate(revenue_share):
        if share >= MAJORITY_REVENUE and TIERS.index(tiers[i]) < TIERS.index("high"):
            tiers[i] = "high"
    rank = [TIERS.index(t) for t in tiers]
    floor = 0
    # Distinct means from the lowest up; segments with equal means share their highest tier.
    for value in sorted({_key(m) for m in mean_spend}):
        group = [i for i, m in enumerate(mean_spend) if _key(m) == value]
        floor = max(floor, *(rank[i] for i in group))
        for i in group:
            rank[i] = floor
    return [TIERS[r] for r in rank]


def _key(value: float) -> float:
    return -math.inf if value is None or not math.isfinite(value) else float(value)


def _base_tier(mean: float, base_mean: float) -> str:
    if not base_mean or not math.isfinite(base_mean) or mean is None or not math.isfinite(mean):
        return "mid"
    ratio = mean / base_mean
    for tier, lowest in TIER_RATIOS:
        if ratio >= lowest:
            return tier
    return "low"


def typical_gap(clustered: pl.DataFrame) -> float:
    """The base's typical gap between purchases, in days (see the module docstring)."""
    columns = {"first_purchase", "last_purchase", "frequency"}
    if columns <= set(clustered.columns):
        gaps = (
            clustered.filter(pl.col("frequency") >= 2)
            .select(
                (pl.col("last_purchase") - pl.col("first_purchase")).dt.total_seconds()
                / 86400.0
                / (pl.col("frequency") - 1)
            )
            .to_series()
            .drop_nulls()
        )
        if gaps.len():
            return max(1.0, float(gaps.median()))  # type: ignore[arg-type]
    if "recency_days" in clustered.columns:
        median = clustered.get_column("recency_days").median()
        if median is not None:
            return max(1.0, float(median))  # type: ignore[arg-type]
    return 1.0


def expected_gaps(clustered: pl.DataFrame, gap: float) -> np.ndarray:
    """Each customer's expected days between purchases (row-aligned with ``clustered``;
    see the module docstring). Without purchase dates every customer gets ``gap``."""
    n = clustered.height
    if not {"first_purchase", "last_purchase", "frequency"} <= set(clustered.columns):
        return np.full(n, float(gap))
    spans = (
        clustered.select(
            (
                (pl.col("last_purchase") - pl.col("first_purchase")).dt.total_seconds() / 86400.0
            ).fill_null(0.0)
        )
        .to_series()
        .to_numpy()
        .astype(float)
    )
    repeats = np.maximum(
        clustered.get_column("frequency").cast(pl.Float64).fill_null(1.0).to_numpy() - 1.0, 0.0
    )
    return (spans + PRIOR_GAPS * gap) / (repeats + PRIOR_GAPS)


def rhythm(clustered: pl.DataFrame, gap: float) -> np.ndarray:
    """Each customer's recency in their own expected gaps (NaN without a recency)."""
    if "recency_days" not in clustered.columns:
        return np.full(clustered.height, np.nan)
    recency = clustered.get_column("recency_days").cast(pl.Float64).fill_null(np.nan).to_numpy()
    return recency / expected_gaps(clustered, gap)


def within_rhythm(clustered: pl.DataFrame, gap: float) -> np.ndarray:
    """1.0 for repeat buyers within their rhythm, 0.0 for the others (one-time buyers
    included), NaN without a recency; row-aligned with ``clustered``."""
    rhythm_ = rhythm(clustered, gap)
    within = (rhythm_ <= IN_RHYTHM).astype(float)
    if "frequency" in clustered.columns:
        repeat = clustered.get_column("frequency").cast(pl.Float64).fill_null(0.0).to_numpy()
        within[repeat < 2] = 0.0
    return np.where(np.isnan(rhythm_), np.nan, within)


def activity(in_rhythm: float, base_in_rhythm: float, median_recency: float, gap: float) -> str:
    """``active``, ``lapsing`` or ``lapsed`` for a segment's share of customers within
    their rhythm, against the base's share, and its median recency in days against the
    base's typical gap (see the module docstring)."""
    if not all(v is not None and np.isfinite(v) for v in (in_rhythm, base_in_rhythm)):
        return "active"  # no recency known: claim nothing
    if in_rhythm >= base_in_rhythm:
        return "active"
    gone = median_recency is not None and median_recency > IN_RHYTHM * gap
    if in_rhythm < LAPSED_FRACTION * base_in_rhythm and gone:
        return "lapsed"
    return "lapsing"


def rule() -> dict[str, object]:
    """The thresholds, as plain data for the summary."""
    return {
        "tier_ratios": dict(TIER_RATIOS),
        "majority_revenue": MAJORITY_REVENUE,
        "in_rhythm_gaps": IN_RHYTHM,
        "lapsed_fraction": LAPSED_FRACTION,
        "prior_gaps": PRIOR_GAPS,
    }

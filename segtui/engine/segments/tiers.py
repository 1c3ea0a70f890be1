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

The customer's *rhythm* is their recency (days since the last purchase) in expected gaps;
a repeat buyer is *within their rhythm* up to 2 expected gaps (``IN_RHYTHM``), a one-time
buyer never (``in_rhythm`` in the summary: the segment's share within their rhythm).

A segment's activity is read from each member's **chance to buy again** within the next
``IN_RHYTHM`` typical gaps (2 G), a number between 0 and 1 rather than a yes/no state:

    chance = P(alive) x (1 - ((alpha + T) / (alpha + T + 2 G)) ** (r + x))

with x the customer's repeat purchases, T the days since their first purchase and the
BG/NBD model (Fader, Hardie & Lee 2005; ``engine/value/bgnbd.py``) fitted on the
clustered customers' own (x, days from the first to the last purchase, T): while alive a
customer buys at a rate drawn from Gamma(r, alpha) and updated by their own purchases, and
P(alive) falls the longer their recency runs past their own gaps. One-time buyers have a
rule of their own in that model: they cannot have been seen to drop out, but the longer
ago their only purchase, the lower their rate, so their chance falls with time. Why a
chance and not the share within rhythm: on CDNOW (cut 1997-10-01) repeat buyers two to
four of their own gaps late still bought again 2-4 times as often as the 60% one-time
buyers, who had pulled the base's share within rhythm down, so "two gaps late" was
called lapsing while the segment bought again more often than the base (25% against 18%);
on The Complete Journey every household of a segment kept its monthly rhythm, yet a
monthly rhythm buys in a few weeks less often than the weekly one of most households
(80% against 87%). When the model cannot be fitted (no purchase dates, fewer than
``MIN_REPEAT_CUSTOMERS`` repeat buyers, a failed fit) the chance is the 0/1 state within
rhythm. A segment's activity compares its mean chance (``repeat_chance``) with the mean
over all clustered customers (the base's):

* ``active``: at least the base's;
* ``lapsed``: under half of the base's (``LAPSED_FRACTION``) and a median recency
  beyond 2 typical gaps (long gone, not merely new one-timers);
* ``lapsing``: the rest.

So a segment whose customers are likelier to buy again is never less active than one
whose customers are less likely, except that a lapsed segment must also have been gone a
while; and the words say what the backtest checks: an active segment is expected to buy
again more often than the base, a lapsing or lapsed one less often.
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
# A segment is lapsed under this fraction of the base's mean chance to buy again.
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


def chance_from(
    params: dict[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray, window: float
) -> np.ndarray:
    """P(alive) x P(a purchase within ``window`` | alive) under BG/NBD ``params`` (r,
    alpha, a, b) for customers with ``x`` repeat purchases, the last ``t_x`` and the
    observation end ``T`` after their first (all in the unit of ``window``)."""
    from segtui.engine.value import bgnbd

    r, alpha = params["r"], params["alpha"]
    alive = bgnbd.p_alive(params, x, t_x, T)
    return alive * (1.0 - ((alpha + T) / (alpha + T + window)) ** (r + x))


def repeat_chance(
    clustered: pl.DataFrame, gap: float
) -> tuple[np.ndarray, dict[str, float] | None]:
    """Each customer's chance to buy again within the next ``IN_RHYTHM`` typical gaps (see
    the module docstring), row-aligned with ``clustered``, and the BG/NBD parameters it
    used (None: the model could not be fitted and the chance is :func:`within_rhythm`)."""
    from segtui.config import MIN_REPEAT_CUSTOMERS

    fallback = within_rhythm(clustered, gap)
    needed = {"first_purchase", "last_purchase", "frequency", "recency_days"}
    if not needed <= set(clustered.columns) or clustered.height == 0:
        return fallback, None
    days = clustered.select(
        x=(pl.col("frequency").cast(pl.Float64) - 1.0).clip(0.0, None),
        t_x=(pl.col("last_purchase") - pl.col("first_purchase")).dt.total_seconds() / 86400.0,
        recency=pl.col("recency_days").cast(pl.Float64),
    )
    x, t_x, recency = (days.get_column(c).to_numpy().astype(float) for c in days.columns)
    known = np.isfinite(x) & np.isfinite(t_x) & np.isfinite(recency)
    if int(np.sum(known & (x > 0))) < MIN_REPEAT_CUSTOMERS:
        return fallback, None
    from segtui.engine.value import bgnbd

    # Weeks, as the value models fit it (segtui/engine/value/summary.py).
    t_x, T = t_x / 7.0, (t_x + np.maximum(recency, 0.0)) / 7.0
    fit = bgnbd.fit(x[known], t_x[known], T[known])
    if not fit.usable:
        return fallback, None
    chance = np.full(clustered.height, np.nan)
    chance[known] = chance_from(fit.params, x[known], t_x[known], T[known], IN_RHYTHM * gap / 7)
    return chance, dict(fit.params)


def activity(chance: float, base_chance: float, median_recency: float, gap: float) -> str:
    """``active``, ``lapsing`` or ``lapsed`` for a segment's mean chance to buy again,
    against the base's, and its median recency in days against the base's typical gap
    (see the module docstring)."""
    if not all(v is not None and np.isfinite(v) for v in (chance, base_chance)):
        return "active"  # no recency known: claim nothing
    if chance >= base_chance:
        return "active"
    gone = median_recency is not None and median_recency > IN_RHYTHM * gap
    if chance < LAPSED_FRACTION * base_chance and gone:
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

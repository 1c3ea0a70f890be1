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

A segment's activity is read from each member's **chance to buy again**, a number
between 0 and 1 rather than a yes/no state, learned from the log itself: at the inner
cut of ``--k auto``'s inner time split (``clustering/inner_split.py``: some weeks before
the as-of date, inside the calibration data; the backtest's future is never read) each
customer is put in a *state*, their purchases (``PURCHASE_EDGES``: 1, 2, 3-4, 5-8, 9-16,
17-32, 33-64, 65 or more, powers of two) by their rhythm then (``RHYTHM_EDGES``: at most
1/2, 1, 2, 4, 8 expected gaps or more, doublings; one-time buyers by the base's G), and
each state's *rate* is the share of its customers who bought in the inner horizon:

    rate(state) = (bought + P x rate(purchases)) / (customers + P)
    rate(purchases) = (bought + P x share of all who bought) / (customers + P)

with P = ``STATE_PRIOR`` = 20 customers: a state seen on few customers leans on its
purchase bucket, a bucket seen on few on the whole base. A customer's chance is the rate
of the state they are in at the as-of date (their own rhythm, with the as-of date's G).

Why learned rates and not a model (the BG/NBD chance was the rule until issue 28's last
round): on CDNOW (cut 1997-10-01, next 90 days) BG/NBD (fitted r 0.25, alpha 4.8, a 0.75,
b 2.2 weeks) let repeat buyers a few of their own gaps late drop out faster than they do,
while one-time buyers (who cannot be seen to drop out) were predicted about right; so
"Lapsing high-value customers" (all repeat buyers, median recency 160 days) got 0.95 of
the base's chance but bought again at 1.39 times the base's rate (24.8% against 17.8%).
The learned rates give it 1.42, and every segment's chance over the base's lies within
0.13 of its next-period ratio on CDNOW; on five real logs (docs/backtest-measurements.md)
the default run's words have no contradiction, against one with the model. Earlier, the
share within rhythm had lost how much likelier some late repeat buyers are to come back
than long-gone one-timers, and that a monthly rhythm kept buys in a few weeks less often
than a weekly one.

Every K-Means run makes the inner split, ``--k N`` as well as ``--k auto`` (its figures
ride on the run's own pass over the file, ``features/inner_pass.py``), so the words
follow one rule whatever k is, and a workbench export replays byte for byte from its
settings. Without an inner split (``--method rfm``, whose cells carry their own words;
a window too short for one; under ``MIN_REPEAT_CUSTOMERS`` repeat buyers before the inner cut,
or nobody or everybody buying in its horizon) the chance is the BG/NBD model's (Fader,
Hardie & Lee 2005; ``engine/value/bgnbd.py``) fitted on the clustered customers' own
(x, days from the first to the last purchase, T), within the next ``IN_RHYTHM`` typical gaps (2 G):

    chance = P(alive) x (1 - ((alpha + T) / (alpha + T + 2 G)) ** (r + x))

with x the customer's repeat purchases and T the days since their first purchase; when
that model cannot be fitted either (no purchase dates, fewer than
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
from dataclasses import dataclass
from typing import Any

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
# The states of the learned chance: purchases (frequency) 1, 2, 3-4, 5-8, ... 65+ by
# rhythm (recency in own expected gaps) up to 1/2, 1, 2, 4, 8, more.
PURCHASE_EDGES = (2, 3, 5, 9, 17, 33, 65)
RHYTHM_EDGES = (0.5, 1.0, 2.0, 4.0, 8.0)
# Weight, in customers, of the purchase bucket's rate in each state's (and of the base's
# in each bucket's).
STATE_PRIOR = 20.0
# The columns of the clustered frame the states read (typical_gap, rhythm, learn_states).
STATE_COLUMNS = ("frequency", "recency_days", "first_purchase", "last_purchase")


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


@dataclass(frozen=True)
class RepeatStates:
    """Each state's share who bought again, learned at an inner cut (module docstring):
    ``rates`` indexed by :func:`repeat_states`' state, ``customers`` and ``bought`` the
    counts behind them, ``horizon_days`` the inner horizon they bought in."""

    horizon_days: int
    customers: tuple[int, ...]
    bought: tuple[int, ...]
    rates: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """The summary's ``repeat_model``: JSON-ready."""
        return {
            "model": "inner_split_states",
            "inner_horizon_days": self.horizon_days,
            "customers": sum(self.customers),
            "bought_again": sum(self.bought),
        }


def repeat_states(clustered: pl.DataFrame, gap: float) -> np.ndarray:
    """Each customer's state (module docstring): purchase bucket x (len(RHYTHM_EDGES) + 1)
    + rhythm bucket; -1 without a recency or a purchase count."""
    if "frequency" not in clustered.columns:
        return np.full(clustered.height, -1)
    purchases = clustered.get_column("frequency").cast(pl.Float64).fill_null(np.nan).to_numpy()
    rhythm_ = rhythm(clustered, gap)
    bucket = np.searchsorted(np.asarray(PURCHASE_EDGES, float), purchases, side="right")
    # side="left": a rhythm equal to an edge belongs to the bucket up to it ("at most 1/2").
    beat = np.searchsorted(np.asarray(RHYTHM_EDGES, float), rhythm_, side="left")
    state = bucket * (len(RHYTHM_EDGES) + 1) + beat
    return np.where(np.isfinite(purchases) & np.isfinite(rhythm_), state, -1)


def learn_states(
    clustered: pl.DataFrame, bought: np.ndarray, horizon_days: int
) -> RepeatStates | None:
    """The states' rates from the customers as they were at an inner cut (``clustered``,
    their features then) and whether each bought in the ``horizon_days`` after it
    (``bought``, row-aligned, 0/1). None under ``MIN_REPEAT_CUSTOMERS`` repeat buyers,
    or when nobody or everybody bought: such a table tells no state from another."""
    from segtui.config import MIN_REPEAT_CUSTOMERS

    state = repeat_states(clustered, typical_gap(clustered))
    known = state >= 0
    state, bought = state[known], np.asarray(bought, dtype=float)[known]
    purchases = clustered.get_column("frequency").cast(pl.Float64).to_numpy()[known]
    share = float(bought.mean()) if bought.size else 0.0
    if int(np.sum(purchases >= 2)) < MIN_REPEAT_CUSTOMERS or not 0.0 < share < 1.0:
        return None
    width = len(RHYTHM_EDGES) + 1
    size = (len(PURCHASE_EDGES) + 1) * width
    customers = np.bincount(state, minlength=size)
    hits = np.bincount(state, bought, minlength=size)
    bucket_customers = customers.reshape(-1, width).sum(axis=1)
    bucket_hits = hits.reshape(-1, width).sum(axis=1)
    bucket_rate = (bucket_hits + STATE_PRIOR * share) / (bucket_customers + STATE_PRIOR)
    rates = (hits + STATE_PRIOR * np.repeat(bucket_rate, width)) / (customers + STATE_PRIOR)
    return RepeatStates(
        horizon_days,
        tuple(int(c) for c in customers),
        tuple(int(round(h)) for h in hits),
        tuple(float(r) for r in rates),
    )


def repeat_chance(
    clustered: pl.DataFrame, gap: float, states: RepeatStates | None = None
) -> tuple[np.ndarray, dict[str, Any] | None]:
    """Each customer's chance to buy again (see the module docstring), row-aligned with
    ``clustered``, and the model behind it for the summary: the learned ``states``'
    :meth:`RepeatStates.to_dict` when given, else the BG/NBD parameters, else None (the
    model could not be fitted and the chance is :func:`within_rhythm`)."""
    if states is not None:
        state = repeat_states(clustered, gap)
        rates = np.append(np.asarray(states.rates), np.nan)  # state -1: unknown
        return rates[state], states.to_dict()
    return _bgnbd_chance(clustered, gap)


def _bgnbd_chance(clustered: pl.DataFrame, gap: float) -> tuple[np.ndarray, dict[str, Any] | None]:
    """The BG/NBD chance within the next ``IN_RHYTHM`` typical gaps and its parameters
    (None: :func:`within_rhythm` instead), as :func:`repeat_chance` without states."""
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
    return chance, {"model": "bgnbd", **{k: float(v) for k, v in fit.params.items()}}


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
        "purchase_edges": list(PURCHASE_EDGES),
        "rhythm_edges": list(RHYTHM_EDGES),
        "state_prior": STATE_PRIOR,
    }

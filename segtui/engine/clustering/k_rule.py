"""The rule that recommends k from the sweep's rows (``--k auto``; the rule is described
in :mod:`segtui.engine.clustering.sweep`'s docstring)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from segtui.config import AUTO_K_MIN_SEGMENT_SHARE, AUTO_K_MIN_STABILITY


@dataclass
class SweepRow:
    """Scores of K-Means with ``k`` segments. NaN where a score is undefined."""

    k: int
    davies_bouldin: float
    silhouette: float
    silhouette_sample_size: int
    calinski_harabasz: float
    inertia: float
    stability: float
    n_segments: int  # non-empty segments; < k when there are fewer distinct customers
    smallest_share: float = float("nan")  # smallest segment / clustered customers
    next_eta_squared: float = float("nan")  # the inner split's figure (inner_split.py)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return asdict(self)


def _finite(value: float) -> bool:
    return value is not None and math.isfinite(value)


def min_segment_size(n_clustered: int, share: float = AUTO_K_MIN_SEGMENT_SHARE) -> int:
    """The fewest customers a segment chosen by ``--k auto`` may hold: ``share`` of the
    clustered customers rounded up, at least 1 (below 100 customers: no empty segment)."""
    return max(1, math.ceil(share * n_clustered - 1e-9))


def recommend_k(
    rows: list[SweepRow],
    min_stability: float = AUTO_K_MIN_STABILITY,
    *,
    n_clustered: int | None = None,
    min_share: float = AUTO_K_MIN_SEGMENT_SHARE,
) -> tuple[int, str]:
    """The recommended k and the rule that chose it, in one readable sentence.

    Among rows whose smallest segment holds at least ``min_segment_size`` customers (when
    ``n_clustered`` is given) and all k segments non-empty: stability >= ``min_stability``
    and the lowest Davies-Bouldin; otherwise the most stable k. See the module docstring.
    """
    usable = [r for r in rows if _finite(r.davies_bouldin) and r.n_segments == r.k]
    if not usable:
        usable = rows
    size_rule = ""
    if n_clustered:
        least = min_segment_size(n_clustered, min_share)
        big_enough = [
            r
            for r in usable
            if _finite(r.smallest_share) and r.smallest_share * n_clustered >= least
        ]
        size_rule = (
            f"among the k whose smallest segment holds at least {min_share:.0%} of the "
            f"clustered customers ({least:,}), "
        )
        if big_enough:
            usable = big_enough
        else:
            best_size = max(r.smallest_share if _finite(r.smallest_share) else 0.0 for r in usable)
            usable = [r for r in usable if r.smallest_share == best_size]
            size_rule = (
                f"no k keeps every segment at {min_share:.0%} of the clustered customers "
                f"({least:,}); among the k with the largest smallest segment, "
            )
    stable = [r for r in usable if _finite(r.stability) and r.stability >= min_stability]
    rule = (
        f"{size_rule}lowest Davies-Bouldin among the k whose stability (mean adjusted Rand "
        f"index of resampled fits) is at least {min_stability:g}; if none is, the most "
        "stable k"
    )
    predicted = None
    if stable:
        best = min(stable, key=lambda r: (r.davies_bouldin, r.k))
        pool = [(r.k, r.next_eta_squared, r.davies_bouldin) for r in stable]
        predicted = predictive_k(pool, best.k)
        because = (
            f"k = {best.k}: Davies-Bouldin {best.davies_bouldin:.3f}, the lowest of the "
            f"{len(stable)} k with stability >= {min_stability:g} "
            f"(stability {best.stability:.2f})"
        )
    if predicted is not None:
        rule = rule.replace(
            "lowest Davies-Bouldin among",
            "the highest inner eta squared per unit of Davies-Bouldin among",
        )
        return predicted[0], f"{rule[0].upper()}{rule[1:]}. Chosen: {predicted[1]}."
    if not stable:
        best = max(
            usable,
            key=lambda r: (
                r.stability if _finite(r.stability) else -math.inf,
                -(r.davies_bouldin if _finite(r.davies_bouldin) else math.inf),
                -r.k,
            ),
        )
        because = (
            f"k = {best.k}: no k reached stability {min_stability:g}; this is the most "
            f"stable (stability {best.stability:.2f}), so treat the segments with caution"
        )
    return best.k, f"{rule[0].upper()}{rule[1:]}. Chosen: {because}."


def predictive_k(pool: list[tuple[int, float, float]], structure_k: int) -> tuple[int, str] | None:
    """From ``pool`` rows (k, inner eta squared, Davies-Bouldin) of the k that pass the
    size floor and stability, the k with the highest inner eta squared per unit of
    Davies-Bouldin (ties: the smaller k), with the reason in words; None when no row has
    both figures. ``structure_k`` is the k Davies-Bouldin alone would choose: when it is 2
    and this rule offers more, the reason says so in one sentence."""
    scored = [(k, eta, db) for k, eta, db in pool if _finite(eta) and _finite(db) and db > 0]
    if not scored:
        return None
    k, eta, db = max(scored, key=lambda r: (r[1] / r[2], -r[0]))
    because = (
        f"k = {k}: inner eta squared {eta:.3f} at Davies-Bouldin {db:.3f}, the most "
        "next-period separation per unit of overlap"
    )
    if structure_k == 2 and k > 2:
        two = [e for kk, e, _db in scored if kk == 2]
        versus = f" (inner eta squared {two[0]:.3f} at k = 2)" if two else ""
        because += (
            f". The structure alone (lowest Davies-Bouldin) says k = 2; k = {k} separates "
            f"the customers' next weeks better{versus}"
        )
    return k, because

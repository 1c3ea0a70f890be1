"""The customer-value part of the Markdown report (``segtui run --clv``)."""

from __future__ import annotations

import math
from typing import Any

STAGE_ORDER = ("new", "active", "at_risk", "lapsed", "reactivated")


def value_section(clv: dict[str, Any] | None) -> list[str]:
    """Markdown lines for the value models, per-segment CLV, stages and the holdout."""
    if not clv:
        return []
    bg, gg = clv["params"]["bgnbd"], clv["params"]["gamma_gamma"]
    fits = clv["fits"]
    lines = [
        "## Customer value",
        "",
        f"BG/NBD (purchases, time in {clv['time_unit']}, observation to "
        f"{clv['observation_end']}): r = {bg['r']:.4g}, α = {bg['alpha']:.4g}, "
        f"a = {bg['a']:.4g}, b = {bg['b']:.4g}; log-likelihood "
        f"{clv['log_likelihood']['bgnbd']:,.1f}, {fits['bgnbd']['iterations']} iterations, "
        f"{'converged' if fits['bgnbd']['converged'] else 'NOT converged'}"
        f"{p_alive_note(clv.get('p_alive'))}.",
        "",
        f"Gamma-Gamma (order value, {clv['n_repeat_used_for_order_value']:,} repeat customers): "
        f"p = {gg['p']:.4g}, q = {gg['q']:.4g}, γ = {gg['gamma']:.4g}; log-likelihood "
        f"{clv['log_likelihood']['gamma_gamma']:,.1f}, "
        f"{'converged' if fits['gamma_gamma']['converged'] else 'NOT converged'}. "
        f"Correlation of average spend with repeat purchases: "
        f"{correlation_text(clv['spend_frequency_correlation'])}.",
        "",
        f"Over the next {clv['horizon_days']} days, discounted at "
        f"{clv['discount_rate']:.0%} a year: {clv['total_expected_purchases']:,.1f} expected "
        f"purchases, CLV {clv['total_clv']:,.2f} in total. {clv['no_purchases'].capitalize()}.",
        "",
        "| id | segment | mean CLV | total CLV | mean P(alive) | " + " | ".join(STAGE_ORDER) + " |",
        "|---|---|---|---|---|" + "---|" * len(STAGE_ORDER),
    ]
    for row in clv["segments"]:
        stages = " | ".join(f"{row['stages'][s]:,}" for s in STAGE_ORDER)
        lines.append(
            f"| {row['id']} | {row['name']} | {row['mean_clv']:,.2f} | {row['total_clv']:,.2f}"
            f" | {row['mean_p_alive']:.2f} | {stages} |"
        )
    life = clv["lifecycle"]
    counts = " | ".join(f"{life['counts'][s]:,}" for s in STAGE_ORDER)
    lines += [f"| | **all** | | | | {counts} |", ""]
    lines += [
        f"Lifecycle stages (typical gap between purchases {life['typical_gap_days']:.0f} days, "
        f"lapse threshold {life['lapse_threshold_days']:.0f} days; first rule that matches):",
        "",
    ]
    lines += [f"- {stage}: {rule}" for stage, rule in life["rules"].items()]
    lines.append("")
    lines += holdout_section(clv.get("holdout"))
    return lines


def p_alive_note(check: dict[str, Any] | None) -> str:
    """ ", but P(alive) is nearly constant (…)" for a fit whose P(alive) says nothing."""
    if not check or check["informative"]:
        return ""
    return (
        f", **but P(alive) is nearly constant** ({check['p1']:.4f} to {check['p99']:.4f} for "
        "98% of the repeat customers): it cannot tell who has left, the mean P(alive) "
        "below says nothing, and the stages follow recency alone"
    )


def correlation_text(correlation: float | None) -> str:
    """The spend-frequency correlation in words. It is undefined (NaN in the facts, null
    in the JSON) with fewer than 3 repeat customers or when their repeat counts or
    average spends are all equal; the report said "nan" then."""
    if correlation is None or not math.isfinite(correlation):
        return (
            "not defined (the repeat customers' numbers of repeat purchases, or their "
            "average spends, are all the same)"
        )
    return f"{correlation:.2f} (the model assumes about 0)"


def holdout_section(holdout: dict[str, Any] | None) -> list[str]:
    """Markdown lines for the holdout check: the aggregate error and the weekly table."""
    if not holdout:
        return []
    error = holdout["aggregate_error"]
    lines = [
        "### Holdout check",
        "",
        f"Fitted on purchases before {holdout['start']}; the {holdout['customers']:,} customers "
        f"then made {holdout['actual']:,} repeat purchases to {holdout['end']} "
        f"({holdout['weeks']} weeks). Predicted: {holdout['predicted']:,.1f} "
        f"(aggregate error {'–' if error is None else f'{error:+.1%}'}; from age alone, "
        f"as the paper's tracking plot: {holdout['predicted_from_age_only']:,.1f}).",
        "",
        "| week | through | actual (cumulative) | predicted (cumulative) |",
        "|---|---|---|---|",
    ]
    for row in holdout["rows"]:
        lines.append(
            f"| {row['week']} | {row['through']} | {row['actual']:,} | {row['predicted']:,.1f} |"
        )
    lines.append("")
    return lines

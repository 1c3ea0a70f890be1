"""Plain-words names, descriptions and suggested actions for segments.

A name is built from the segment's value tier and activity (:mod:`.tiers`, the one
documented rule) plus, for active segments, a behavioural archetype read from how its
means differ from those of all clustered customers in standard deviations (z):

* active:  "<Tier>-value <archetype noun>", with the archetype's action;
* lapsing: "Lapsing <tier>-value <customers|one-timers>", with a re-engagement action;
* lapsed:  "Lapsed <tier>-value <customers|one-timers>", with a win-back action.

So the tier in a name is always the segment's ``value_tier``, and only active segments
get an archetype action (newsletter, follow-up after large orders...). Names are made
unique within a run by what tells the segments apart.
"""

from __future__ import annotations

from dataclasses import dataclass

HIGH = 0.5  # |z| at which a trait is worth naming
STRONG = 1.0


@dataclass(frozen=True)
class Archetype:
    """A behavioural pattern with its wording."""

    key: str
    noun: str
    action: str


ARCHETYPES: dict[str, Archetype] = {
    a.key: a
    for a in (
        Archetype(
            "champions",
            "regulars",
            "Reward them: loyalty tier, early access and referral offers; protect with priority "
            "service rather than discounts.",
        ),
        Archetype(
            "big_ticket",
            "big-ticket buyers",
            "Sell up: premium ranges, bundles and concierge-style follow-up after each large "
            "order.",
        ),
        Archetype(
            "bulk",
            "bulk buyers",
            "Offer volume pricing, subscriptions or replenishment reminders.",
        ),
        Archetype(
            "frequent_small",
            "frequent small-basket buyers",
            "Grow the basket: cross-sell and free-shipping thresholds just above their usual "
            "order.",
        ),
        Archetype(
            "lapsing",
            "lapsing customers",
            "Re-engage before they lapse: a reminder timed to their usual gap between "
            "purchases and a personal offer on what they bought before.",
        ),
        Archetype(
            "lapsed",
            "lapsed customers",
            "Win them back: a time-limited personal offer and a 'what's new' reminder; stop "
            "spending on them if they do not respond.",
        ),
        Archetype(
            "new",
            "newcomers",
            "Onboard: a welcome series and a second-purchase incentive within 30 days.",
        ),
        Archetype(
            "one_timers",
            "one-timers",
            "Convert: a low-cost follow-up and a second-purchase coupon; keep acquisition "
            "costs for them low.",
        ),
        Archetype(
            "occasional",
            "occasional buyers",
            "Nudge frequency: reminders timed to their buying cycle and seasonal offers.",
        ),
        Archetype(
            "core",
            "core customers",
            "Keep engaged with the regular newsletter and cross-category recommendations.",
        ),
    )
}


def archetype(z: dict[str, float], means: dict[str, float]) -> Archetype:
    """The behavioural archetype of an active segment from its z-scores and means."""
    freq = z.get("frequency", 0.0)
    atv = z.get("avg_transaction_value", 0.0)
    qty = z.get("avg_quantity", z.get("total_quantity", 0.0))
    tenure = z.get("tenure_days", 0.0)
    if tenure <= -STRONG:
        return ARCHETYPES["new"]
    if freq >= HIGH and atv <= -HIGH:
        return ARCHETYPES["frequent_small"]
    if freq >= HIGH:
        return ARCHETYPES["champions"]
    if atv >= HIGH and freq < HIGH:
        return ARCHETYPES["big_ticket"]
    if qty >= STRONG:
        return ARCHETYPES["bulk"]
    if means.get("frequency", 2.0) < 1.5:
        return ARCHETYPES["one_timers"]
    if freq <= -HIGH:
        return ARCHETYPES["occasional"]
    return ARCHETYPES["core"]


def base_name(
    z: dict[str, float], means: dict[str, float], tier: str, activity: str
) -> tuple[str, Archetype]:
    """The segment's name before de-duplication and its archetype (whose action it gets),
    from its value tier and activity (see the module docstring)."""
    value = f"{tier}-value"
    if activity in ("lapsed", "lapsing"):
        who = "one-timers" if means.get("frequency", 2.0) < 1.5 else "customers"
        return f"{activity.title()} {value} {who}", ARCHETYPES[activity]
    arch = archetype(z, means)
    return f"{value.capitalize()} {arch.noun}", arch


def describe_trait(feature: str, z: float) -> str:
    """Evidence string like '+1.8σ total_spend'."""
    sign = "+" if z >= 0 else "−"
    return f"{sign}{abs(z):.1f}σ {feature}"


PHRASES: dict[str, tuple[str, str]] = {
    "total_spend": ("higher spend", "lower spend"),
    "frequency": ("more frequent", "less frequent"),
    "avg_transaction_value": ("larger orders", "smaller orders"),
    "total_quantity": ("more units", "fewer units"),
    "avg_quantity": ("bigger baskets", "smaller baskets"),
    # Neutral words: "recently active" would contradict a name saying "Lapsed".
    "recency_days": ("bought longer ago", "bought more recently"),
    "tenure_days": ("long-standing", "newer"),
    "distinct_products": ("broader range", "narrower range"),
    "distinct_categories": ("more categories", "fewer categories"),
}


def phrase(feature: str, positive: bool) -> str:
    """Words for 'more/less of this feature than the other segment'."""
    if feature in PHRASES:
        return PHRASES[feature][0 if positive else 1]
    if feature.startswith("share_"):
        label = feature.removeprefix("share_").replace("_", " ")
        return f"more {label}" if positive else f"less {label}"
    return f"higher {feature}" if positive else f"lower {feature}"


def make_unique(names: list[str], z: list[dict[str, float]]) -> list[str]:
    """Make names unique: duplicates are told apart by the feature on which they differ
    most (the higher one gets e.g. 'higher spend', the lower 'lower spend'); a roman
    numeral is the last resort."""
    result = list(names)
    for name in sorted(set(names)):
        group = [i for i, n in enumerate(names) if n == name]
        used: set[str] = set()
        while len(group) >= 2:
            features = [f for f in z[group[0]] if all(f in z[i] for i in group) and f not in used]
            if not features:
                break
            best = max(
                features, key=lambda f: max(z[i][f] for i in group) - min(z[i][f] for i in group)
            )
            used.add(best)
            ordered = sorted(group, key=lambda i: z[i][best])
            low, high = ordered[0], ordered[-1]
            result[high] = f"{name}, {phrase(best, True)}"
            result[low] = f"{name}, {phrase(best, False)}"
            group = ordered[1:-1]
        for n_, i in enumerate(group if len(group) >= 2 else []):
            result[i] = f"{name} {_roman(n_ + 1)}"
    seen: dict[str, int] = {}
    for i, n in enumerate(result):
        if n in seen:
            seen[n] += 1
            result[i] = f"{n} {_roman(seen[n])}"
        else:
            seen[n] = 1
    return result


def _roman(n: int) -> str:
    numerals = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
    return numerals[n - 1] if 1 <= n <= len(numerals) else str(n)

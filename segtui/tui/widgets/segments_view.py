"""The Segments view: one summary panel per segment, selectable with Enter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import ListItem, ListView, Static

from segtui.engine import plural
from segtui.tui.palette import segment_colour, segment_glyph

if TYPE_CHECKING:
    from segtui.engine import SegmentationResult, SegmentProfile


def overall_means(profiles: list[SegmentProfile]) -> dict[str, float]:
    """Size-weighted mean of each feature over all clustered customers."""
    total = sum(p.size for p in profiles) or 1
    names = profiles[0].means.keys() if profiles else []
    return {n: sum(p.means.get(n, 0.0) * p.size for p in profiles) / total for n in names}


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def explanation_lines(result: SegmentationResult, segment: int) -> tuple[str, list[str]]:
    """For a segment's panel: its effect sizes (Cohen's d, largest three) and the lines
    after the description: its best rule and, with ``--like``, its match."""
    extras = result.segment_extras(segment)
    effects = list((extras.get("effect_sizes") or {}).items())[:3]
    effect = "Cohen's d: " + " · ".join(f"{f} {d:+.1f}" for f, d in effects) if effects else ""
    lines = []
    rules = (extras.get("rules") or {}).get("rules") or []
    if rules:
        best = rules[0]
        lines.append(
            f"rule: {best['rule']} (precision {best['precision']:.0%}, recall {best['recall']:.0%})"
        )
    match = extras.get("match")
    if match and match["status"] == "persisting":
        lines.append(f"= segment {match['previous_id']} before (drift {match['drift']:.2f})")
    elif match:
        lines.append("= new segment")
    return effect, lines


def panel_text(
    profile: SegmentProfile,
    overall: dict[str, float],
    explanation: tuple[str, list[str]] = ("", []),
    value: dict[str, Any] | None = None,
) -> Text:
    """A segment's panel: name, size and shares, effect sizes, key means vs overall, the
    --clv figures (``value``: its row of ``result.value["segments"]``), description, rule
    and match (``explanation``), action."""
    colour = segment_colour(profile.id)
    text = Text()
    text.append(f"{segment_glyph(profile.id)} ", style=colour)
    # The title is bold in the text colour, not the segment colour: a bright cyan title on
    # the cyan selection of a 16-colour terminal was unreadable; the glyph carries it.
    text.append(f"{profile.id} {profile.name}", style="bold")
    text.append(
        f"  {plural(profile.size, 'customer')} · {profile.share:.1%} of customers · "
        f"{profile.revenue_share:.1%} of revenue\n"
    )
    effect, lines = explanation
    if effect:
        text.append("  " + effect + "\n")
    keys = sorted(profile.z, key=lambda n: -abs(profile.z[n]))[:4]
    parts = [
        f"{n} {_number(profile.means[n])} vs {_number(overall.get(n, 0.0))} ({profile.z[n]:+.1f}σ)"
        for n in keys
        if n in profile.means
    ]
    text.append("  " + " · ".join(parts) + "\n", style="italic" if not parts else "")
    if value is not None:
        stages = ", ".join(f"{k} {v:,}" for k, v in value["stages"].items() if v)
        text.append(
            f"  CLV mean {_number(value['mean_clv'])} · total {_number(value['total_clv'])} · "
            f"P(alive) {value['mean_p_alive']:.2f} · {stages}\n"
        )
    text.append("  " + profile.description + "\n")
    for line in lines:
        text.append("  " + line + "\n", style="italic")
    text.append("  → " + profile.action, style="italic")
    return text


class SegmentItem(ListItem):
    """One segment panel in the list; ``segment`` is its id (-1 = no purchases, -2 = net
    returners)."""

    def __init__(self, segment: int, body: Text) -> None:
        super().__init__(Static(body, classes="segment-panel"))
        self.segment = segment


class SegmentsView(Vertical):
    """Panels for every segment plus the customers left out (no purchases).

    Warnings are not repeated here: the status line shows them once (all on Data)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "move(1)", "Next segment", show=False),
        Binding("k", "move(-1)", "Previous segment", show=False),
        Binding("g", "move_to(0)", "First segment", show=False),
        Binding("G", "move_to(-1)", "Last segment", show=False),
    ]

    def compose(self):  # type: ignore[no-untyped-def]
        yield ListView(id="segment-list")

    def action_move(self, delta: int) -> None:
        """Move the selection ``delta`` panels down (up when negative)."""
        listing = self.query_one("#segment-list", ListView)
        if delta > 0:
            listing.action_cursor_down()
        else:
            listing.action_cursor_up()

    def action_move_to(self, where: int) -> None:
        """Select the first (0) or last (-1) panel."""
        listing = self.query_one("#segment-list", ListView)
        if len(listing):
            listing.index = 0 if where == 0 else len(listing) - 1

    def show(self, result: SegmentationResult) -> None:
        """Replace the panels with ``result``'s segments."""
        from segtui.engine import UNCLUSTERED_WHO, unclustered_groups

        listing = self.query_one("#segment-list", ListView)
        index = listing.index or 0
        listing.clear()
        overall = overall_means(result.profiles)
        value = {row["id"]: row for row in (result.value or {}).get("segments", [])}
        items = [
            SegmentItem(
                p.id, panel_text(p, overall, explanation_lines(result, p.id), value.get(p.id))
            )
            for p in result.profiles
        ]
        for group in unclustered_groups(result.unclustered()):
            body = Text()
            body.append(f"{segment_glyph(group['id'])} ", style=segment_colour(group["id"]))
            body.append(f"{group['id']} {group['name']}", style="bold")
            who = UNCLUSTERED_WHO[group["id"]]
            body.append(f"  {plural(group['size'], 'customer')} {who}, not clustered")
            items.append(SegmentItem(group["id"], body))
        listing.extend(items)
        listing.index = min(index, len(items) - 1)

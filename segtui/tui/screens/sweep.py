"""The k sweep view: scores for every k drawn as they arrive, pick one to re-cluster.

The sweep itself is :func:`segtui.engine.clustering.sweep.sweep` on the feature table the app
already holds, in one exclusive thread worker; esc cancels it (the rows scored so far
stay pickable), esc again goes back. Enter dismisses with the k under the cursor.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from segtui.config import AUTO_K_MIN_SEGMENT_SHARE, Settings
from segtui.tui.jobs import JobDone, JobFailed, JobProgress, Report, run_job
from segtui.tui.session import stage_percent
from segtui.tui.sweep_cache import SweepCache
from segtui.tui.widgets.key_footer import KeyFooter
from segtui.tui.widgets.sweep_chart import SweepChart, fmt

if TYPE_CHECKING:
    from segtui.engine import FeatureTable, SweepResult, SweepRow


def details_line(row: SweepRow | None) -> Text:
    """Every score of the k under the cursor (or a hint when it is not scored yet)."""
    text = Text()
    if row is None:
        text.append("not scored yet", style="italic")
        return text
    text.append(f"k = {row.k}: ", style="bold")
    text.append(f"Davies-Bouldin {row.davies_bouldin:.3f} · ")
    text.append(f"silhouette {row.silhouette:.3f} · ")
    text.append(f"Calinski-Harabasz {fmt(row.calinski_harabasz)} · ")
    text.append(f"inertia {fmt(row.inertia)} · stability {row.stability:.2f}")
    if math.isfinite(row.smallest_share):
        # the figure the size rule of --k auto reads: under it, this k cannot be chosen
        small = row.smallest_share < AUTO_K_MIN_SEGMENT_SHARE
        text.append(f" · smallest segment {row.smallest_share:.2%}")
        if small:
            text.append(f" (under {AUTO_K_MIN_SEGMENT_SHARE:.0%})", style="yellow")
    if row.n_segments < row.k:
        text.append(f" · only {row.n_segments} non-empty segments", style="bold")
    return text


def rule_text(result: SweepResult | None, error: str | None) -> Text:
    """The recommended k and the rule that chose it, or why there is none yet."""
    text = Text()
    if error is not None:
        text.append(f"✖ {error}", style="bold red")
        return text
    if result is None:
        text.append("The recommended k (★) appears when every k is scored.", style="italic")
        return text
    rule, _, because = result.rule.partition(" Chosen: ")
    because = because.removeprefix(f"k = {result.recommended_k}: ")
    text.append(f"★ Recommended k = {result.recommended_k}", style="bold green")
    text.append(f": {because} " if because else ". ")
    text.append(f"Rule: {rule}")
    text.append(
        f" Silhouette on a seeded sample of {result.silhouette_sample_size:,} customers;"
        f" stability: {result.stability_method}.",
        style="italic",
    )
    return text


class SweepNotes(VerticalScroll, can_focus=False):
    """The scores of the k under the cursor and the rule, scrolled by the screen's
    pgdn/pgup. Not focusable: every key stays with the sweep (j/k move k)."""

    def watch_show_vertical_scrollbar(self, _shown: bool) -> None:
        # The notes began or stopped running past the screen: the "pgdn more" hint follows.
        if isinstance(self.screen, SweepScreen):
            self.screen.show_status()


class SweepScreen(Screen[int | None]):
    """Sweep k over ``k_min..k_max`` and dismiss with the k the user picks (or None)."""

    DEFAULT_CSS = """
    SweepScreen #sweep-title, SweepScreen #sweep-status {
        height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    SweepScreen #sweep-title { background: $boost; text-style: bold; }
    SweepScreen #sweep-chart { padding: 0 1; margin-top: 1; }
    SweepScreen { overflow: hidden; }
    SweepScreen #sweep-notes { height: 1fr; margin-top: 1; scrollbar-size-vertical: 1; }
    SweepScreen #sweep-details, SweepScreen #sweep-rule { height: auto; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,left,k,h", "move(-1)", "Move", key_display="↑↓/jk"),
        Binding("down,right,j,l", "move(1)", "Larger k", show=False),
        Binding("home,g", "jump('first')", "First k", show=False),
        Binding("end,G", "jump('last')", "Last k", show=False),
        Binding("r", "jump('recommended')", "Recommended"),
        Binding("enter", "pick", "Re-cluster"),
        Binding("escape", "cancel_or_back", "Cancel/back", key_display="esc"),
        # The scores and the rule below the chart wrap; at 80x24 the rule runs past the
        # screen, so pgdn/pgup (and VisiData's ctrl+f/ctrl+b) scroll them, not the k.
        Binding("pagedown,ctrl+f", "notes(1)", "Scroll notes down", show=False),
        Binding("pageup,ctrl+b", "notes(-1)", "Scroll notes up", show=False),
    ]

    def __init__(
        self,
        feature_table: FeatureTable,
        settings: Settings,
        k_min: int,
        k_max: int,
        *,
        current: int | None = None,
        cache: SweepCache | None = None,
    ) -> None:
        super().__init__()
        self.feature_table = feature_table
        self.settings = settings
        self.k_min, self.k_max = k_min, k_max
        self.current = current
        self.rows: list[SweepRow] = []
        self.cache = cache if cache is not None else SweepCache()
        self.result = self.cache.get(feature_table, settings, k_min, k_max)
        self.running = False
        self.status = ""
        self.error: str | None = None
        self.cursor = current if current is not None and k_min <= current <= k_max else k_min
        self.moved = False
        self.generation = 0

    def compose(self) -> ComposeResult:
        s = self.settings
        log = f" + log {s.log}"
        yield Static(
            f"Choose k · sweep k = {self.k_min}…{self.k_max} on "
            f"{int(self.feature_table.frame['has_purchases'].sum()):,} customers with "
            f"purchases · {s.scaling}{log} · seed {s.seed} · "
            + ", ".join(self.feature_table.features),
            id="sweep-title",
        )
        yield Static(id="sweep-status")
        yield SweepChart(range(self.k_min, self.k_max + 1), id="sweep-chart")
        with SweepNotes(id="sweep-notes"):
            yield Static(id="sweep-details")
            yield Static(id="sweep-rule")
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.result is not None:
            self.rows = list(self.result.rows)
            self.status = f"{len(self.rows)} k scored earlier"
            self.cursor = self.result.recommended_k
            self.redraw()
        else:
            self.start()

    # -- work -----------------------------------------------------------------------
    def start(self) -> None:
        """Run the sweep in the background (replacing any earlier rows)."""
        self.generation += 1
        self.rows, self.result, self.error = [], None, None
        self.running = True
        self.status = "Starting"
        self.redraw()
        self.run_sweep(self.generation)

    def run_sweep(self, generation: int) -> None:
        """Sweep on the held feature table off the UI thread (group "sweep"); stages and
        rows arrive as job progress, then the result or the error."""
        from segtui.engine import sweep

        def work(report: Report) -> SweepResult:
            return sweep(
                self.feature_table,
                self.settings,
                self.k_min,
                self.k_max,
                progress=report,
                on_row=report,
                tables=getattr(self.app, "tables", None),
            )

        run_job(self, "sweep", work, token=generation)

    def on_job_progress(self, event: JobProgress) -> None:
        if event.token != self.generation:
            return
        if isinstance(event.update, str):  # a stage: "k = 5 (3/9)"
            self.status = event.update
        else:  # a scored k
            self.rows.append(cast("SweepRow", event.update))
        self.redraw()

    def on_job_failed(self, event: JobFailed) -> None:
        if event.token == self.generation:
            self.running, self.error, self.status = False, event.message, "Failed"
            self.redraw()

    def on_job_done(self, event: JobDone) -> None:
        if event.token == self.generation:
            self._done(event.value)

    def _done(self, result: SweepResult) -> None:
        self.running = False
        self.result = result
        self.rows = list(result.rows)
        self.cache.put(self.feature_table, self.settings, self.k_min, self.k_max, result)
        self.status = f"Done: {len(result.rows)} k scored"
        if not self.moved:
            self.cursor = result.recommended_k
        self.redraw()

    # -- drawing --------------------------------------------------------------------
    def running_k(self) -> int | None:
        """The k being scored now (None when idle)."""
        if self.running and self.status.startswith("k ="):
            return self.k_min + len(self.rows)
        return None

    def redraw(self) -> None:
        """Update status, chart, details and rule from the screen's state."""
        self.show_status()
        self.query_one(SweepChart).update_chart(
            rows=list(self.rows),
            cursor=self.cursor,
            recommended=self.result.recommended_k if self.result else None,
            current=self.current,
            running=self.running_k(),
        )
        row = next((r for r in self.rows if r.k == self.cursor), None)
        self.query_one("#sweep-details", Static).update(details_line(row))
        self.query_one("#sweep-rule", Static).update(rule_text(self.result, self.error))

    def show_status(self) -> None:
        """The status line: progress, or the marks and keys; "pgdn more" while the notes
        below the chart run past the screen (called again when they are laid out)."""
        status = Text()
        if self.running:
            percent = stage_percent(self.status)
            done = f" · {percent}%" if percent is not None else ""
            status.append(f"⟳ {self.status}{done} (esc cancels)", style="bold")
        else:
            status.append(self.status + " · ")
            status.append("★ recommended · ● current · Enter re-clusters", style="italic")
        if self.query_one(SweepNotes).show_vertical_scrollbar:
            status.append(" · pgdn more", style="italic")
        self.query_one("#sweep-status", Static).update(status)

    # -- actions --------------------------------------------------------------------
    def action_notes(self, direction: int) -> None:
        """Scroll the scores and the rule below the chart by a page down (1) or up (-1)."""
        notes = self.query_one(SweepNotes)
        notes.scroll_to(y=notes.scroll_y + direction * max(notes.size.height - 1, 1), animate=False)

    def action_move(self, delta: int) -> None:
        """Move the cursor to the next smaller/larger k."""
        self.cursor = min(max(self.cursor + delta, self.k_min), self.k_max)
        self.moved = True
        self.redraw()

    def action_jump(self, where: str) -> None:
        """Move the cursor to the first, last or recommended k."""
        if where == "recommended":
            if self.result is None:
                self.notify("no recommendation yet: the sweep is not finished", severity="warning")
                return
            self.cursor = self.result.recommended_k
        else:
            self.cursor = self.k_min if where == "first" else self.k_max
        self.moved = True
        self.redraw()

    def action_pick(self) -> None:
        """Dismiss with the k under the cursor (it must be scored)."""
        if not any(r.k == self.cursor for r in self.rows):
            self.notify(f"k = {self.cursor} is not scored yet", severity="warning")
            return
        self.cancel()
        self.dismiss(self.cursor)

    def cancel(self) -> None:
        """Stop a running sweep; its late rows are ignored."""
        if self.running:
            self.app.workers.cancel_group(self, "sweep")
            self.generation += 1
            self.running = False

    def action_cancel_or_back(self) -> None:
        """Cancel a running sweep; otherwise go back without changing anything."""
        if self.running:
            self.cancel()
            self.status = f"Cancelled after {len(self.rows)} k"
            self.redraw()
            return
        self.dismiss(None)

"""The header line block: settings, quality metrics and status/warnings."""

from __future__ import annotations

from rich.text import Text

from segtui.config import Settings
from segtui.engine.pipeline import SegmentationResult


def settings_line(settings: Settings, result: SegmentationResult | None) -> Text:
    """k, seed, scaling, log, customers clustered and features. Returns Text."""
    text = Text()
    text.append(f"k={settings.k}", style="bold")
    text.append(f" · seed {settings.seed} · {settings.scaling}")
    text.append(" · log" if settings.log else " · no log")
    if result is not None:
        text.append(f" · {result.n_clustered:,}/{result.n_customers:,} customers")
        text.append(" · " + ", ".join(result.features))
    else:
        text.append(" · " + ", ".join(settings.features))
    return text


def metrics_line(result: SegmentationResult | None) -> Text:
    """Davies-Bouldin (lower is better), silhouette, Calinski-Harabasz. Returns Text."""
    text = Text()
    if result is None:
        text.append("Davies-Bouldin (lower is better): –")
        return text
    m = result.metrics
    text.append("Davies-Bouldin ")
    text.append(f"{m.davies_bouldin:.3f}", style="bold")
    text.append(" (lower is better)")
    text.append("  silhouette ")
    text.append(f"{m.silhouette:.3f}", style="bold")
    text.append("  Calinski-Harabasz ")
    text.append(f"{m.calinski_harabasz:,.0f}", style="bold")
    return text


def status_line(status: str, busy: bool, warnings: list[str]) -> Text:
    """Progress while working, else the first warning and how many more. Returns Text."""
    text = Text()
    if busy:
        text.append(f"⟳ {status} (esc cancels)", style="bold")
        return text
    if status:
        text.append(status + " ")
    if warnings:
        text.append(f"⚠ {warnings[0]}", style="yellow")
        if len(warnings) > 1:
            text.append(f" (+{len(warnings) - 1} more on Data)", style="yellow")
    return text

"""The header line block: settings, quality metrics and status/warnings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from segtui.config import AUTO_K, Settings

if TYPE_CHECKING:
    from segtui.engine import SegmentationResult


def settings_line(
    settings: Settings, result: SegmentationResult | None, width: int | None = None
) -> Text:
    """k, seed, scaling, log, CLV (when on), customers clustered, features and the settings file
    applied (if any). With ``width``, the line fits it: the feature list gives way to
    its count ("5 features", every name is in Settings), then the settings file's folder
    to its name. Returns Text."""
    features = list(result.features if result is not None else settings.features)
    config_file = settings.extra.get("config_file")
    line = _settings_text(settings, result, ", ".join(features), config_file)
    if width is None or line.cell_len <= width:
        return line
    count = f"{len(features)} features"
    line = _settings_text(settings, result, count, config_file)
    if line.cell_len > width and config_file:
        line = _settings_text(settings, result, count, Path(str(config_file)).name)
    line.truncate(width, overflow="ellipsis")
    return line


def _settings_text(
    settings: Settings, result: SegmentationResult | None, features: str, config_file: object
) -> Text:
    text = Text()
    text.append(k_label(settings, result), style="bold")
    text.append(f" · seed {settings.seed} · {settings.scaling}")
    text.append(" · " + log_token(settings, result))
    if settings.clv:
        text.append(f" · CLV {settings.horizon_days} d")
    if result is not None:
        text.append(f" · {result.n_clustered:,}/{result.n_customers:,} customers")
    text.append(" · " + features)
    if config_file:  # settings nobody typed on this screen: say where they came from
        text.append(f" · settings: {config_file}", style="italic")
    return text


def log_token(settings: Settings, result: SegmentationResult | None) -> str:
    """The log setting and, once a result exists, which features it log-transformed:
    "log auto: total_spend, frequency", "log off", "log on: 4 features"."""
    if result is None or settings.log == "off":
        return f"log {settings.log}"
    logged = [c.name for c in result.space.numeric if c.log]
    if not logged:
        return f"log {settings.log}: none"
    if len(logged) > 2:
        return f"log {settings.log}: {len(logged)} features"
    return f"log {settings.log}: " + ", ".join(logged)


def k_label(settings: Settings, result: SegmentationResult | None) -> str:
    """The k shown in the header: "k=4", or with k = auto "k=5 (auto)" once a result
    chose it and "k=auto" before."""
    if settings.k != AUTO_K:
        return f"k={settings.k}"
    if result is not None and result.settings.k == AUTO_K:
        return f"k={result.k} (auto)"
    return "k=auto"


def metrics_line(result: SegmentationResult | None) -> Text:
    """Davies-Bouldin (lower is better), silhouette, Calinski-Harabasz (as "CH"), within
    80 columns. Returns Text."""
    text = Text()
    if result is None:
        text.append("Davies-Bouldin (lower is better): –")
        return text
    m = result.metrics
    text.append("Davies-Bouldin ")
    text.append(f"{m.davies_bouldin:.3f}", style="bold")
    text.append(" (lower is better)")
    text.append(" · silhouette ")
    text.append(f"{m.silhouette:.3f}", style="bold")
    # "CH" keeps all three scores within 80 columns (help and docs spell it out).
    text.append(" · CH ")
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
        text.append(f"⚠ {warnings[0]}", style="bold")
        if len(warnings) > 1:
            text.append(f" (+{len(warnings) - 1} more on Data)", style="bold")
    return text

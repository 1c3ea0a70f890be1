"""What every notebook result shares: HTML/Markdown display, pandas conversion and the
metrics line. In its own module so ``results`` and ``model_results`` both import it
without importing each other (no import cycle)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

import polars as pl

from segtui.notebook.render import Report, to_html, to_markdown

if TYPE_CHECKING:
    import pandas


class _Shown(ABC):
    """HTML and Markdown from :meth:`report` (Jupyter calls the ``_repr_*_`` methods)."""

    @abstractmethod
    def report(self) -> Report:
        """What to show: every result class says it."""

    def _repr_html_(self) -> str:
        return to_html(self.report())

    def _repr_markdown_(self) -> str:
        return to_markdown(self.report())


def _pandas(frame: pl.DataFrame) -> pandas.DataFrame:
    """``frame`` as pandas; a clear ImportError when pandas is not installed."""
    try:
        import pandas  # noqa: F401
    except ImportError:
        raise ImportError("to_pandas() needs pandas: pip install pandas pyarrow") from None
    return frame.to_pandas()


def _metrics_line(metrics: dict[str, Any]) -> str:
    return (
        f"Davies-Bouldin {metrics['davies_bouldin']:.3f} (lower is better) · "
        f"silhouette {metrics['silhouette']:.3f} · "
        f"Calinski-Harabasz {metrics['calinski_harabasz']:,.1f}"
    )

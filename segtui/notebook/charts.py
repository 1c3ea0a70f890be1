"""A small sweep chart (Davies-Bouldin and stability by k) when matplotlib is installed.

matplotlib is never a dependency: without it :func:`sweep_chart` returns None and the sweep
shows only its table.
"""

from __future__ import annotations

import importlib
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from segtui.engine import SweepResult


def sweep_chart(result: SweepResult) -> bytes | None:
    """PNG bytes of Davies-Bouldin (left axis) and stability (right axis) against k, with
    the recommended k marked; None when matplotlib is not installed."""
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        return None
    # The Agg canvas draws without a display and without touching pyplot's global state.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ks = [row.k for row in result.rows]
    figure = Figure(figsize=(4.5, 2.4), dpi=100)
    FigureCanvasAgg(figure)
    left = figure.add_subplot()
    left.plot(ks, [row.davies_bouldin for row in result.rows], marker="o", color="tab:blue")
    left.set_xticks(ks)
    left.set_xlabel("k")
    left.set_ylabel("Davies-Bouldin", color="tab:blue")
    right = left.twinx()
    right.plot(ks, [row.stability for row in result.rows], marker="s", color="tab:orange")
    right.set_ylabel("stability", color="tab:orange")
    left.axvline(result.recommended_k, color="grey", linestyle="--", linewidth=1)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()

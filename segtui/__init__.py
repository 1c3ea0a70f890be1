"""segtui: customer segmentation from transaction data, in the terminal.

Only the version lives here so that ``segtui --help`` stays instant; the Python API
(:func:`segment`) imports the engine on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from segtui.version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from segtui.engine.pipeline import SegmentationResult


def segment(source: Any = None, **options: Any) -> SegmentationResult:
    """Segment the customers in ``source`` (see :func:`segtui.engine.pipeline.segment`).

    Returns a :class:`~segtui.engine.pipeline.SegmentationResult`.
    """
    from segtui.engine.pipeline import segment as _segment

    return _segment(source, **options)


__all__ = ["__version__", "segment"]

"""Writing a result: the one place its files (segments, summary, rules, model, export)
are planned against the inputs to protect, staged and committed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from segtui.engine.result import SegmentationResult


def write_model(
    result: SegmentationResult, input_files: list[Path], path: Path, *, force: bool
) -> Path:
    """Build the model of ``result`` (hashing ``input_files``) and save it to ``path``.
    Returns the absolute path written."""
    from segtui.engine.models.build import build_model
    from segtui.engine.models.model import save_model

    return save_model(build_model(result, input_files), path, force=force)

"""A save dialog for one table (the migration cross-table): CSV, Parquet or JSON by
extension, written by the same writer as the CLI's ``--out``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from segtui.tui.screens.save_file import SaveFileScreen

if TYPE_CHECKING:
    import polars as pl

    from segtui.engine import SegmentationResult


class SaveTableScreen(SaveFileScreen):
    """Save ``frame``; overwriting asks first. Dismisses with the path written (or None)."""

    empty = "give a file name to save the table to"
    what = "table"

    def __init__(
        self, result: SegmentationResult, frame: pl.DataFrame, path: Path, title: str
    ) -> None:
        super().__init__(result, path)
        self.frame = frame
        self.heading = title

    def formats(self) -> tuple[str, ...]:
        from segtui.engine import SEGMENT_FORMATS

        return SEGMENT_FORMATS

    def save(self, paths: list[Path], *, force: bool) -> list[Path]:
        from segtui.engine import write_frame

        written = write_frame(self.frame, paths[0], force=force)
        assert written is not None  # a file path, never stdout
        return [written]

"""The save-model dialog: the current result as a model file for `segtui assign`,
`lookalike` and `migrate` (the same JSON `segtui run --save-model` writes)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from segtui.tui.screens.save_file import SaveFileScreen

if TYPE_CHECKING:
    from segtui.engine import SegmentationResult


def default_model_path(result: SegmentationResult, folder: Path) -> Path:
    """``model_k<k>.json`` in ``folder``."""
    return folder / f"model_k{result.k}.json"


class SaveModelScreen(SaveFileScreen):
    """Save the current model; overwriting asks first. Dismisses with the path written."""

    heading = "Save model"
    empty = "give a file name to save the model to"
    what = "model file"

    def __init__(self, result: SegmentationResult, path: Path, input_files: list[Path]) -> None:
        super().__init__(result, path)
        self.input_files = input_files

    def formats(self) -> tuple[str, ...]:
        return (".json",)

    def hint(self) -> str:
        return "A .json model file: segtui assign / lookalike / migrate --model read it"

    def save(self, paths: list[Path], *, force: bool) -> list[Path]:
        from segtui.engine import write_model

        return [write_model(self.result, self.input_files, paths[0], force=force)]

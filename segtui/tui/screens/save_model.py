"""The save-model dialog: the current result as a model file for `segtui assign`,
`lookalike` and `migrate` (the same JSON `segtui run --save-model` writes)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from segtui.engine import OutputError, SegtuiError
from segtui.tui.screens.export import ExportScreen
from segtui.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from segtui.engine import SegmentationResult


def default_model_path(result: SegmentationResult, folder: Path) -> Path:
    """``model_k<k>.json`` in ``folder``."""
    return folder / f"model_k{result.k}.json"


class SaveModelScreen(ExportScreen):
    """Save the current model; overwriting asks first. Dismisses with the path written."""

    def __init__(self, result: SegmentationResult, path: Path, input_files: list[Path]) -> None:
        super().__init__(result, path)
        self.input_files = input_files

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Static("Save model", classes="dialog-title")
            yield Static(
                "A .json model file: segtui assign / lookalike / migrate --model read it",
                classes="hint",
            )
            yield Input(str(self.initial), id="export-path")
            yield Static(id="export-error")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="do-export")
                yield Button("Cancel", id="cancel")
        yield KeyFooter()  # this dialog's keys, not the view's behind it

    def targets(self) -> list[Path]:
        """The model path the form names (absolute; raises OutputError unless .json)."""
        from segtui.engine import check_target

        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            raise OutputError("give a file name to save the model to")
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        check_target(path, force=True, allowed=(".json",), what="model file")
        return [path]

    @work(thread=True, exclusive=True, group="export")
    def _write(self, paths: list[Path], force: bool) -> None:
        from segtui.engine import write_model

        try:
            written = [write_model(self.result, self.input_files, paths[0], force=force)]
        except SegtuiError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        except OSError as exc:
            self.app.call_from_thread(
                self._failed, f"{exc.strerror or exc}: {exc.filename or paths[0]}"
            )
            return
        except Exception as exc:  # the dialog reports it; the session goes on
            self.app.call_from_thread(self._failed, f"internal error: {exc!r}")
            return
        self.app.call_from_thread(self._finished, written)

"""A save dialog for one table (the migration cross-table): CSV, Parquet or JSON by
extension, written by the same writer as the CLI's ``--out``."""

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
    import polars as pl


if TYPE_CHECKING:
    from segtui.engine import SegmentationResult


class SaveTableScreen(ExportScreen):
    """Save ``frame``; overwriting asks first. Dismisses with the path written (or None)."""

    def __init__(
        self, result: SegmentationResult, frame: pl.DataFrame, path: Path, title: str
    ) -> None:
        super().__init__(result, path)
        self.frame = frame
        self.title_text = title

    def compose(self) -> ComposeResult:
        from segtui.engine import SEGMENT_FORMATS

        with Vertical(id="export-box"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(f"Format from the extension: {', '.join(SEGMENT_FORMATS)}", classes="hint")
            yield Input(str(self.initial), id="export-path")
            yield Static(id="export-error")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="do-export")
                yield Button("Cancel", id="cancel")
        yield KeyFooter()  # this dialog's keys, not the view's behind it

    def targets(self) -> list[Path]:
        """The path the form names (absolute; raises OutputError for an unknown format)."""
        from segtui.engine import SEGMENT_FORMATS, check_target

        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            raise OutputError("give a file name to save the table to")
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        check_target(path, force=True, allowed=SEGMENT_FORMATS, what="table")
        return [path]

    @work(thread=True, exclusive=True, group="export")
    def _write(self, paths: list[Path], force: bool) -> None:
        from segtui.engine import write_frame

        try:
            written = write_frame(self.frame, paths[0], force=force)
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
        self.app.call_from_thread(self._finished, [written] if written else None)

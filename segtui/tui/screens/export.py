"""The export dialog: a path (format from its extension) and an optional Markdown report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static
from textual.worker import Worker, WorkerState

from segtui.engine import SegtuiError, plural
from segtui.tui.screens.dialogs import ConfirmScreen
from segtui.tui.widgets.key_footer import KeyFooter
from segtui.tui.widgets.toggles import StateCheckbox

if TYPE_CHECKING:
    import polars as pl


if TYPE_CHECKING:
    from segtui.engine import SegmentationResult


def export_rows(result: SegmentationResult, rows: pl.DataFrame, path: Path, *, force: bool) -> Path:
    """Write ``rows`` (some of ``result.segments``, in the view's order) as a segments
    file: the same columns, column order and writer as the full export. Returns the
    absolute path."""
    from segtui.engine import check_export, write_frame

    check_export(path, force=force)
    written = write_frame(rows.select(result.segments.columns), path, force=force)
    assert written is not None  # a file path, never stdout
    return written


def default_export_path(result: SegmentationResult, folder: Path) -> Path:
    """``segments_k<k>.csv`` in ``folder`` (a sensible, non-clobbering-looking default)."""
    return folder / f"segments_k{result.k}.csv"


class ExportScreen(ModalScreen[list[Path] | None]):
    """Export the current result; dismisses with the absolute paths written (or None)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "cancel", "Cancel")]

    def __init__(
        self, result: SegmentationResult, path: Path, view: pl.DataFrame | None = None
    ) -> None:
        super().__init__()
        self.result = result
        self.initial = path
        # The Customers view's rows (its filter, search and sort), when they differ from
        # all customers: offered as "only the current view".
        self.view = view
        self._written: tuple[list[Path] | None] | None = None

    def compose(self) -> ComposeResult:
        from segtui.engine import EXPORT_FORMATS

        with Vertical(id="export-box"):
            yield Static("Export", classes="dialog-title")
            yield Static(
                f"Format from the extension: {', '.join(EXPORT_FORMATS)} "
                "(.md = report, .toml = settings for `segtui run --config`)",
                classes="hint",
            )
            yield Input(str(self.initial), id="export-path")
            yield StateCheckbox("Also write a Markdown report (.md beside it)", id="with-report")
            if self.view is not None:
                yield StateCheckbox(
                    f"Only the current view: {plural(self.view.height, 'customer')} of "
                    f"{self.result.n_customers:,} (Customers filter, search and sort)",
                    id="view-only",
                )
            yield Static(id="export-error")
            with Horizontal(classes="buttons"):
                yield Button("Export", variant="primary", id="do-export")
                yield Button("Cancel", id="cancel")
        yield KeyFooter()  # this dialog's keys, not the view's behind it

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()
        self._offer_report(self.query_one("#export-path", Input).value)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._offer_report(event.value)

    def _offer_report(self, text: str) -> None:
        """The Markdown report goes beside a segments file only: for a .toml or .md
        path the box is hidden (and unticked), so it never promises a file not written."""
        from segtui.engine import export_kind

        try:
            segments = export_kind(Path(text.strip())) == "segments"
        except SegtuiError:
            segments = True  # unknown extension: the error on export says which to use
        boxes = self.query("#with-report")
        if not boxes:  # the save-model and save-table dialogs offer no report
            return
        box = boxes.first(Checkbox)
        box.display = segments
        if not segments:
            box.value = False

    def targets(self) -> list[Path]:
        """Paths the current form would write (validated; raises SegtuiError)."""
        from segtui.engine import check_export, export_kind

        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            from segtui.engine import OutputError

            raise OutputError("give a file name to export to")
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        if path.is_dir():
            from segtui.engine import OutputError

            raise OutputError("is a folder", file=path, hint="add a file name, e.g. segments.csv")
        paths = [path]
        if self.query_one("#with-report", Checkbox).value and export_kind(path) == "segments":
            paths.append(path.with_suffix(".md"))
        for target in paths:
            check_export(target, force=True)
        return paths

    def show_error(self, message: str) -> None:
        """Show ``message`` in the dialog (which stays open)."""
        self.query_one("#export-error", Static).update(f"✖ {message}")
        self.add_class("has-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "do-export":
            self.start()
        else:
            self.dismiss(None)

    def start(self) -> None:
        """Validate, confirm overwriting existing files, then write."""
        try:
            paths = self.targets()
        except SegtuiError as exc:
            self.show_error(str(exc))
            return
        existing = [p for p in paths if p.exists()]
        if not existing:
            self.write(paths, force=False)
            return
        names = ", ".join(str(p) for p in existing)

        def answered(yes: bool | None) -> None:
            if yes:
                self.write(paths, force=True)
            else:
                self.show_error("not exported: the file exists (choose another name)")

        self.app.push_screen(ConfirmScreen(f"Overwrite {names}?"), answered)

    def write(self, paths: list[Path], *, force: bool) -> None:
        """Export to every path in a worker (a million-row file takes seconds); the
        dialog shows progress, then closes on success or shows the error and stays."""
        self.query_one("#export-error", Static).update("writing…")
        self.query_one("#do-export", Button).disabled = True
        self._write(paths, force)

    @work(thread=True, exclusive=True, group="export")
    def _write(self, paths: list[Path], force: bool) -> None:
        from segtui.engine import export, export_kind

        written: list[Path] = []
        view = self.view if self._view_only() else None
        try:
            for path in paths:
                if view is not None and export_kind(path) == "segments":
                    written.append(export_rows(self.result, view, path, force=force))
                else:
                    written.append(export(self.result, path, force=force))
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

    def _finished(self, written: list[Path] | None) -> None:
        """Called from the writing worker; the dialog closes once that worker has ended
        (dismissing from inside it cancelled the still-running worker)."""
        self._written = (written,)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "export" and event.state == WorkerState.SUCCESS:
            if self._written is not None:
                self.dismiss(self._written[0])

    def _view_only(self) -> bool:
        boxes = self.query("#view-only")
        return bool(boxes) and bool(boxes.first(Checkbox).value)

    def _failed(self, message: str) -> None:
        self.query_one("#do-export", Button).disabled = False
        self.show_error(message)

    def action_cancel(self) -> None:
        self.dismiss(None)

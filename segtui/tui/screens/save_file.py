"""The one save-file dialog of the workbench.

A path (its format from the extension), checked before anything is asked: the folder,
the extension, and the files the result was read from, which are never written over
(the same output plan the CLI checks ``--out`` with). A file that exists is replaced
only after a yes; the writing runs as a job (``tui/jobs.py``), and the dialog closes on
success or shows the error and stays open.

Every save in the workbench is this dialog: segments, reports and settings (export.py),
a table (save_table.py) and a model (save_model.py). Each gives its title, hint, formats,
the name of what it writes and the function that writes; nothing else differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Static
from textual.worker import Worker, WorkerState

from segtui.engine import OutputError, SegtuiError
from segtui.tui.jobs import JobDone, JobFailed, Report, run_job
from segtui.tui.screens.dialogs import ConfirmScreen
from segtui.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from segtui.engine import SegmentationResult


class SaveFileScreen(ModalScreen[list[Path] | None]):
    """Save something of ``result`` to a file; dismisses with the absolute paths written
    (or None). Subclasses name what they save and write it in :meth:`save`."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "cancel", "Cancel")]

    heading = "Save"
    button = "Save"
    what = "file"  # what it writes, in the output plan's messages
    empty = "give a file name to save to"

    def __init__(self, result: SegmentationResult, path: Path) -> None:
        super().__init__()
        self.result = result
        self.initial = path
        self._written: tuple[list[Path]] | None = None

    # -- what differs between uses ------------------------------------------------
    def formats(self) -> tuple[str, ...]:
        """The extensions it writes (looked up when the dialog opens: the engine's lists
        live beside its writers, which import Polars)."""
        return ()

    def hint(self) -> str:
        """The line under the title: the formats, where the file is used."""
        return f"Format from the extension: {', '.join(self.formats())}"

    def options(self) -> Iterator[Widget]:
        """Widgets between the path and the error line (the export's checkboxes)."""
        yield from ()

    def targets(self, path: Path) -> list[Path]:
        """Every file the form writes for ``path`` (the export adds its report)."""
        return [path]

    def save(self, paths: list[Path], *, force: bool) -> list[Path]:
        """Write ``paths`` (in the job's thread). Returns the absolute paths written."""
        raise NotImplementedError

    # -- the dialog -----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Static(self.heading, classes="dialog-title")
            yield Static(self.hint(), classes="hint")
            yield Input(str(self.initial), id="export-path")
            yield from self.options()
            yield Static(id="export-error")
            with Horizontal(classes="buttons"):
                yield Button(self.button, variant="primary", id="do-export")
                yield Button("Cancel", id="cancel")
        yield KeyFooter()  # this dialog's keys, not the view's behind it

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def chosen(self) -> list[Path]:
        """The files the form names, absolute and checked: a file name given, a known
        extension, a folder that takes files, and none of them a file the result was
        read from (raises SegtuiError saying which)."""
        from segtui.engine import Target, command_inputs, plan_outputs

        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            raise OutputError(self.empty)
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        if path.is_dir():
            hint = f"add a file name, e.g. {self.initial.name}"
            raise OutputError("is a folder", file=path, hint=hint)
        paths = self.targets(path)
        plan_outputs(
            [Target(self.what, p, self.formats(), self.what) for p in paths],
            inputs=command_inputs(self.result.settings, read=self.result.input_files),
            force=True,  # an existing file is asked about next, not refused
        )
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
            paths = self.chosen()
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
        """Write every path in a job (a million-row file takes seconds); the dialog shows
        progress, then closes on success or shows the error and stays."""
        self.query_one("#export-error", Static).update("writing…")
        self.query_one("#do-export", Button).disabled = True

        def work(_: Report) -> list[Path]:
            try:
                return self.save(paths, force=force)
            except OSError as exc:  # the disk's own words and the file they are about
                raise OutputError(f"{exc.strerror or exc}: {exc.filename or paths[0]}") from exc

        run_job(self, "save", work, group="export")

    def on_job_done(self, event: JobDone) -> None:
        self._written = (event.value,)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The dialog closes once the writing job's worker has ended: closing it earlier
        # would cancel the worker in its last step.
        if event.worker.group == "export" and event.state == WorkerState.SUCCESS:
            if self._written is not None:
                self.dismiss(self._written[0])

    def on_job_failed(self, event: JobFailed) -> None:
        self.query_one("#do-export", Button).disabled = False
        self.show_error(event.message)

    def action_cancel(self) -> None:
        self.dismiss(None)

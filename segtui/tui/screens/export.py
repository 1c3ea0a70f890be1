"""The export dialog: a path (format from its extension) and, beside a segments file,
an optional Markdown report and summary JSON (the files ``segtui run --summary`` writes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from textual.widget import Widget
from textual.widgets import Checkbox, Input

from segtui.engine import SegtuiError, plural
from segtui.tui.screens.save_file import SaveFileScreen
from segtui.tui.widgets.toggles import StateCheckbox

if TYPE_CHECKING:
    import polars as pl

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


class ExportScreen(SaveFileScreen):
    """Export the current result (segments file, report or settings): the save-file
    dialog with a report box and, given the Customers view's rows, a view-only box."""

    heading = "Export"
    button = "Export"
    what = "export"
    empty = "give a file name to export to"

    def __init__(
        self, result: SegmentationResult, path: Path, view: pl.DataFrame | None = None
    ) -> None:
        super().__init__(result, path)
        # The Customers view's rows (its filter, search and sort), when they differ from
        # all customers: offered as "only the current view".
        self.view = view

    def formats(self) -> tuple[str, ...]:
        from segtui.engine import EXPORT_FORMATS

        return EXPORT_FORMATS

    def hint(self) -> str:
        # Two lines at 80 columns, so the dialog with every box fits 24 rows.
        return f"{super().hint()} (.md = report, .summary.json = summary, .toml = settings)"

    def options(self) -> Iterator[Widget]:
        yield StateCheckbox(
            "Also write a Markdown report (.md beside it)", id="with-report", classes="beside"
        )
        yield StateCheckbox(
            "Also write the summary JSON (.summary.json beside it)",
            id="with-summary",
            classes="beside",
        )
        if self.view is not None:
            yield StateCheckbox(
                # The counts first: at 80 columns the label ends in "…" after them.
                f"Only the current view: {self.view.height:,} of "
                f"{plural(self.result.n_customers, 'customer')} (filter, search, sort)",
                id="view-only",
            )

    def on_mount(self) -> None:
        super().on_mount()
        self._offer_report(self.query_one("#export-path", Input).value)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._offer_report(event.value)

    def _offer_report(self, text: str) -> None:
        """The report and the summary go beside a segments file only: for a .toml, .md
        or .summary.json path the boxes are hidden (and unticked), so they never promise
        a file not written."""
        from segtui.engine import export_kind

        try:
            segments = export_kind(Path(text.strip())) == "segments"
        except SegtuiError:
            segments = True  # unknown extension: the error on export says which to use
        for box in self.query(".beside").results(Checkbox):
            box.display = segments
            if not segments:
                box.value = False

    def targets(self, path: Path) -> list[Path]:
        """The file named and, for a segments file, the report (.md) and the summary
        (.summary.json) beside it whose boxes are ticked."""
        from segtui.engine import beside, export_kind

        paths = [path]
        if export_kind(path) == "segments":
            for kind in ("report", "summary"):
                if self.query_one(f"#with-{kind}", Checkbox).value:
                    paths.append(beside(path, kind))
        return paths

    def save(self, paths: list[Path], *, force: bool) -> list[Path]:
        from segtui.engine import export, export_kind

        boxes = self.query("#view-only")
        view = self.view if boxes and boxes.first(Checkbox).value else None
        written: list[Path] = []
        for path in paths:
            if view is not None and export_kind(path) == "segments":
                written.append(export_rows(self.result, view, path, force=force))
            else:
                written.append(export(self.result, path, force=force))
        return written

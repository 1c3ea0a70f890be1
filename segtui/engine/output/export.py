"""Export a result by file extension: segments (csv/parquet/json), report (md), settings (toml).

The one function the UI's export dialog calls; it writes through the same writers as
``segtui run --out/--summary`` so the files are identical.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from segtui.engine.errors import OutputError
from segtui.engine.output.inputs import result_inputs
from segtui.engine.output.plan import OutputPlan, Target, plan_outputs
from segtui.engine.output.writers import SEGMENT_FORMATS

if TYPE_CHECKING:
    from segtui.engine.result import SegmentationResult

REPORT_FORMATS = (".md",)
SETTINGS_FORMATS = (".toml",)
EXPORT_FORMATS = SEGMENT_FORMATS + REPORT_FORMATS + SETTINGS_FORMATS


def export_kind(path: Path) -> str:
    """'segments', 'report' or 'settings' from the extension; raises OutputError otherwise."""
    suffix = path.suffix.lower()
    if suffix in SEGMENT_FORMATS:
        return "segments"
    if suffix in REPORT_FORMATS:
        return "report"
    if suffix in SETTINGS_FORMATS:
        return "settings"
    raise OutputError(
        f"cannot tell the export format from the extension {suffix or '(none)'!r}",
        file=path,
        hint=f"use one of {', '.join(EXPORT_FORMATS)}",
    )


def check_export(path: Path, *, force: bool, result: SegmentationResult | None = None) -> None:
    """Raise OutputError when ``path`` cannot be exported to (unknown format, no folder,
    exists without ``force``, or, given ``result``, one of the files it was read from)."""
    plan_export(path, force=force, result=result)


def plan_export(path: Path, *, force: bool, result: SegmentationResult | None = None) -> OutputPlan:
    """The output plan of one export: checked against the result's input files."""
    export_kind(path)
    inputs = result_inputs(result) if result is not None else []
    return plan_outputs(
        [Target("export", path, EXPORT_FORMATS, "export")], inputs=inputs, force=force
    )


def export(result: SegmentationResult, path: Path | str, *, force: bool = False) -> Path:
    """Write ``result`` to ``path`` in the format its extension names. Returns the
    absolute path written. Settings files replay with ``segtui run --config``. Never
    writes over a file the result was read from."""
    from segtui import settings_file
    from segtui.engine.output.writers import frame_to_file, summary_text, write_text_file

    target = Path(path).expanduser()
    plan = plan_export(target, force=force, result=result)
    kind = export_kind(target)

    def write(tmp: Path, suffix: str) -> None:
        if kind == "segments":
            frame_to_file(result.segments, tmp, suffix)
        elif kind == "report":
            write_text_file(tmp, summary_text(result.summary(), suffix))
        else:
            write_text_file(tmp, settings_file.dump(result.settings))

    return plan.commit({"export": write})[0]

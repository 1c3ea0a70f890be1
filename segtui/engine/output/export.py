"""Export a result by file extension: segments (csv/parquet/json), report (md), settings (toml).

The one function the UI's export dialog calls; it writes through the same writers as
``segtui run --out/--summary`` so the files are identical.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from segtui.engine.errors import OutputError
from segtui.engine.output.writers import SEGMENT_FORMATS, check_target, write_text_atomic

if TYPE_CHECKING:
    from segtui.engine.pipeline import SegmentationResult

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


def check_export(path: Path, *, force: bool) -> None:
    """Raise OutputError when ``path`` cannot be exported to (unknown format, no folder,
    exists without ``force``)."""
    export_kind(path)
    check_target(path, force=force, allowed=EXPORT_FORMATS, what="export")


def export(result: SegmentationResult, path: Path | str, *, force: bool = False) -> Path:
    """Write ``result`` to ``path`` in the format its extension names. Returns the
    absolute path written. Settings files replay with ``segtui run --config``."""
    from segtui import settings_file

    target = Path(path).expanduser()
    check_export(target, force=force)
    kind = export_kind(target)
    if kind == "segments":
        return result.write(target, force=force)[0]
    if kind == "report":
        return result.write(None, target, force=force)[0]
    write_text_atomic(target, settings_file.dump(result.settings), force=force)
    return target.resolve()

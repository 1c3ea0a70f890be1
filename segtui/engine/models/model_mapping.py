"""The column mapping a model command reads a source with: the model's recorded mapping
(a single log's columns, delimiter and customers file) overridden key by key by the
command's flags. Used by the reader (:func:`segtui.engine.models.assign.load_for_model`)
and by the output plan (:mod:`segtui.engine.output.inputs`), so both agree on which
customers file a command reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from segtui.config import MAPPING_KEYS
from segtui.engine.errors import OptionError

if TYPE_CHECKING:
    from segtui.engine.models.model import SegmentModel


def model_mapping(
    model: SegmentModel,
    overrides: Mapping[str, str | None] | None = None,
    *,
    folder: bool = False,
) -> dict[str, str]:
    """The column mapping to read a new source with: the model's recorded mapping, each
    key replaced by a non-None override. An empty override drops the recorded key (the
    column is then detected). With ``folder`` the recorded mapping is left out.

    Raises OptionError for an unknown key or a delimiter that is not one character.
    """
    recorded = {} if folder else dict(model.settings.get("mapping") or {})
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in MAPPING_KEYS:
            raise OptionError(f"unknown mapping key {key!r}", hint=", ".join(MAPPING_KEYS))
        if key == "delimiter" and value:
            value = {"\\t": "\t", "tab": "\t"}.get(value.lower(), value)
            if len(value) != 1:
                raise OptionError("the delimiter must be one character (or 'tab')", value=value)
        recorded[key] = value
    return {key: str(value) for key, value in recorded.items() if value != ""}


def is_folder(source: Path | str | None) -> bool:
    """True when ``source`` is a folder (its tables are named, so no mapping applies)."""
    return source is not None and Path(source).is_dir()

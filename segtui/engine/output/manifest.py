"""The run manifest: what it takes to rerun a segmentation and get the same bytes.

The summary's ``manifest`` records the BLAKE2b-256 digest of the input files' *content*
(:func:`~segtui.engine.models.integrity.hash_files`, the model file's hash: names and bytes,
not paths), every setting, the seed, the versions of segtui, Python and the libraries
that compute the numbers, and (for ``--like``) the digest of the model file. Nothing in
it depends on the time or the machine's state, so a replay's summary is byte-identical.

``segtui run --replay summary.json`` (:func:`replay`) reads the settings back, reads the
source, and refuses to run (InputError, exit 2) when a file's digest differs.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segtui.config import Settings
from segtui.engine.errors import InputError
from segtui.engine.models.integrity import hash_files
from segtui.version import __version__

if TYPE_CHECKING:
    pass

FORMAT = "segtui-run-manifest/1"
PACKAGES = ("polars", "numpy", "scikit-learn", "scipy")


def versions() -> dict[str, str]:
    """segtui, Python and the numeric libraries' versions."""
    out = {"segtui": __version__, "python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            out[name] = "not installed"
    return out


def settings_record(settings: Settings) -> dict[str, Any]:
    """Every setting as plain values that :func:`settings_from_record` turns back into
    ``settings``; ``source``/``like`` as given, with their absolute paths beside them."""
    record = settings.params()
    for key in ("source", "like"):
        path = getattr(settings, key)
        record[key] = str(path) if path is not None else None
        record[f"{key}_path"] = str(Path(path).resolve()) if path is not None else None
    return record


def build_manifest(settings: Settings, input_files: Iterable[Path]) -> dict[str, Any]:
    """The manifest of a run of ``settings`` that read ``input_files``."""
    files = list(input_files)
    like = None
    if settings.like is not None and Path(settings.like).is_file():
        like = hash_files([Path(settings.like)])
    return {
        "format": FORMAT,
        "input": hash_files(files) if files else None,
        "like_model": like,
        "seed": settings.seed,
        "settings": settings_record(settings),
        "versions": versions(),
    }


def settings_from_record(record: dict[str, Any]) -> Settings:
    """The settings a manifest recorded. A relative source or model that no longer
    resolves from here is taken at its recorded absolute path."""
    from segtui.settings_file import SETTING_KEYS, merge

    values = {key: record[key] for key in SETTING_KEYS if record.get(key) is not None}
    for key in ("source", "like"):
        given = record.get(key)
        if given is not None and not Path(given).exists() and record.get(f"{key}_path"):
            values[key] = record[f"{key}_path"]
    if record.get("mapping"):
        values["mapping"] = record["mapping"]
    return merge(values, {})


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a summary JSON file; InputError when there is none."""
    if not path.is_file():
        raise InputError("summary file not found", file=path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(
            "not a segtui summary JSON file", file=path, hint="pass the --summary .json a run wrote"
        ) from None
    manifest = data.get("manifest") if isinstance(data, dict) else None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(
            "the summary has no run manifest to replay",
            file=path,
            hint="it was written by an older segtui or is not a run summary",
        )
    return manifest


def check_same(recorded: dict[str, Any] | None, files: list[Path], what: str, origin: Path) -> None:
    """Raise InputError naming the first file whose content differs from ``recorded``."""
    if recorded is None:
        return
    now = hash_files(files)
    if now["digest"] == recorded["digest"]:
        return
    before = {f["name"]: f["digest"] for f in recorded.get("files", [])}
    after = {f["name"]: f["digest"] for f in now["files"]}
    changed = sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
    raise InputError(
        f"{what} changed since the run recorded in {origin}: "
        f"{', '.join(changed) or 'file set'} differ{'s' if len(changed) == 1 else ''} "
        f"(BLAKE2b-256)",
        hint="replay needs the same data; run without --replay for a new segmentation",
    )

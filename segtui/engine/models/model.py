"""Model files: a fitted segmentation saved as a plain, versioned JSON document.

A model holds everything needed to put new customers into the same segments without
refitting: the feature list and definitions, the as-of rule, the fitted scaling
(:class:`~segtui.engine.clustering.space.SpaceSpec`, plain numbers), the centroids in that
space, the segments' names, descriptions and actions, the metrics, the training settings and a
BLAKE2b hash of the input files. No pickle: loading never runs code, and every field is
checked, so a truncated, hand-broken or newer-format file is refused with one clear line.

Floats are written with Python's shortest round-trip repr, so a saved and re-loaded model
transforms and assigns bit for bit like the in-memory one.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from segtui.engine.clustering.space import SpaceSpec
from segtui.engine.errors import InputError
from segtui.engine.features.compute import feature_kind
from segtui.engine.models.integrity import CHECKSUM_KEY, content_checksum, seal
from segtui.engine.output.writers import check_target, json_text, write_text_atomic
from segtui.engine.segments.profiles import SegmentProfile
from segtui.version import __version__

FORMAT = "segtui-model"
SCHEMA_VERSION = 1
RULE_DEFAULT = "day after the last transaction"
RULE_FIXED = "fixed date"
REQUIRED_SEGMENT_KEYS = ("id", "name", "size", "description", "action")
# Sane magnitudes: a scale below MIN_SCALE divides every customer into infinity, a
# centroid or centre beyond MAX_ABS overflows the squared distances.
MIN_SCALE = 1e-12
MAX_ABS = 1e32
MAX_ABS_CENTROID = 1e12


@dataclass
class SegmentModel:
    """A loaded (or freshly built) model: plain data, no fitted Python objects."""

    features: list[str]
    feature_definitions: dict[str, str]
    space: SpaceSpec
    centroids: np.ndarray
    segments: list[SegmentProfile]
    metrics: dict[str, Any]
    as_of_rule: str
    training_as_of: dt.date
    settings: dict[str, Any]
    training: dict[str, Any] = field(default_factory=dict)
    segtui_version: str = __version__
    path: Path | None = None
    # Segment id -> ISO date the segment was first seen (kept across `run --like`);
    # optional in the file (older models have none).
    since: dict[int, str] = field(default_factory=dict)

    @property
    def k(self) -> int:
        return int(self.centroids.shape[0])

    @property
    def names(self) -> dict[int, str]:
        """Segment id -> name."""
        return {p.id: p.name for p in self.segments}

    @property
    def input_digest(self) -> str | None:
        """The training input's combined BLAKE2b digest (None when unknown)."""
        value = self.training.get("input", {}).get("digest")
        return str(value) if value else None

    def label(self) -> str:
        """How to name this model in messages: its file, or 'the model'."""
        return str(self.path) if self.path is not None else "the model"

    def to_dict(self) -> dict[str, Any]:
        """The JSON document written to a model file."""
        return {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "segtui_version": self.segtui_version,
            "features": [
                {"name": n, "kind": feature_kind(n), "definition": self.feature_definitions[n]}
                for n in self.features
            ],
            "as_of": {"rule": self.as_of_rule, "training_as_of": self.training_as_of.isoformat()},
            "space": self.space.to_dict(),
            "columns": self.space.columns,
            "centroids": [[float(v) for v in row] for row in self.centroids],
            "segments": [
                p.to_dict() | ({"since": self.since[p.id]} if p.id in self.since else {})
                for p in self.segments
            ],
            "metrics": self.metrics,
            "settings": self.settings,
            "training": self.training,
        }


def save_model(model: SegmentModel, target: Path | str, *, force: bool = False) -> Path:
    """Write ``model`` as JSON to ``target`` atomically; returns the absolute path."""
    path = Path(target)
    check_target(path, force=force, allowed=(".json",), what="model file")
    write_text_atomic(path, model_text(model), force=force)
    return path.resolve()


def model_text(model: SegmentModel) -> str:
    """The model file's JSON text, sealed with the checksum of its content."""
    return json_text(seal(model.to_dict()))


def load_model(target: Path | str) -> SegmentModel:
    """Read and validate a model file; raises InputError naming what is wrong."""
    from segtui.engine.output.plan import check_input_file

    path = Path(target)
    check_input_file(path, "model file")
    if not path.is_file():
        raise InputError("model file not found" if not path.exists() else "not a file", file=path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text)
    except UnicodeDecodeError:
        raise InputError("not a segtui model file (not UTF-8 text)", file=path) from None
    except RecursionError:
        raise InputError("not a segtui model file (nested too deeply)", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot read the model file ({exc.strerror or exc})", file=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not a valid model file: broken JSON at line {exc.lineno} column {exc.colno} "
            f"({exc.msg}); the file is truncated or corrupted",
            file=path,
            hint="save the model again with segtui run --save-model",
        ) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise InputError(f"not a valid model file ({exc})", file=path) from None
    model = model_from_dict(data, path)
    model.path = path
    return model


def model_from_dict(data: Any, path: Path | str = "model") -> SegmentModel:
    """Validate a parsed model document and build the model; raises InputError."""
    reader = _Reader(path)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f'not a segtui model file (no "format": "{FORMAT}")', file=path)
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise InputError(
            f"model schema version {version!r} is not supported; segtui {__version__} reads "
            f"version {SCHEMA_VERSION}",
            file=path,
            hint=f"the model was written by segtui {data.get('segtui_version', '?')}; "
            "re-create it with this version",
        )
    from segtui.engine.models.model_schema import check_document, check_informative

    check_document(data, path)  # types first: every later step reads well-typed values
    check_informative(data, path)  # coinciding centroids, a newer segtui
    features_raw = reader.get(data, "features", list)
    features, definitions = [], {}
    for item in features_raw:
        name = reader.get(item, "name", str, "features")
        try:
            feature_kind(name)
        except KeyError:
            raise InputError(f"model uses unknown feature {name!r}", file=path) from None
        features.append(name)
        definitions[name] = reader.get(item, "definition", str, "features")
    if not features:
        raise InputError("model has no features", file=path)
    as_of = reader.get(data, "as_of", dict)
    rule = reader.get(as_of, "rule", str, "as_of")
    if rule not in (RULE_DEFAULT, RULE_FIXED):
        raise InputError(f"model has an unknown as-of rule {rule!r}", file=path)
    try:
        training_as_of = dt.date.fromisoformat(reader.get(as_of, "training_as_of", str, "as_of"))
    except ValueError:
        raise InputError("model's as_of.training_as_of is not a date", file=path) from None
    space = reader.space(reader.get(data, "space", dict), features)
    centroids = reader.matrix(reader.get(data, "centroids", list), len(space.columns))
    if reader.get(data, "columns", list) != space.columns:
        raise InputError("model's columns do not match its space", file=path)
    segments = reader.segments(reader.get(data, "segments", list), centroids.shape[0])
    settings = reader.settings(reader.get(data, "settings", dict))
    reader.checksum(data)
    return SegmentModel(
        features=features,
        feature_definitions=definitions,
        space=space,
        centroids=centroids,
        segments=segments,
        metrics=reader.get(data, "metrics", dict),
        as_of_rule=rule,
        training_as_of=training_as_of,
        settings=settings,
        training=reader.get(data, "training", dict),
        segtui_version=reader.get(data, "segtui_version", str),
        since=reader.since(data["segments"]),
    )


class _Reader:
    """Typed access to a parsed model document; every failure is one InputError line."""

    def __init__(self, path: Path | str) -> None:
        self.path = path

    def fail(self, message: str) -> InputError:
        return InputError(f"invalid model file: {message}", file=self.path)

    def get(self, obj: Any, key: str, kind: type, parent: str = "") -> Any:
        where = f"{parent}.{key}" if parent else key
        if not isinstance(obj, dict) or key not in obj:
            raise self.fail(f"missing {where!r}")
        value = obj[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"{where!r} should be a {kind.__name__}")
        return value

    def number(self, value: Any, where: str, limit: float = MAX_ABS) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{where} should be a number (got {value!r})")
        if not math.isfinite(value) or abs(value) > limit:
            raise self.fail(f"{where} is not a finite number within ±{limit:g}")
        return float(value)

    def scale(self, value: Any, where: str) -> float:
        number = self.number(value, where)
        if abs(number) < MIN_SCALE:
            raise self.fail(f"{where} is {number:g}; a scale must be at least {MIN_SCALE:g}")
        return number

    def settings(self, data: dict[str, Any]) -> dict[str, Any]:
        """The training settings, checked like a settings file's keys."""
        from pydantic import ValidationError

        from segtui.settings_model import SettingsFileModel

        try:
            SettingsFileModel.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"] if not isinstance(p, int))
            raise self.fail(f"settings.{where}: {error['msg']}") from None
        return data

    def checksum(self, data: dict[str, Any]) -> None:
        """Refuse a document whose content does not match its checksum (hand-edited or
        corrupted after it was written)."""
        stored = data.get(CHECKSUM_KEY)
        if not isinstance(stored, str):
            raise self.fail("no checksum; save the model again with segtui run --save-model")
        if stored != content_checksum(data):
            raise self.fail(
                "the content does not match its checksum: it was changed after segtui "
                "wrote it, so it is not used"
            )

    def matrix(self, rows: list[Any], width: int) -> np.ndarray:
        if len(rows) < 2:
            raise self.fail("'centroids' needs at least 2 rows")
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != width:
                raise self.fail(f"centroid {i} should have {width} numbers")
        return np.array(
            [
                [self.number(v, f"centroid {i}", MAX_ABS_CENTROID) for v in row]
                for i, row in enumerate(rows)
            ],
            dtype=np.float64,
        )

    def space(self, data: dict[str, Any], features: list[str]) -> SpaceSpec:
        try:
            space = SpaceSpec.from_dict(data)
        except (KeyError, TypeError) as exc:
            raise self.fail(f"'space' is incomplete ({exc})") from None
        names = [c.name for c in space.numeric] + [b.name for b in space.categorical]
        if sorted(names) != sorted(features):
            raise self.fail("'space' does not cover exactly the model's features")
        if not isinstance(space.scaling, str):
            raise self.fail("space.scaling should be a string")
        for col in space.numeric:
            if not isinstance(col.log, bool):
                raise self.fail(f"space {col.name}.log should be true or false")
            for attr in ("center", "fill"):
                self.number(getattr(col, attr), f"space {col.name}.{attr}")
            self.scale(col.scale, f"space {col.name}.scale")
        for block in space.categorical:
            n = len(block.levels)
            if not n or len(block.centers) != n or len(block.scales) != n:
                raise self.fail(f"space block {block.name} has mismatched levels")
            if not all(isinstance(level, str) for level in block.levels):
                raise self.fail(f"space block {block.name} has a level that is not text")
            for v in block.centers:
                self.number(v, f"space block {block.name} centre", 1.0)
            for v in block.scales:
                self.scale(v, f"space block {block.name} scale")
        return space

    def segments(self, items: list[Any], k: int) -> list[SegmentProfile]:
        # Only what assignment and the faces need is required; statistics a newer or older
        # segtui adds or drops default to empty, so profile changes do not break models.
        known = {f.name: f for f in fields(SegmentProfile)}
        profiles = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.fail(f"segment {i} should be an object")
            missing = [key for key in REQUIRED_SEGMENT_KEYS if key not in item]
            if missing:
                raise self.fail(f"segment {i} is missing {', '.join(map(repr, missing))}")
            if isinstance(item["id"], bool) or not isinstance(item["id"], int):
                raise self.fail(f"segment {i} needs an integer id")
            for key in ("name", "description", "action"):
                if not isinstance(item[key], str):
                    raise self.fail(f"segment {i} {key} should be text")
            values = {key: value for key, value in item.items() if key in known}
            for name, spec in known.items():
                if name not in values:
                    values[name] = _empty(spec.type)
            profiles.append(SegmentProfile(**values))
        # Ids are 0..k-1 after a plain run; `run --like` keeps a model's ids, so a later
        # model may skip some (a vanished segment) and continue after the largest. Centroid
        # row i belongs to segment i in file order.
        ids = [p.id for p in profiles]
        if len(ids) != k or len(set(ids)) != k or min(ids, default=0) < 0:
            raise self.fail(
                f"'segments' should have {k} distinct ids of 0 or more, one per centroid"
            )
        return profiles

    def since(self, items: list[Any]) -> dict[int, str]:
        """Segment id -> first-seen date (optional per segment)."""
        out = {}
        for i, item in enumerate(items):
            if "since" in item:
                try:
                    out[int(item["id"])] = dt.date.fromisoformat(str(item["since"])).isoformat()
                except ValueError:
                    raise self.fail(f"segment {i} since is not a date YYYY-MM-DD") from None
        return out


def _empty(annotation: Any) -> Any:
    """Default for a profile statistic missing from a model file (by its type's name)."""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    if text.startswith("dict"):
        return {}
    if text.startswith("list"):
        return []
    if text in ("float", "int"):
        return 0
    return ""

"""The typed shape of a model file, checked by pydantic before any value is used.

Types only (strict: no "3" for 3, no true for 1); the meaning of the values (finite,
scales above an epsilon, shapes that agree, known features, the checksum) is checked by
:mod:`segtui.engine.models.model`. Segment profiles may carry statistics a newer or
older segtui adds or drops, so they allow unknown keys; everything else forbids them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from segtui.engine.errors import InputError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class FeatureEntry(_Strict):
    name: str
    kind: str
    definition: str


class AsOf(_Strict):
    rule: str
    training_as_of: str


class NumericColumnModel(_Strict):
    name: str
    log: bool
    center: float
    scale: float
    fill: float


class CategoricalBlockModel(_Strict):
    name: str
    levels: list[str]
    centers: list[float]
    scales: list[float]


class SpaceModel(_Strict):
    scaling: str
    categorical_weight: float | str
    numeric: list[NumericColumnModel]
    categorical: list[CategoricalBlockModel]


class SegmentModelEntry(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    id: int
    name: str
    size: int
    description: str
    action: str
    share: float | None = None
    revenue_share: float | None = None
    means: dict[str, float | None] | None = None
    medians: dict[str, float | None] | None = None
    z: dict[str, float | None] | None = None
    evidence: list[str] | None = None
    archetype: str | None = None
    mix: dict[str, dict[str, float | None]] | None = None


class ModelDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    format: str
    schema_version: int
    segtui_version: str
    features: list[FeatureEntry]
    as_of: AsOf
    space: SpaceModel
    columns: list[str]
    centroids: list[list[float]]
    segments: list[SegmentModelEntry]
    metrics: dict[str, Any]
    settings: dict[str, Any]
    training: dict[str, Any]
    checksum: str | None = None


_EXPECTED = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "string_type": "text",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
}


def check_document(data: Any, path: Any) -> None:
    """Raise InputError naming the first key of ``data`` that has the wrong type, is
    missing or unknown (list items named by their ``name`` or as ``segment N``)."""
    try:
        ModelDocument.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = _where(data, error["loc"])
        kind = error["type"]
        if kind == "missing":
            parent, _, key = where.rpartition(" ")
            text = f"{parent + ' is ' if parent else ''}missing {key!r}"
        elif kind == "extra_forbidden":
            text = f"unknown key {where!r}"
        else:
            expected = _EXPECTED.get(kind, str(error["msg"]).removeprefix("Input should be "))
            text = f"{where} should be {expected} (got {error.get('input')!r:.40})"
        raise InputError(f"invalid model file: {text}", file=path) from None


def _where(data: Any, loc: tuple[Any, ...]) -> str:
    """A location in words: ``space total_spend.scale``, ``segment 0 name``, ``centroids``."""
    words: list[str] = []
    node = data
    for step in loc:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
        if not isinstance(step, int):
            words.append(str(step))
            continue
        name = node.get("name") if isinstance(node, dict) else None
        if words and words[-1] in ("numeric", "categorical") and isinstance(name, str):
            words[-1] = name
        elif words and words[-1] == "segments":
            words[-1] = f"segment {step}"
        elif words:
            words[-1] = f"{words[-1]}[{step}]"
    if len(words) > 1 and (words[0] == "space" or words[0].startswith("segment ")):
        return f"{words[0]} {'.'.join(words[1:])}"
    return ".".join(words)

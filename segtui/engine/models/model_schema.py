"""The typed shape of a model file, checked by pydantic before any value is used.

Types only (strict: no "3" for 3, no true for 1); the meaning of the values (finite,
scales above an epsilon, shapes that agree, known features, the checksum) is checked by
:mod:`segtui.engine.models.model`. ``check_informative`` refuses a well-formed model that
says nothing: centroids that coincide, or a segtui newer than this one. Segment
profiles may carry statistics a newer or older segtui adds or drops, so they allow
unknown keys; everything else forbids them.
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


# Two centroids closer than this in every standardised column (units of one standard
# deviation; segments a real run keeps apart differ by tenths at least) are the same
# point: the second can never receive a customer, since ties go to the first.
SAME_CENTROID = 1e-6


def check_informative(data: dict[str, Any], path: Any) -> None:
    """Raise InputError for a model (already type-checked) that cannot mean what it says:
    two centroids at the same point, or written by a segtui newer than this one, whose
    features and rules this version may not share."""
    import numpy as np

    from segtui.version import __version__

    written = str(data.get("segtui_version", ""))
    if _version(written) > _version(__version__):
        raise InputError(
            f"the model was written by segtui {written}, newer than this segtui "
            f"{__version__}, whose features may differ",
            file=path,
            hint="upgrade segtui (pip install -U segtui) or save the model again with this one",
        )
    try:
        centroids = np.asarray(data.get("centroids", []), dtype=np.float64)
    except ValueError:  # rows of different widths: the model reader names the row
        return
    if centroids.ndim != 2 or len(centroids) < 2:
        return  # the shape is refused, with its own message, by the model reader
    gaps = np.abs(centroids[:, None, :] - centroids[None, :, :]).max(axis=2)
    first, second = np.triu_indices(len(centroids), k=1)
    same = gaps[first, second] <= SAME_CENTROID
    if not same.any():
        return
    ids = [item.get("id") for item in data.get("segments", [])]
    i, j = int(first[same][0]), int(second[same][0])

    def segment(row: int) -> str:
        return f"segment {ids[row]}" if row < len(ids) else f"centroid {row}"

    if same.all():
        what = f"all {len(centroids)} centroids are the same point"
        effect = f"every customer would land in {segment(0)}"
    else:
        what = f"centroids {i} and {j} are the same point (within {SAME_CENTROID:g})"
        effect = f"{segment(j)} could never receive a customer"
    raise InputError(
        f"invalid model file: {what}; {effect}",
        file=path,
        hint="save the model again from a segtui run (segtui run --save-model)",
    )


def _version(text: str) -> tuple[int, ...]:
    """``"1.2.3"`` as (1, 2, 3); a part that does not start with digits ends it
    (``"0.2.0.dev1"`` is (0, 2, 0)), so an unknown text compares as the oldest."""
    parts = []
    for part in text.split("."):
        digits = len(part) - len(part.lstrip("0123456789"))
        if digits == 0:
            break
        parts.append(int(part[:digits]))
    return tuple(parts)

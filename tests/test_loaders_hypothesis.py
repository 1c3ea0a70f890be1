"""Property tests of the settings-file and model-file loaders: whatever the bytes or
values, they return a result or raise segtui's own error (one line, exit 2); never any
other exception, and a value they accept is the one the file holds."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segtui import settings_file
from segtui.config import Settings
from segtui.engine.errors import SegtuiError
from segtui.engine.models.model import load_model, model_from_dict, seal
from segtui.settings_file import OUTPUT_KEYS, SETTING_KEYS

FAST = settings(max_examples=examples(150), deadline=None, suppress_health_check=list(HealthCheck))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
keys = st.sampled_from([*SETTING_KEYS, "mapping", "output", "kk"])


@FAST
@given(st.dictionaries(keys, values, max_size=6))
def test_settings_values_give_settings_or_a_user_error(data: dict) -> None:
    try:
        result = settings_file.merge(data, {})
    except SegtuiError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(result, Settings)


@FAST
@given(st.sampled_from(["k", "seed", "n_init"]), st.integers(-(10**6), 10**6))
def test_accepted_whole_numbers_are_the_given_numbers(key: str, number: int) -> None:
    try:
        result = settings_file.merge({key: number}, {})
    except SegtuiError:
        return
    assert getattr(result, key) == number


@FAST
@given(st.sampled_from(["true", "false", "on", "off", "True", "FALSE"]))
def test_log_as_text_means_what_it_says(text: str) -> None:
    on = text.lower() in ("true", "on")
    log = settings_file.merge({"log": text}, {}).log
    assert log in ((True, "on") if on else (False, "off"))


@FAST
@given(st.dictionaries(st.sampled_from([*OUTPUT_KEYS, "x"]), values, max_size=4))
def test_output_tables_are_checked(table: dict) -> None:
    try:
        settings_file.check_values({"output": table})
    except SegtuiError:
        return
    for key in ("force", "raw_csv"):
        assert table.get(key) is None or isinstance(table[key], bool)


@FAST
@given(st.binary(max_size=200))
def test_settings_file_bytes_give_values_or_a_user_error(tmp_path_factory, raw: bytes) -> None:
    path = tmp_path_factory.mktemp("toml") / "segtui.toml"
    path.write_bytes(raw)
    try:
        settings_file.read_config(path)
    except SegtuiError as exc:
        assert "\n" not in str(exc).replace(str(path), "")


@pytest.fixture(scope="module")
def model_document(tmp_path_factory) -> dict:
    from hostile import train_model

    folder = tmp_path_factory.mktemp("m")
    path = train_model(folder / "data", folder / "model.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _leaves(doc, path=()):
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from _leaves(value, (*path, index))
    else:
        yield path


def _set(doc, path, value) -> None:
    for step in path[:-1]:
        doc = doc[step]
    doc[path[-1]] = value


@FAST
@given(data=st.data())
def test_a_changed_model_value_is_refused_or_checked(model_document: dict, data) -> None:
    doc = json.loads(json.dumps(model_document))
    leaves = [p for p in _leaves(doc) if p and p[0] != "checksum"]
    path = data.draw(st.sampled_from(leaves))
    new = data.draw(scalars)
    _set(doc, path, new)
    sealed = data.draw(st.booleans())
    if sealed:
        doc = seal(doc)
    try:
        model = model_from_dict(doc)
    except SegtuiError as exc:
        assert "\n" not in str(exc)
        return
    # Accepted: only a resealed document, and its numbers are sane.
    assert sealed or doc == model_document
    assert all(math.isfinite(v) and abs(v) <= 1e12 for v in model.centroids.ravel())
    assert all(abs(c.scale) >= 1e-12 for c in model.space.numeric)


@FAST
@given(st.binary(max_size=300))
def test_model_file_bytes_are_refused_with_a_user_error(tmp_path_factory, raw: bytes) -> None:
    path: Path = tmp_path_factory.mktemp("model") / "model.json"
    path.write_bytes(raw)
    with pytest.raises(SegtuiError):
        load_model(path)


def test_python_values_tuples_and_numpy_numbers_are_accepted() -> None:
    import numpy as np

    merged = settings_file.merge(
        {},
        {"features": ("total_spend", "frequency"), "seed": np.int64(3), "k": np.int32(4)},
    )
    assert (merged.features, merged.seed, merged.k) == (("total_spend", "frequency"), 3, 4)

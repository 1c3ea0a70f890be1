"""Model files: plain versioned JSON that round-trips exactly and refuses broken input."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import PRE_SWITCH

from segtui.engine.errors import InputError, OutputError
from segtui.engine.models.build import build_model
from segtui.engine.models.integrity import hash_files
from segtui.engine.models.model import (
    FORMAT,
    RULE_DEFAULT,
    RULE_FIXED,
    SCHEMA_VERSION,
    load_model,
    save_model,
    seal,
)
from segtui.engine.pipeline import segment


@pytest.fixture(scope="module")
def zeotap_result(zeotap_dir):
    return segment(zeotap_dir, **PRE_SWITCH)


@pytest.fixture()
def model_path(zeotap_result, tmp_path):
    return save_model(build_model(zeotap_result, zeotap_result.input_files), tmp_path / "m.json")


def test_model_file_is_versioned_plain_json_with_everything_needed(model_path):
    doc = json.loads(model_path.read_text())
    assert doc["format"] == FORMAT and doc["schema_version"] == SCHEMA_VERSION
    assert [f["name"] for f in doc["features"]] == [
        "total_spend",
        "avg_transaction_value",
        "frequency",
        "total_quantity",
        "region",
    ]
    assert doc["as_of"] == {"rule": RULE_DEFAULT, "training_as_of": "2024-12-29"}
    assert doc["space"]["categorical"][0]["levels"] == [
        "Asia",
        "Europe",
        "North America",
        "South America",
    ]
    assert len(doc["centroids"]) == 4 and len(doc["centroids"][0]) == len(doc["columns"]) == 8
    assert {"name", "description", "action"} <= set(doc["segments"][0])
    assert doc["metrics"]["davies_bouldin"] > 0
    assert doc["settings"]["k"] == 4 and doc["settings"]["seed"] == 42
    names = sorted(f["name"] for f in doc["training"]["input"]["files"])
    assert names == ["Customers.csv", "Products.csv", "Transactions.csv"]


def test_saved_and_loaded_model_equals_the_run(zeotap_result, model_path):
    model = load_model(model_path)
    assert np.array_equal(model.centroids, zeotap_result.centers)
    assert model.space == zeotap_result.space
    assert [p.name for p in model.segments] == [p.name for p in zeotap_result.profiles]


def test_saving_twice_writes_identical_bytes(zeotap_result, tmp_path):
    model = build_model(zeotap_result, zeotap_result.input_files)
    a, b = save_model(model, tmp_path / "a.json"), save_model(model, tmp_path / "b.json")
    assert a.read_bytes() == b.read_bytes()


def test_existing_model_file_is_not_overwritten_without_force(zeotap_result, model_path):
    with pytest.raises(OutputError, match="already exists"):
        save_model(build_model(zeotap_result), model_path)


def test_fixed_as_of_is_recorded_as_the_rule(zeotap_dir):
    model = build_model(segment(zeotap_dir, **PRE_SWITCH, as_of="2024-10-01"))
    assert model.as_of_rule == RULE_FIXED and str(model.training_as_of) == "2024-10-01"


def test_input_hash_changes_when_one_byte_changes(tmp_path):
    a = tmp_path / "Transactions.csv"
    a.write_bytes(b"x,y\n1,2\n")
    before = hash_files([a])
    a.write_bytes(b"x,y\n1,3\n")
    after = hash_files([a])
    assert before["digest"] != after["digest"]
    assert before["files"][0]["bytes"] == 8


def _broken(model_path, edit):
    doc = json.loads(model_path.read_text())
    edit(doc)
    model_path.write_text(json.dumps(doc))
    return model_path


def test_truncated_model_file_is_refused(model_path):
    model_path.write_text(model_path.read_text()[:500])
    with pytest.raises(InputError, match="truncated or corrupted"):
        load_model(model_path)


def test_newer_schema_version_is_refused(model_path):
    _broken(model_path, lambda d: d.update(schema_version=SCHEMA_VERSION + 1))
    with pytest.raises(InputError, match="schema version 2 is not supported"):
        load_model(model_path)


def test_other_json_is_not_a_model(model_path):
    model_path.write_text('{"segments": []}')
    with pytest.raises(InputError, match="not a segtui model file"):
        load_model(model_path)


def test_missing_centroids_are_named(model_path):
    _broken(model_path, lambda d: d.pop("centroids"))
    with pytest.raises(InputError, match="missing 'centroids'"):
        load_model(model_path)


def test_centroid_of_the_wrong_width_is_refused(model_path):
    _broken(model_path, lambda d: d["centroids"][1].pop())
    with pytest.raises(InputError, match="centroid 1 should have 8 numbers"):
        load_model(model_path)


def test_non_numeric_scale_is_refused(model_path):
    _broken(model_path, lambda d: d["space"]["numeric"][0].update(scale="wide"))
    with pytest.raises(InputError, match="total_spend.scale should be a number"):
        load_model(model_path)


def test_unknown_feature_is_refused(model_path):
    _broken(model_path, lambda d: d["features"][0].update(name="lifetime_value"))
    with pytest.raises(InputError, match="unknown feature 'lifetime_value'"):
        load_model(model_path)


def test_segment_without_a_name_is_refused(model_path):
    _broken(model_path, lambda d: d["segments"][0].pop("name"))
    with pytest.raises(InputError, match="segment 0 is missing 'name'"):
        load_model(model_path)


def test_profile_statistics_added_or_dropped_later_do_not_break_a_model(model_path):
    # A model written by another segtui version carries its own valid checksum: reseal.
    def edit(doc):
        doc["segments"][0].pop("medians")
        doc["segments"][0]["confidence"] = 0.9
        doc.update(seal(doc))

    _broken(model_path, edit)
    model = load_model(model_path)
    assert model.segments[0].medians == {} and model.segments[0].name


def test_missing_model_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="model file not found"):
        load_model(tmp_path / "nope.json")


def test_log_flag_that_is_not_a_boolean_is_refused(model_path):
    _broken(model_path, lambda d: d["space"]["numeric"][1].update(log="yes"))
    with pytest.raises(InputError, match="avg_transaction_value.log should be true or false"):
        load_model(model_path)


def test_segment_ids_must_be_distinct(model_path):
    _broken(model_path, lambda d: d["segments"][3].update(id=2))
    with pytest.raises(InputError, match="4 distinct ids of 0 or more, one per centroid"):
        load_model(model_path)


def test_segment_ids_may_skip_a_vanished_segment(model_path):
    # `run --like` keeps a model's ids: a later model may lack id 3 and carry id 4.
    def edit(doc):
        doc["segments"][3]["id"] = 4
        doc.update(seal(doc))

    _broken(model_path, edit)
    assert [p.id for p in load_model(model_path).segments] == [0, 1, 2, 4]


def _resealed(model_path, edit):
    """Apply ``edit`` and seal the document again, as a tool that recomputes the
    checksum would: only the content's meaning can refuse it."""

    def both(doc):
        edit(doc)
        doc.update(seal(doc))

    _broken(model_path, both)


def test_a_model_whose_centroids_all_coincide_is_refused(model_path):
    # Every customer would land in segment 0, with a valid checksum and no warning.
    _resealed(model_path, lambda d: d.update(centroids=[d["centroids"][0]] * 4))
    with pytest.raises(InputError) as caught:
        load_model(model_path)
    assert "all 4 centroids are the same point" in str(caught.value)
    assert "every customer would land in segment 0" in str(caught.value)
    assert str(model_path) in str(caught.value)


def test_two_nearly_identical_centroids_are_refused_naming_them(model_path):
    def edit(doc):
        doc["centroids"][3] = [v + 1e-9 for v in doc["centroids"][1]]

    _resealed(model_path, edit)
    with pytest.raises(InputError, match=r"centroids 1 and 3 are the same point \(within 1e-06\)"):
        load_model(model_path)


def test_centroids_a_real_split_apart_are_accepted(model_path):
    # 1e-3 of a standard deviation apart in one column: distinct points, kept.
    def edit(doc):
        doc["centroids"][3] = list(doc["centroids"][1])
        doc["centroids"][3][0] += 1e-3

    _resealed(model_path, edit)
    assert load_model(model_path).centroids.shape == (4, 8)


@pytest.mark.parametrize("version", ["99.0", "0.2.0", "1"])
def test_a_model_from_a_newer_segtui_is_refused(model_path, version):
    from segtui.version import __version__

    _resealed(model_path, lambda d: d.update(segtui_version=version))
    with pytest.raises(InputError) as caught:
        load_model(model_path)
    assert f"written by segtui {version}, newer than this segtui {__version__}" in str(caught.value)
    assert "pip install -U segtui" in str(caught.value)


@pytest.mark.parametrize("version", ["0.1.0", "0.0.9", "0.1.0.dev3", "unknown"])
def test_a_model_from_this_or_an_older_segtui_is_read(model_path, version):
    _resealed(model_path, lambda d: d.update(segtui_version=version))
    assert load_model(model_path).segtui_version == version


def test_model_modules_do_not_import_ui_libraries():
    code = (
        "import sys, segtui.engine.models.model, segtui.engine.models.assign,"
        " segtui.engine.models.lookalike, segtui.engine.models.migration;"
        "print(sorted(m for m in ('textual','typer','rich','sklearn') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

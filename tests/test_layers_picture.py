"""docs/images/layers.py, which draws the layers of docs/development.md from the imports."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parent.parent / "docs" / "images" / "layers.py"


def _layers() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layers_picture", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_import_between_layers_has_an_arrow_in_the_picture():
    layers = _layers()
    pairs = {
        ("faces", b) if a in layers.FACES and b == "settings" else (a, b)
        for a, b in layers.layer_imports()
    }
    assert pairs <= set(layers.ROUTES)


def test_the_count_sees_function_level_and_type_only_imports():
    layers = _layers()
    # segtui/__init__.py imports the notebook's api inside each function, and the
    # notebook's results take the engine's types under TYPE_CHECKING only.
    assert "segtui.notebook.api" in layers.imported("segtui", layers.MODULES["segtui"])
    results = layers.MODULES["segtui.notebook.results"]
    assert "segtui.engine" in layers.imported("segtui.notebook.results", results)


def test_the_engine_imports_no_face():
    layers = _layers()
    counts = layers.layer_imports()
    assert [p for p in counts if p[0] in ("door", "engine") and p[1] in layers.FACES] == []


def test_the_committed_picture_is_what_the_code_draws():
    layers = _layers()
    drawn = layers.draw(layers.layer_imports())
    assert drawn == layers.OUT.read_text(encoding="utf-8"), (
        "docs/images/layers.svg is stale: run `python docs/images/layers.py` and commit it"
    )

"""The import contract, read from the source with ``ast`` (every import, function-level
ones included), so a cycle or a forbidden dependency cannot hide inside a function.

Rules:
* no cycle between modules of ``segtui`` (imports under ``if TYPE_CHECKING:`` are not
  executed and do not count for cycles; they do count for the layer rules);
* the engine (``segtui.engine``) never imports textual, typer or rich, nor ``segtui.cli``
  or ``segtui.tui``;
* the Textual face (``segtui.tui``) never imports the Typer face (``segtui.cli``);
* an engine module stays short enough to read in one sitting (``MAX_LINES``);
* one door: the faces (``segtui.cli``, ``segtui.tui``, ``segtui.notebook`` and the Python
  API in ``segtui/__init__.py``) import the engine only through its public module
  ``segtui.engine``, and only names in its ``__all__``; each of those names is used by a
  face (the surface stays deliberate). Importing it loads nothing heavy, every public
  name resolves, and engine modules never import it (they import the module that
  defines what they need, so the door adds no cycle). ``config``, ``settings_file`` and
  ``settings_model`` are not faces: the engine imports them, so they import engine
  modules directly.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "segtui"
UI_LIBRARIES = ("textual", "typer", "rich")
MAX_LINES = 420  # "about 400"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(name: str, current: str, level: int, is_package: bool) -> str:
    if level == 0:
        return name
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def imports_of(module: str) -> list[tuple[str, bool]]:
    """(imported module, executed at run time) for every import statement in ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool]] = []
    is_package = path.name == "__init__.py"

    def visit(node: ast.AST, runtime: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.body:
                    visit_stmt(sub, False)
                for sub in child.orelse:
                    visit_stmt(sub, runtime)
                continue
            visit_stmt(child, runtime)

    def visit_stmt(node: ast.AST, runtime: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend((alias.name, runtime) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", module, node.level, is_package)
            for alias in node.names:
                # ``from segtui.engine.io import dates`` imports the module io.dates
                candidate = f"{base}.{alias.name}"
                found.append((candidate if candidate in MODULES else base, runtime))
        else:
            visit(node, runtime)

    visit(tree, True)
    return found


GRAPH: dict[str, set[str]] = {
    m: {target for target, runtime in imports_of(m) if runtime and target in MODULES}
    for m in MODULES
}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of modules (first = last), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                found = walk(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = walk(start)
            if found:
                return found
    return None


def test_the_contract_sees_function_level_imports():
    imported = {t for t, _ in imports_of("segtui.engine.pipeline")}
    assert "segtui.engine.spark.pipeline" in imported  # imported inside run_engine()


def test_find_cycle_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]


def test_no_import_cycle_between_segtui_modules():
    assert find_cycle(GRAPH) is None


ENGINE = sorted(m for m in MODULES if m.startswith("segtui.engine"))


@pytest.mark.parametrize("module", ENGINE)
def test_engine_imports_no_ui_library_and_no_face(module: str):
    forbidden = [
        target
        for target, _ in imports_of(module)
        if target.split(".")[0] in UI_LIBRARIES or target.startswith(("segtui.cli", "segtui.tui"))
    ]
    assert forbidden == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("segtui.tui")))
def test_tui_does_not_import_cli(module: str):
    assert [t for t, _ in imports_of(module) if t.startswith("segtui.cli")] == []


@pytest.mark.parametrize("module", ENGINE)
def test_engine_modules_are_short(module: str):
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines"


# --- one door: the engine's public module ------------------------------------------

HEAVY = ("polars", "numpy", "sklearn", "scipy", "pyarrow", "pyspark")


def test_importing_the_public_module_loads_nothing_heavy():
    code = (
        "import sys, segtui.engine;"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules));"
        "print(sorted(m for m in sys.modules if m.startswith('segtui.engine.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["[]", "[]"]


def test_every_public_name_resolves_to_its_defining_module():
    import importlib

    import segtui.engine as engine

    assert engine.__all__ == sorted(engine.__all__)
    assert set(engine.__all__) == set(engine._PUBLIC)
    for name in engine.__all__:
        module, attribute = engine._PUBLIC[name]
        assert getattr(engine, name) is getattr(importlib.import_module(module), attribute), name


def test_type_checkers_see_the_same_public_names():
    import segtui.engine as engine

    tree = ast.parse(MODULES["segtui.engine"].read_text(encoding="utf-8"))
    seen: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom) and stmt.module
                for alias in stmt.names:
                    seen[alias.asname or alias.name] = (stmt.module, alias.name)
    assert seen == engine._PUBLIC


def test_no_public_name_is_hidden_by_a_submodule():
    # Importing segtui.engine.<name> sets that attribute on the package and would
    # replace a public name spelled the same (``backtest`` is exported as run_backtest).
    import segtui.engine as engine

    children = {m.rsplit(".", 1)[1] for m in MODULES if m.count(".") == 2}
    children |= {p.name for p in MODULES["segtui.engine"].parent.iterdir() if p.is_dir()}
    assert children & set(engine.__all__) == set()


def test_unknown_names_are_an_attribute_error():
    import segtui.engine as engine

    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'"):
        _ = engine.no_such_thing


@pytest.mark.parametrize("module", ENGINE)
def test_engine_modules_do_not_import_the_public_module(module: str):
    assert [t for t, _ in imports_of(module) if t == "segtui.engine"] == []


def test_the_door_reads_the_defining_module_each_time(monkeypatch):
    # Not cached in segtui.engine: a patch of the defining module is what the faces get.
    import segtui.engine.pipeline as pipeline

    def patched(*args: object, **kwargs: object) -> None:
        return None

    monkeypatch.setattr(pipeline, "run", patched)
    from segtui.engine import run

    assert run is patched


FACES = ("segtui.cli", "segtui.tui", "segtui.notebook")
FACE_MODULES = sorted(m for m in MODULES if m == "segtui" or m.startswith(FACES))


def _names_from_the_door(module: str) -> set[str]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "segtui.engine"
        for alias in node.names
    }


@pytest.mark.parametrize("module", FACE_MODULES)
def test_faces_import_the_engine_only_through_its_public_module(module: str):
    import segtui.engine as engine

    # ``from segtui.engine import lookup`` resolves to the module segtui.engine.lookup
    # and is caught here too.
    inside = [t for t, _ in imports_of(module) if t.startswith("segtui.engine.")]
    assert inside == []
    assert _names_from_the_door(module) - set(engine.__all__) == set()


def test_every_public_name_is_used_by_a_face():
    import segtui.engine as engine

    used = set().union(*(_names_from_the_door(m) for m in FACE_MODULES))
    assert set(engine.__all__) - used == set()

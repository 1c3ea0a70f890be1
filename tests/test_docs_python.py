"""docs/python.md cannot go stale: its Python blocks run in order like notebook cells (the
equivalent of ``nbconvert --execute``), and its API reference matches the signatures."""

from __future__ import annotations

import ast
import inspect
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import segtui

PAGE = Path(__file__).resolve().parent.parent / "docs" / "python.md"


def code_blocks(language: str) -> list[str]:
    """The fenced blocks of ``language`` in the page, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", PAGE.read_text(encoding="utf-8"), re.S | re.M)


def run_cell(source: str, namespace: dict[str, Any]) -> Any:
    """Run a cell as Jupyter does: statements, then the value of a final expression."""
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body.pop()
    exec(compile(tree, "docs/python.md", "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), "docs/python.md", "eval"), namespace)


def test_the_pages_python_blocks_run_and_their_results_render(
    zeotap_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(zeotap_dir, tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    shown = []
    for cell in code_blocks("python"):
        value = run_cell(cell, namespace)
        if hasattr(value, "_repr_html_"):
            page = value._repr_html_()
            assert page.count("<table") >= 1
            shown.append(type(value).__name__)
    assert (tmp_path / "segments.csv").exists() and (tmp_path / "model.json").exists()
    # The worked example shows each kind of result the API returns.
    assert {"Validation", "Sweep", "Segmentation", "Lookalikes", "Migration"} <= set(shown)


def plain_signature(name: str) -> str:
    """``segtui.name(params) -> Result`` without annotations, as the page lists them."""
    signature = inspect.signature(getattr(segtui, name))
    plain = signature.replace(
        parameters=[
            p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()
        ],
        return_annotation=inspect.Signature.empty,
    )
    return f"segtui.{name}{plain} -> {signature.return_annotation}"


def test_the_api_reference_lists_every_public_function_with_its_signature() -> None:
    (reference,) = [block for block in code_blocks("text") if "segtui.segment(" in block]
    documented = reference.strip().splitlines()
    public = [name for name in segtui.__all__ if name != "__version__"]
    assert sorted(documented) == sorted(plain_signature(name) for name in public)

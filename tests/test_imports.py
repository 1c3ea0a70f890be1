"""The layering rules: the engine never imports a UI library; --help stays light."""

from __future__ import annotations

import subprocess
import sys

import segtui


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_engine_does_not_import_textual_typer_or_rich():
    out = run_python(
        "import sys, segtui.engine.pipeline, segtui.engine.sample;"
        "print(sorted(m for m in ('textual','typer','rich') if m in sys.modules))"
    )
    assert out == "[]"


def test_help_does_not_import_scikit_learn():
    out = run_python(
        "import sys\n"
        "from segtui.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('LOADED' if 'sklearn' in sys.modules or 'polars' in sys.modules else 'CLEAN')"
    )
    assert out.endswith("CLEAN")


def test_run_help_does_not_import_scikit_learn():
    out = run_python(
        "import sys\n"
        "from segtui.cli import app\n"
        "try:\n    app(['run', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('LOADED' if 'sklearn' in sys.modules else 'CLEAN')"
    )
    assert out.endswith("CLEAN")


def test_python_m_segtui_works():
    done = subprocess.run(
        [sys.executable, "-m", "segtui", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == segtui.__version__


def test_workbench_does_not_import_the_cli():
    # docs/development.md: the two faces share the engine, never each other
    out = run_python(
        "import sys, segtui.tui.app;"
        "print(sorted(m for m in sys.modules if m == 'segtui.cli' or m.startswith('segtui.cli.')))"
    )
    assert out == "[]"

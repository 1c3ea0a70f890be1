"""The layering rules: the engine never imports a UI library; --help stays light."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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


HEAVY = ("polars", "numpy", "sklearn", "scipy", "pyarrow")


def test_workbench_import_leaves_the_heavy_libraries_to_the_worker():
    # `segtui ui` paints its first frame before the worker imports these (issue 30, item 7)
    out = run_python(
        "import sys, segtui.tui.app;"
        f"print(sorted(m for m in {HEAVY!r} + ('segtui.engine.pipeline',) if m in sys.modules))"
    )
    assert out == "[]"


def test_plain_ui_reaches_the_app_without_typer_or_any_dialog():
    # Plain `segtui ui SOURCE` (segtui.cli.main): Typer and the dialogs' modules (none is
    # on screen at start) came before the first frame; the first is loaded by any other
    # command, the others by the key that opens them.
    out = run_python(
        "import sys, segtui.cli, segtui.cli.exiting, segtui.cli.ui_open, segtui.tui.app\n"
        "assert segtui.cli.ui_open.plain_command(['data']) is not None\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'click')"
        " or m.startswith('segtui.tui.screens.')))"
    )
    assert out == "[]"


def test_workbench_first_frame_needs_no_heavy_library():
    # With the worker's launch switched off, mounting and painting the whole screen must
    # not import them either: only the worker may.
    source = Path(__file__).parent / "data" / "reference"
    out = run_python(
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from segtui.config import Settings\n"
        "from segtui.tui.app import SegtuiApp\n"
        "launched = []\n"
        "SegtuiApp.compute = lambda self, *args: launched.append(args[1])\n"
        "async def main():\n"
        f"    app = SegtuiApp(Settings(source=Path({str(source)!r})))\n"
        "    async with app.run_test(size=(80, 24)) as pilot:\n"
        "        await pilot.pause()\n"
        "        strips = app.screen._compositor.render_strips()\n"
        "        painted = ''.join(segment.text for strip in strips for segment in strip)\n"
        "        print(app.busy, launched, 'Segments' in painted and 'Customers' in painted)\n"
        f"        print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
        "asyncio.run(main())\n"
    )
    assert out.splitlines() == ["True [1] True", "[]"]


def imported_commands(*argv: str) -> tuple[list[str], str]:
    """The command modules `python -m segtui ARGV` imports, and what it printed."""
    done = subprocess.run(
        [sys.executable, "-v", "-m", "segtui", *argv], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = re.findall(r"^import '(segtui\.cli\.\w+_cmd)'", done.stderr, re.MULTILINE)
    return sorted(loaded), done.stdout


def test_ui_builds_only_its_own_command():
    # The other commands' modules came before the workbench's first frame (issue 30).
    modules, help_text = imported_commands("ui", "--help")
    assert modules == ["segtui.cli.ui_cmd"]
    assert "segtui ui [OPTIONS]" in help_text and "--no-mouse" in help_text
    modules, help_text = imported_commands("--help")
    assert len(modules) == 10 and "segtui.cli.run_cmd" in modules
    assert " ui " in help_text and " serve " in help_text

"""The ``segtui`` command line: a thin Typer face over :mod:`segtui.engine`.

Each command lives in its own module and registers itself on ``app``; heavy modules
(the engine, scikit-learn, Textual) are imported inside the command functions so that
``segtui --help`` stays instant.
"""

from __future__ import annotations

# Command modules register themselves on `app` when imported.
from segtui.cli import (  # noqa: E402,F401
    assign_cmd,
    backtest_cmd,
    lookalike_cmd,
    migrate_cmd,
    run_cmd,
    sample_cmd,
    sweep_cmd,
    ui_cmd,
    validate_cmd,
)
from segtui.cli.app import app


def main() -> None:
    """Console-script entry point."""
    tolerate_narrow_encodings()
    app()


def tolerate_narrow_encodings() -> None:
    """Human text on a stdout/stderr that cannot encode it (PYTHONIOENCODING=ascii, a
    Latin-1 terminal) shows '?' for the odd '·' instead of failing with
    UnicodeEncodeError; data (CSV, JSON) bypasses this and is always written as UTF-8
    (engine.output.writers.write_stdout)."""
    import contextlib
    import sys

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]

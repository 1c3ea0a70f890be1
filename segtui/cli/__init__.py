"""The ``segtui`` command line: a thin Typer face over :mod:`segtui.engine`.

Each command lives in its own module and registers itself on ``app``; heavy modules
(the engine, scikit-learn, Textual) are imported inside the command functions so that
``segtui --help`` stays instant.
"""

from __future__ import annotations

# Command modules register themselves on `app` when imported.
from segtui.cli import (  # noqa: E402,F401
    assign_cmd,
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
    app()

"""The ``segtui`` command line: a thin Typer face over :mod:`segtui.engine`.

Each command lives in its own module and registers itself on ``app``; heavy modules
(the engine, scikit-learn, Textual) are imported inside the command functions so that
``segtui --help`` stays instant.
"""

from __future__ import annotations

import errno
import io
import sys
from typing import Any

# Command modules register themselves on `app` when imported.
from segtui.cli import (  # noqa: E402,F401
    assign_cmd,
    backtest_cmd,
    lookalike_cmd,
    migrate_cmd,
    run_cmd,
    sample_cmd,
    serve_cmd,
    sweep_cmd,
    ui_cmd,
    validate_cmd,
)
from segtui.cli.app import app


def main() -> None:
    """Console-script entry point: exits with the command's code, or 130/143 and one
    line when SIGINT/SIGTERM arrives, whenever it arrives (``segtui.cli.exiting``)."""
    from segtui.cli.exiting import run_cli

    checked_stdout()
    tolerate_narrow_encodings()
    run_cli(app)


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


class WholeWrites(io.FileIO):
    """A file whose ``write`` writes everything or raises. ``io.BufferedWriter`` returns a
    short count from a large write when the OS takes only part of it (``ulimit -f``, a
    full disk), and ``io.TextIOWrapper`` ignores that count, so the rest is lost without
    an error; under this class the retry raises the OSError instead (EFBIG, ENOSPC)."""

    def write(self, data: Any) -> int | None:  # type: ignore[override]  # None = would block
        written = 0
        view = memoryview(data).cast("B")
        while written < len(view):
            count = super().write(view[written:])
            if count is None:  # non-blocking descriptor: the buffer retries the rest
                return written or None
            if count <= 0:
                raise OSError(errno.EIO, "the write made no progress")
            written += count
        return written


def checked_stdout() -> None:
    """Replace ``sys.stdout`` by the same stream over :class:`WholeWrites`, so every
    write to stdout (data and the human report) is complete or an error. Leaves a
    closed or fileless stdout (a test runner's) alone."""
    stream = sys.stdout
    if stream is None or not isinstance(stream, io.TextIOWrapper):
        return
    try:
        fd = stream.fileno()
        stream.flush()
        raw = WholeWrites(fd, "w", closefd=False)
    except (OSError, ValueError):
        return
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=stream.line_buffering,
    )

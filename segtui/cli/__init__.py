"""The ``segtui`` command line: a thin Typer face over :mod:`segtui.engine`.

Each command lives in its own module and registers itself on ``app`` (built on first
use: ``segtui ui`` registers only its own command, so the workbench does not wait for the
others); heavy modules
(the engine, scikit-learn, Textual) are imported inside the command functions so that
``segtui --help`` stays instant.
"""

from __future__ import annotations

import errno
import io
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

# Each module registers its command on the Typer app when imported.
COMMAND_MODULES = (
    "assign_cmd",
    "backtest_cmd",
    "lookalike_cmd",
    "migrate_cmd",
    "run_cmd",
    "sample_cmd",
    "serve_cmd",
    "sweep_cmd",
    "ui_cmd",
    "validate_cmd",
)


def commands_app(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """The Typer app with the commands of ``modules`` registered (all by default)."""
    import importlib

    for name in modules:
        importlib.import_module(f"segtui.cli.{name}")
    from segtui.cli.app_root import app

    return app


def __getattr__(name: str) -> Any:
    # PEP 562: the full app is built on first use, not when the package is imported, so
    # `segtui ui` can start the workbench without building every other command.
    if name == "app":
        globals()["app"] = full = commands_app()
        return full
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console-script entry point: exits with the command's code, or 130/143 and one
    line when SIGINT/SIGTERM arrives, whenever it arrives (``segtui.cli.exiting``).

    ``segtui ui ...`` registers only the workbench's command: the other nine command
    modules (and what they import) are not needed for it, and their import time came
    before the workbench's first frame; plain ``segtui ui [SOURCE]`` skips the parsing
    too (``ui_open.plain_command``)."""
    from segtui.cli.exiting import run_cli

    bound_peak_memory()
    checked_stdout()
    tolerate_narrow_encodings()
    if sys.argv[1:2] == ["ui"]:
        from segtui.cli.ui_open import plain_command

        run_cli(plain_command(sys.argv[2:]) or commands_app(("ui_cmd",)))
    run_cli(commands_app())


# Two Polars settings that bound a run's peak memory at 1e7 lines (docs/performance.md,
# 2026-12-07); neither changes a figure.
# - Polars' allocator (jemalloc) keeps freed pages for 0.5 s ("dirty") and 1 s more
#   ("muzzy": handed back lazily, still counted in the resident set). Each pass over the
#   file frees hundreds of MB just before the next step allocates as much: the held pages
#   added 100-200 MB to the peak. Purging after 0.2 s and at once costs ~3% of the CPU.
# - The streaming group-by aggregates the first 4,096 customers each thread meets as it
#   goes and keeps every line of the others until the end (key and inputs, ~90 bytes a
#   line): at 1e6 customers nearly every line. With room for 2^19 customers per thread it
#   aggregates them as it goes: the group-by's peak fell by 250 MB on the uniform shape,
#   for ~10% more of its CPU.
MEMORY_ENV = {
    "_RJEM_MALLOC_CONF": "dirty_decay_ms:200,muzzy_decay_ms:0",
    "POLARS_HOT_TABLE_SIZE": str(1 << 19),
}


# What ``import polars`` writes into ``os.environ`` (its own allocator defaults) when
# nothing was set: every process started from a Python that imported Polars (a pipeline,
# a notebook, a scheduler) inherits it, though no user chose it.
POLARS_OWN_MALLOC_CONF = "dirty_decay_ms:500,muzzy_decay_ms:1000"


def bound_peak_memory() -> None:
    """Set :data:`MEMORY_ENV` for Polars, each unless the user set it: Polars reads the
    allocator's ``_RJEM_MALLOC_CONF`` when it is imported (adding it to its own
    settings), so this works only before that import. Polars' own defaults inherited
    from a parent process count as not set."""
    if "polars" not in sys.modules:
        import os

        if os.environ.get("_RJEM_MALLOC_CONF") == POLARS_OWN_MALLOC_CONF:
            del os.environ["_RJEM_MALLOC_CONF"]
        for name, value in MEMORY_ENV.items():
            os.environ.setdefault(name, value)


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

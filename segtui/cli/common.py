"""What every command shares: settings loading, error handling, output streams. The
options themselves are rows of the settings table (``segtui/settings_table.py``), built
into each command by :func:`segtui.cli.options.takes`."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    import typer
    from rich.console import Console

    from segtui.config import Settings
else:

    class _Typer:
        """Typer, imported when first used: an error to report or an exit code to
        raise. Every command imports Typer anyway; plain ``segtui ui [SOURCE]`` does not,
        and this boundary (``handle_errors``) is all of the CLI it needs, so its first
        frame does not wait for Typer's import. An ``except typer.Exit`` clause reads
        the attribute only when an exception reaches it."""

        def __getattr__(self, name: str) -> Any:
            import typer

            return getattr(typer, name)

    typer = _Typer()


def load_settings(
    source: Path | None,
    config: Path | None,
    **flags: Any,
) -> tuple[Settings, dict[str, Any]]:
    """Settings from defaults < config file < flags (None = not given).

    Returns the settings and the raw config-file values (for its ``[output]`` table). A
    ``segtui.toml`` picked up from the current folder is announced on stderr, naming the
    file, so settings nobody typed never apply silently; its path is kept in
    ``settings.extra["config_file"]`` (the UI header shows it).
    """
    from segtui import settings_file

    path = settings_file.find_config(config)
    file_values = settings_file.read_config(path) if path is not None else {}
    flags = dict(flags, source=source)
    settings = settings_file.merge(
        file_values, flags, base_dir=path.parent if path is not None else None
    )
    if path is not None:
        settings.extra["config_file"] = str(path.resolve())
        if config is None:
            _error_stream_line(f"segtui: using settings from {one_line(str(path.resolve()))}")
    return settings, file_values


def _error_stream_line(text: str) -> None:
    with contextlib.suppress(Exception):
        typer.echo(text, err=True)


def stdout_is_terminal() -> bool:
    """True when stdout is an open terminal (False when closed or redirected)."""
    stream = sys.stdout
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False


class Terminated(BaseException):
    """Raised in the main thread when SIGTERM arrives (see ``handle_errors``)."""


class Interrupted(BaseException):
    """Raised in the main thread when SIGINT arrives under ``segtui.cli.main`` (not a
    KeyboardInterrupt, which Click would turn into "Aborted!" and exit 1)."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


REPORT_BUG = (
    "segtui: internal error (a bug, not your data): please report it to the segtui "
    "maintainers with the command you ran, `segtui --version` and the traceback above"
)


def one_line(text: str) -> str:
    """``text`` on one line: newlines, tabs and other control characters (from a file
    name, say) are shown escaped, so every error stays a single greppable line."""
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


def _error(text: str, prefix: str = "segtui: error: ") -> None:
    """One line on stderr; silent when stderr itself is gone."""
    with contextlib.suppress(Exception):
        typer.echo(prefix + one_line(text), err=True)


def _os_error_text(exc: OSError) -> str:
    import errno

    streams = (
        errno.EPIPE,
        errno.ENOSPC,
        errno.EBADF,
        errno.EIO,
        errno.EROFS,
        errno.EFBIG,
        errno.EDQUOT,
    )
    if exc.filename is None and exc.errno not in streams:
        return f"an input or output failed ({exc.strerror or exc})"
    name = exc.filename if exc.filename is not None else "stdout"
    reason = {
        errno.EPIPE: "the reader closed the pipe",
        errno.ENOSPC: "no space left on the device",
        errno.EBADF: "closed",
        errno.EROFS: "read-only file system",
        errno.EFBIG: "the file size limit was reached (ulimit -f)",
        errno.EDQUOT: "the disk quota was reached",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return f"{name}: cannot write ({reason})"


def _silence_stdout() -> None:
    """After a write error on stdout, point it at /dev/null so the interpreter's final
    flush does not print a second error."""
    import os

    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)


def _internal_error() -> NoReturn:
    """The traceback of the exception being handled, how to report it, exit 1."""
    import traceback

    traceback.print_exc()
    with contextlib.suppress(Exception):
        typer.echo(REPORT_BUG, err=True)
    raise typer.Exit(1) from None


def _out_of_memory() -> NoReturn:
    """One line saying the process ran out of memory, exit 2."""
    _error(
        "out of memory: the input needs more than this process may use (a memory "
        "or ulimit -v limit, or the machine's memory); try a smaller input, "
        "--engine spark, or a higher limit"
    )
    raise typer.Exit(2) from None


@contextlib.contextmanager
def handle_errors(*, catch_sigterm: bool = False) -> Iterator[None]:
    """The CLI's one error boundary. Exit 2 with one line on stderr for everything a user
    can fix: segtui's own errors, an OSError on an output or stdout (EPIPE, ENOSPC, EBADF,
    EROFS), broken JSON/TOML, input nested too deep (RecursionError). Ctrl-C exits 130.
    Anything else is a bug: the traceback, a line saying how to report it, exit 1.

    With ``catch_sigterm`` (headless commands; not the UI, whose terminal Textual must
    restore itself), SIGTERM unwinds like Ctrl-C, so temporary output files are removed,
    and exits 143.
    """
    import json
    import signal
    import threading
    import tomllib

    from segtui.engine import SegtuiError

    previous = None
    if catch_sigterm and threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        from segtui.engine import check_address_space

        check_address_space()  # before the native libraries load (see MIN_ADDRESS_SPACE)
        yield
    except typer.Exit:
        raise
    except SegtuiError as exc:
        _error(str(exc))
        raise typer.Exit(exc.exit_code) from None
    except (MemoryError, ImportError) as exc:
        if isinstance(exc, ImportError) and "failed to map segment" not in str(exc):
            _internal_error()  # a missing module is a bug; no memory for a library is not
        _out_of_memory()
    except (KeyboardInterrupt, Interrupted):
        _error("interrupted", prefix="segtui: ")
        raise typer.Exit(130) from None
    except Terminated:
        _error("terminated", prefix="segtui: ")
        raise typer.Exit(143) from None
    except OSError as exc:
        if exc.filename is None:
            _silence_stdout()
        _error(_os_error_text(exc))
        raise typer.Exit(2) from None
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        _error(f"cannot decode the input ({exc})")
        raise typer.Exit(2) from None
    except RecursionError:
        _error("the input is nested too deeply to read")
        raise typer.Exit(2) from None
    except RuntimeError as exc:
        # A worker thread whose stack no longer fits the address space is memory too.
        if "can't start new thread" not in str(exc):
            _internal_error()
        _out_of_memory()
    except Exception:
        _internal_error()
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def console(*, stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr); plain when not a terminal."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich exits 1 silently; segtui's error boundary makes it exit 2 with a line.
            raise BrokenPipeError(32, "Broken pipe")

    return _Console(stderr=stderr, highlight=False, soft_wrap=False)


@contextlib.contextmanager
def progress_display(enabled: bool) -> Iterator[Callable[[str], None]]:
    """Yield a progress callback: a spinner with the stage on a terminal, else nothing."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _stage: None
        return
    from rich.console import Console

    status = Console(stderr=True).status("Starting…")
    status.start()
    try:
        yield lambda stage: status.update(f"{stage}…")
    finally:
        status.stop()


def emit_json(data: Any) -> None:
    """Write a JSON document to stdout (UTF-8 whatever the terminal's encoding)."""
    from segtui.engine import json_text, write_stdout

    write_stdout(json_text(data))


def describe_mapping(data_quality: dict[str, Any], samples: bool = False) -> list[str]:
    """How a single log's columns were read (from the summary's data_quality), as lines;
    only what one purchase is for the folder layout. ``samples`` (``validate``): the
    mapping as a table with a few values of each column."""
    from segtui.engine import describe_purchases

    purchases = describe_purchases(data_quality)
    mapping = data_quality.get("column_mapping")
    if not mapping:
        return [purchases] if purchases else []
    detected = set(data_quality.get("detected_columns", []))
    reasons = data_quality.get("column_reasons") or {}
    parts = [
        f"{canonical} = {actual}{' (detected)' if canonical in detected else ''}"
        for canonical, actual in mapping.items()
    ]
    return [
        f"Read {data_quality.get('source_format')}, dates as {data_quality.get('date_format')}, "
        f"returns: {data_quality.get('returns_rule')}",
        *(mapping_table(data_quality) if samples else ["Columns: " + ", ".join(parts)]),
        *(f"  {canonical}: {why}" for canonical, why in reasons.items()),
        *([purchases] if purchases else []),
    ]


def mapping_table(data_quality: dict[str, Any]) -> list[str]:
    """The column mapping as aligned rows: role, column, given/detected, sample values."""
    mapping = data_quality.get("column_mapping") or {}
    detected = set(data_quality.get("detected_columns", []))
    shown = data_quality.get("column_samples") or {}
    width = max([len(str(a)) for a in mapping.values()] + [6])
    rows = [f"{'role':<15} {'column':<{width}} {'how':<9} sample values"]
    for canonical, actual in mapping.items():
        how = "detected" if canonical in detected else "given"
        if canonical not in shown:
            how = "computed" if canonical == "TotalValue" else how
        values = ", ".join(shown.get(canonical, []))
        rows.append(f"{canonical:<15} {actual:<{width}} {how:<9} {values}".rstrip())
    return rows

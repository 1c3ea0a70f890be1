"""Writers. Every file is written to a temporary file in the target folder and renamed,
so an interrupted write leaves the old file (or nothing) and never a partial file.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import polars as pl

from segtui.engine.errors import OutputError

SEGMENT_FORMATS = (".csv", ".parquet", ".json")
SUMMARY_FORMATS = (".json", ".md")
STDOUT = "-"
# OWASP CSV-injection guidance (and OWASP ASVS 1.2.10, which adds NUL): text cells starting
# with these may be run as formulas by Excel, LibreOffice or Google Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def check_target(path: Path, *, force: bool, allowed: tuple[str, ...], what: str) -> None:
    """Raise OutputError when ``path`` cannot be written (before any work is done)."""
    if path.suffix.lower() not in allowed:
        raise OutputError(
            f"cannot tell the {what} format from the extension {path.suffix or '(none)'!r}",
            file=path,
            hint=f"use one of {', '.join(allowed)}",
        )
    if path.is_dir():
        raise OutputError("is a folder, expected a file name", file=path)
    if not path.parent.exists():
        raise OutputError("the folder does not exist", file=path.parent)
    if not path.parent.is_dir():
        raise OutputError("is a file, not a folder", file=path.parent)
    # lexists: a dangling symlink is an existing name too, not a free one.
    if os.path.lexists(path) and not force:
        raise OutputError("already exists", file=path, hint="use --force to overwrite it")


@contextlib.contextmanager
def atomic_path(path: Path, *, force: bool) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success rename it over ``path``.

    On any exception (including KeyboardInterrupt) the temporary file is removed and the
    old ``path`` is untouched.
    """
    if os.path.lexists(path) and not force:
        raise OutputError("already exists", file=path, hint="use --force to overwrite it")
    remove_stale_temporaries(path)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f"{temporary_prefix(path)}{os.getpid()}.", suffix=".tmp", dir=path.parent
        )
    except FileNotFoundError:
        if path.parent.is_dir():  # /proc and the like: a folder that takes no new files
            raise OutputError("cannot create files in this folder", file=path.parent) from None
        raise OutputError("the folder does not exist", file=path.parent) from None
    except OSError as exc:  # permission, read-only file system, quota
        raise OutputError(
            f"cannot create files in this folder ({exc.strerror or exc})", file=path.parent
        ) from None
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp creates 0600; give the file the mode a plain open() would have.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        if os.path.lexists(path) and not force:  # appeared while we were writing
            raise OutputError("already exists", file=path, hint="use --force to overwrite it")
        os.replace(tmp, path)
    except OSError as exc:
        # Disk full, quota, a read-only file system: the user can fix these.
        tmp.unlink(missing_ok=True)
        reason = exc.strerror or str(exc)
        if exc.errno == errno.EFBIG:
            reason += ": the file size limit (ulimit -f) was reached"
        raise OutputError(f"cannot write the file ({reason})", file=path) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def temporary_prefix(path: Path) -> str:
    """Temporary files for ``path`` are ``.<name>.<pid>.<random>.tmp`` beside it: hidden,
    and with a suffix no reader of segtui (or a spreadsheet) takes for a data file."""
    return f".{path.name}."


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Delete temporary files left beside ``path`` by a writer that was killed (SIGKILL,
    power loss: no code runs to clean up). Only files whose writing process no longer
    exists are removed, so a concurrent writer's file is left alone. Returns those removed.
    """
    removed: list[Path] = []
    prefix = temporary_prefix(path)
    try:
        candidates = list(path.parent.glob(f"{glob_escape(prefix)}*.tmp"))
    except OSError:
        return removed
    for candidate in candidates:
        pid_text = candidate.name[len(prefix) :].split(".", 1)[0]
        if not pid_text.isdigit() or _process_alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            candidate.unlink()
            removed.append(candidate)
    return removed


def glob_escape(text: str) -> str:
    """``text`` with glob metacharacters escaped."""
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def write_text_atomic(path: Path, text: str, *, force: bool) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path, force=force) as tmp:
        write_text_file(tmp, text)


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a single quote.

    One pass finds which text columns have such a cell; only those are rewritten (on a
    million-row segments file the rewrite of every text column cost a tenth of a second).
    """
    # starts_with gives one bit per cell; the first characters as a column of strings
    # (str.slice) were a copy of every text column (~0.6 GB at ten million customers).
    risky = {
        name: pl.any_horizontal(pl.col(name).str.starts_with(c) for c in FORMULA_START)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    }
    if not risky or frame.height == 0:
        return frame
    found = frame.select(expr.any().alias(name) for name, expr in risky.items()).row(0)
    return frame.with_columns(
        pl.when(expr).then(pl.lit("'") + pl.col(name)).otherwise(pl.col(name)).alias(name)
        for (name, expr), hit in zip(risky.items(), found, strict=True)
        if hit
    )


def _csv_frame(frame: pl.DataFrame, raw: bool) -> pl.DataFrame:
    return frame if raw else neutralise_headers(neutralise_formulas(frame))


def neutralise_headers(frame: pl.DataFrame) -> pl.DataFrame:
    """Header cells are spreadsheet cells too: a column named like a formula (migrate's
    ``-1 No purchases``) gets the same leading quote as a data cell."""
    renames = {name: "'" + name for name in frame.columns if name.startswith(FORMULA_START)}
    return frame.rename(renames) if renames else frame


def write_frame(
    frame: pl.DataFrame,
    target: Path | str,
    *,
    force: bool = False,
    raw_csv: bool = False,
    stdout: IO[str] | None = None,
) -> Path | None:
    """Write a table as CSV, Parquet or JSON (by extension), atomically.

    ``target == "-"`` writes CSV to ``stdout`` (default ``sys.stdout``) and returns None;
    otherwise returns the absolute path written.
    """
    if str(target) == STDOUT:
        write_stdout(_csv_frame(frame, raw_csv).write_csv(), stdout)
        return None
    path = Path(target)
    check_target(path, force=force, allowed=SEGMENT_FORMATS, what="segments file")
    with atomic_path(path, force=force) as tmp:
        frame_to_file(frame, tmp, path.suffix, raw_csv=raw_csv)
    return path.resolve()


def frame_to_file(frame: pl.DataFrame, file: Path, suffix: str, *, raw_csv: bool = False) -> None:
    """Write ``frame`` to ``file`` in the format of ``suffix`` (.csv, .parquet, .json);
    ``file`` is usually the temporary path of a staged output."""
    writers: dict[str, Callable[[Path], object]] = {
        ".csv": lambda p: _csv_frame(frame, raw_csv).write_csv(p),
        ".parquet": lambda p: frame.write_parquet(p, statistics=False),
        ".json": lambda p: write_text_file(p, json_text(frame.to_dicts())),
    }
    try:
        writers[suffix.lower()](file)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise _os_error_of(exc) from None


def _os_error_of(exc: Exception) -> Exception:
    """Polars reports a failed write (EFBIG, ENOSPC) as an OSError without errno (CSV)
    or a ComputeError (Parquet) whose text ends in ``(os error N)``: that is the OSError
    with errno N, for the error boundary. Any other error is returned unchanged."""
    import re

    found = re.search(r"\(os error (\d+)\)", str(exc))
    if found is None or (isinstance(exc, OSError) and exc.errno is not None):
        return exc
    code = int(found.group(1))
    return OSError(code, os.strerror(code))


def write_stdout(text: str, stream: IO[str] | None = None) -> None:
    """Write data (CSV, JSON) to stdout as UTF-8 whatever the terminal's encoding, so an
    ASCII-only stdout (PYTHONIOENCODING=ascii) never loses or garbles a customer name.
    Every byte is written or an OSError (EPIPE, ENOSPC, EFBIG: a short write is retried,
    and the retry reports why it failed) propagates to the CLI's error boundary; a
    closed stdout is an OutputError."""
    target = stream if stream is not None else sys.stdout
    if target is None:
        raise OutputError("stdout is closed; nothing can be written to it")
    buffer = getattr(target, "buffer", None)
    if buffer is None:
        written = target.write(text)
        target.flush()
        if written is not None and written != len(text):
            raise OSError(errno.EIO, f"short write ({written} of {len(text)} characters)")
        return
    target.flush()  # keep order with text already written
    write_all(buffer.write, text.encode("utf-8"))
    buffer.flush()


def write_all(write: Callable[[memoryview], int | None], data: bytes) -> None:
    """Call ``write`` until every byte of ``data`` is written: a short write (the OS
    accepts part of it, as under ``ulimit -f`` or on a full disk) is retried, and the
    retry raises the OSError that says why. A write that makes no progress is EIO."""
    view = memoryview(data)
    while view:
        count = write(view)
        if count is None:
            raise BlockingIOError(errno.EAGAIN, "the output would block")
        if count <= 0:
            raise OSError(errno.EIO, "the write made no progress")
        view = view[count:]


def write_text_file(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` (usually a staged temporary file), every byte
    checked (:func:`write_all`) and the size verified after the last write."""
    data = text.encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        write_all(lambda view: os.write(fd, view), data)
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    if size != len(data):
        raise OSError(errno.EIO, f"wrote {size:,} of {len(data):,} bytes", str(path))


def json_text(data: Any) -> str:
    """Deterministic, readable JSON (NaN written as null)."""
    return json.dumps(_clean(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


def summary_text(summary: dict[str, Any], suffix: str) -> str:
    """The summary as JSON (``.json``) or the Markdown report (``.md``)."""
    from segtui.engine.output.report import markdown_report

    return json_text(summary) if suffix.lower() == ".json" else markdown_report(summary)

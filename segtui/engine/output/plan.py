"""Output planning: every command decides where it writes before it reads any data.

A command lists its inputs (every file it reads, also through another file: built by
:func:`segtui.engine.output.inputs.command_inputs`) and its outputs (``--out``,
``--summary``, ``--save-model``, ``--moves``, a sample folder's tables).
:func:`plan_outputs` resolves them all to real paths and refuses, with one line naming
both sides:

* an output that is an input (the same file, through a symlink or a hard link too), or a
  file the source folder's loader would read, even with ``--force``;
* two outputs that are the same file (``--out x.json --summary x.json``), two outputs on
  stdout (``-``), or one on stdout beside ``--json``;
* an output that exists (a dangling symlink included) without ``--force``;
* an output whose folder is missing, not a folder, or refuses new files (read-only file
  system, permission, ``/proc``): a probe file is created and removed at planning time;
* an input that is a FIFO or a device (reading it would block or never end).

:meth:`OutputPlan.staging` then writes every output to a temporary file beside its target
and renames them all only when every one has been written, so a command that fails at
any point leaves no output behind (and the old files untouched).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from segtui.engine.errors import InputError, OptionError, OutputError

STDOUT = "-"


@dataclass(frozen=True)
class Target:
    """One output a command may write: the option that names it, the path as given, the
    extensions it accepts (empty = any) and what it is, in words."""

    option: str
    path: Path | str | None
    allowed: tuple[str, ...] = ()
    what: str = "output file"
    make_folder: bool = False  # the folder may be missing: created when writing


@dataclass(frozen=True)
class Force:
    """Whether existing outputs may be replaced. ``scope`` limits a ``force = true`` that
    came from a settings file to the folder holding that file (None = anywhere, as for
    ``--force`` on the command line)."""

    allowed: bool = False
    scope: Path | None = None

    def covers(self, path: Path) -> bool:
        """True when ``path`` (resolved) may be overwritten."""
        if not self.allowed:
            return False
        if self.scope is None:
            return True
        return path.is_relative_to(Path(os.path.realpath(self.scope)))


@dataclass
class OutputPlan:
    """The checked outputs of one command, by option; write them with :meth:`staging`."""

    paths: dict[str, Path] = field(default_factory=dict)
    force: dict[str, bool] = field(default_factory=dict)
    stdout: str | None = None  # the option that writes to stdout, if any

    def path(self, option: str) -> Path | None:
        """The planned file of ``option`` (None when not written to a file)."""
        return self.paths.get(option)

    @contextlib.contextmanager
    def staging(self) -> Iterator[Callable[[str], Path]]:
        """Yield ``stage(option) -> temporary path``. When the block ends without an
        exception every staged file is renamed over its target; on any exception every
        one is removed and no target is touched."""
        from segtui.engine.output.writers import atomic_path

        with contextlib.ExitStack() as stack:

            def stage(option: str) -> Path:
                return stack.enter_context(
                    atomic_path(self.paths[option], force=self.force[option])
                )

            yield stage

    def commit(
        self,
        files: Mapping[str, Callable[[Path, str], object]],
        stdout: Mapping[str, Callable[[], object]] | None = None,
    ) -> list[Path]:
        """Write every planned file with ``files[option](temporary_path, suffix)`` and
        the output planned on stdout with ``stdout[option]()`` (each option writes its
        own content there); rename the files into place only when all of them (and
        stdout) succeeded. Returns the absolute paths written."""
        for path in self.paths.values():
            path.parent.mkdir(parents=True, exist_ok=True)
        failed: list[OSError] = []
        try:
            with self.staging() as stage:
                for option, path in self.paths.items():
                    files[option](stage(option), path.suffix)
                if stdout is not None and self.stdout is not None:
                    try:
                        stdout[self.stdout]()
                    except OSError as exc:
                        # Not a file's error: carried past the staged files (which are
                        # removed) and raised as it is, for the stdout message.
                        failed.append(exc)
                        raise _StdoutFailed() from None
        except _StdoutFailed:
            raise failed[0] from None
        return [Path(os.path.abspath(path)) for path in self.paths.values()]


class _StdoutFailed(Exception):
    """Writing to stdout failed inside :meth:`OutputPlan.commit`."""


def plan_outputs(
    targets: Sequence[Target],
    *,
    inputs: Sequence[tuple[str, Path | str | None]] = (),
    force: Force | bool = False,
    json_on_stdout: bool = False,
) -> OutputPlan:
    """Check ``targets`` against ``inputs`` (``(what, path)`` pairs, None skipped, built
    by :func:`segtui.engine.output.inputs.command_inputs`) and against each other; at
    most one target may be ``-`` (stdout), and none when ``json_on_stdout`` (``--json``
    keeps stdout for its JSON document alone). Returns the plan or raises
    OutputError/InputError/OptionError (exit 2)."""
    rule = force if isinstance(force, Force) else Force(bool(force))
    sources = _input_files(inputs)
    plan = OutputPlan()
    seen: dict[str, tuple[str, Path]] = {}
    for target in targets:
        if target.path is None:
            continue
        if str(target.path) == STDOUT:
            if json_on_stdout:
                raise OptionError(
                    f"--json and {target.option} - both want stdout; choose one",
                    hint=f"write {target.option} to a file, or drop --json",
                )
            if plan.stdout is not None:
                raise OutputError(
                    f"{plan.stdout} and {target.option} both write to stdout",
                    hint="at most one output may be '-'; write the others to files",
                )
            plan.stdout = target.option
            continue
        path = Path(target.path).expanduser()
        real = Path(os.path.realpath(path))
        for what, source in sources:
            if _same_file(real, source):
                raise OutputError(
                    f"{target.option} is the {what} {source}; writing it would destroy the input",
                    file=path,
                    hint="choose another output file name",
                )
        for folder in (p for w, p in _folders(inputs) if real.parent == p):
            if _is_table_name(real):
                raise OutputError(
                    f"{target.option} would be read as a table of the source folder {folder}",
                    file=path,
                    hint="write it to another folder",
                )
        _check_name(path, target)
        key = os.path.normcase(str(real))
        if key in seen:
            other, _ = seen[key]
            raise OutputError(
                f"{other} and {target.option} are the same file; one would replace the other",
                file=path,
            )
        seen[key] = (target.option, real)
        allowed_force = rule.covers(real)
        _check_folder(path, target.make_folder)
        if os.path.lexists(path):
            if path.is_dir():
                raise OutputError("is a folder, expected a file name", file=path)
            if not allowed_force:
                dangling = path.is_symlink() and not path.exists()
                raise OutputError(
                    "already exists" + (" (a link to a missing file)" if dangling else ""),
                    file=path,
                    hint=(
                        "force = true in the settings file only covers its own folder; add --force"
                        if rule.allowed
                        else "use --force to overwrite it"
                    ),
                )
        plan.paths[target.option] = path
        plan.force[target.option] = allowed_force
    return plan


def check_input_file(path: Path | str, what: str = "input") -> None:
    """Refuse an input that is a FIFO, socket or device (it would block or never end)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # missing or unreadable: the reader names it
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device" if _is_device(mode) else "special"
    raise InputError(f"the {what} is {kind}, not a regular file", file=path)


def _is_device(mode: int) -> bool:
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode)


def _check_name(path: Path, target: Target) -> None:
    if target.allowed and path.suffix.lower() not in target.allowed:
        raise OutputError(
            f"cannot tell the {target.what} format from the extension {path.suffix or '(none)'!r}",
            file=path,
            hint=f"use one of {', '.join(target.allowed)}",
        )


def _check_folder(path: Path, make_folder: bool = False) -> None:
    """The folder must exist (or, with ``make_folder``, its nearest existing ancestor),
    be a folder and accept a new file: a probe file proves it."""
    parent = path.parent
    blocking = next((p for p in (parent, *parent.parents) if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise OutputError("is a file, not a folder", file=blocking)
    if not parent.exists():
        if not make_folder or blocking is None:
            raise OutputError("the folder does not exist", file=parent)
        parent = blocking
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.probe.", dir=parent)
    except OSError as exc:
        raise OutputError(
            f"cannot create files in this folder ({_reason(exc)})", file=parent
        ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "it does not take new files"
    return exc.strerror or str(exc)


def _input_files(inputs: Sequence[tuple[str, Path | str | None]]) -> list[tuple[str, Path]]:
    """Every input file, resolved; a folder contributes the tables its loader reads."""
    files: list[tuple[str, Path]] = []
    for what, given in inputs:
        if given is None or str(given) == STDOUT:
            continue
        path = Path(given).expanduser()
        real = Path(os.path.realpath(path))
        if real.is_dir():
            with contextlib.suppress(OSError):
                files += [
                    ("file of the source folder", Path(os.path.realpath(entry)))
                    for entry in sorted(real.iterdir())
                    if _is_table_name(entry)
                ]
        else:
            check_input_file(path, what)
            files.append((what, real))
    return files


def _folders(inputs: Sequence[tuple[str, Path | str | None]]) -> list[tuple[str, Path]]:
    folders = []
    for what, given in inputs:
        if given is not None and str(given) != STDOUT:
            real = Path(os.path.realpath(Path(given).expanduser()))
            if real.is_dir():
                folders.append((what, real))
    return folders


def _is_table_name(path: Path) -> bool:
    """True when a source folder's loader would read ``path`` as one of its tables."""
    from segtui.engine.io.table_names import SUFFIXES, TABLE_KINDS

    stem = path.stem.lower()
    return path.suffix.lower() in SUFFIXES and any(
        stem in (kind, kind.rstrip("s")) for kind in TABLE_KINDS
    )


def _same_file(real: Path, source: Path) -> bool:
    if os.path.normcase(str(real)) == os.path.normcase(str(source)):
        return True
    try:
        return os.path.samefile(real, source)  # hard links
    except OSError:
        return False

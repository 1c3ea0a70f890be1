"""What `segtui ui` does once its options are read: check the terminal and the source,
then run the workbench. Typer-free, so plain ``segtui ui [SOURCE]`` (``plain_command``)
reaches the first frame without importing Typer or building the command's options.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from segtui.cli.common import handle_errors, typer

if TYPE_CHECKING:
    from segtui.config import Settings


def open_workbench(settings: Settings, config: Path | None, *, mouse: bool) -> None:
    """Check the terminal and the source, then run the workbench on ``settings``."""
    check_terminal()
    from segtui.engine import command_inputs, plan_outputs

    plan_outputs([], inputs=command_inputs(settings, config=config))  # FIFO, device: refused
    if settings.source is not None and not settings.source.exists():
        from segtui.engine import InputError

        raise InputError("no such file or folder", file=settings.source)
    from segtui.settings_file import find_config
    from segtui.tui.app import SegtuiApp

    # The header names a settings file that was applied (./segtui.toml is silent).
    applied = find_config(config)
    from segtui.cli.exiting import default_signals

    with default_signals():  # Textual restores the terminal itself (see exiting.py)
        SegtuiApp(settings, config_file=applied).run(mouse=mouse)


def plain_command(args: list[str]) -> Callable[[], None] | None:
    """`segtui ui` or `segtui ui SOURCE` with no settings file in the folder: nothing to
    parse or check but the path, so the workbench opens without Typer parsing its 30-odd
    options and pydantic checking none (0.1-0.15 s of CPU before the first frame). Any
    other arguments, or a ./segtui.toml, go through the command as usual (None)."""
    from segtui.settings_file import DEFAULT_NAME

    if len(args) > 1 or (args and (args[0].startswith("-") or not args[0].strip())):
        return None
    if "\0" in "".join(args) or (Path.cwd() / DEFAULT_NAME).exists():
        return None

    def open_plain() -> None:
        from segtui.config import Settings

        try:
            with handle_errors():
                open_workbench(Settings(source=Path(args[0]) if args else None), None, mouse=True)
        except typer.Exit as exc:  # the command's exit code, as Typer would give it
            raise SystemExit(exc.exit_code) from None

    return open_plain


def check_terminal() -> None:
    """The workbench draws on a terminal and reads keys from one: without both (stdin
    from /dev/null, stdout to a file, cron, CI) it would write escape codes into the file
    and wait forever, so it refuses with one line instead. Under textual-serve (which sets
    TEXTUAL_DRIVER to Textual's web driver) the pipes are the browser's terminal."""
    import os
    import sys

    from segtui.engine import OptionError

    if os.environ.get("TEXTUAL_DRIVER", "").endswith(":WebDriver"):
        return  # `segtui serve`: textual-serve speaks Textual's web protocol over the pipes

    def is_tty(stream: object) -> bool:
        try:
            return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
        except (OSError, ValueError):
            return False

    missing = [name for name, s in (("stdin", sys.stdin), ("stdout", sys.stdout)) if not is_tty(s)]
    if missing:
        raise OptionError(
            f"segtui ui needs a terminal, but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not one",
            hint="run it in a terminal, or use segtui run for files and scripts",
        )

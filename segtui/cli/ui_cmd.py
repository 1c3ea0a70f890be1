"""``segtui ui``: the Textual workbench (imported only when the command runs)."""

from __future__ import annotations

from segtui.cli.app import app
from segtui.cli.common import handle_errors, load_settings
from segtui.cli.options import Given, takes


@app.command()
@takes(
    "source", "k", "method", "clustering", "config", "mapping", "spark", "like", "value",
    "no_mouse@ui",
)  # fmt: skip
def ui(given: Given) -> None:
    """Open the interactive segmentation workbench (reads and segments as `run` does)."""
    with handle_errors():
        if given.spark() is not None:
            from segtui.engine import OptionError

            # The workbench browses the raw tables and re-clusters in place: one machine.
            raise OptionError(
                "the workbench runs on the polars engine",
                hint="use `segtui run --engine spark` for Spark",
            )
        config = given["config"]
        settings, _ = load_settings(
            given["source"], config, mapping=given.mapping(), **given.settings()
        )
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
            SegtuiApp(settings, config_file=applied).run(mouse=not given["no_mouse"])


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

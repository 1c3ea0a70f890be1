"""The Typer application object; command modules register themselves on it.

It lives in its own module so a command module imports it without the rest of the
CLI. ``from segtui.cli import app`` gives it with every command registered
(``segtui.cli.commands_app``); ``segtui ui`` registers only its own.
"""

from __future__ import annotations

import typer

from segtui.cli.usage import OneLineUsageGroup

app = typer.Typer(
    name="segtui",
    cls=OneLineUsageGroup,  # usage errors on one line (segtui/cli/usage.py)
    help="Customer segmentation from transaction data, in the terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from segtui.version import __version__

        typer.echo(__version__)
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        is_eager=True,
        callback=_print_version,
    ),
) -> None:
    """Customer segmentation from transaction data, in the terminal."""

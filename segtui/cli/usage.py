"""Usage errors (unknown option, a value of the wrong type, missing argument) as ONE line.

Click prints a usage block, a hint and the error on three lines. segtui's rule is one
line on stderr and exit 2 for every user error, so the app's command group catches
Click's ``UsageError`` where arguments are parsed (its own and each subcommand's) and
prints ``segtui: error: <message> (see 'segtui run --help')``. It works for the console
script and for ``typer.testing.CliRunner`` alike (both call the group's ``main``).
``segtui`` without arguments still prints the help (Click's NoArgsIsHelpError).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import typer
from typer._click.exceptions import UsageError  # typer vendors Click as typer._click
from typer.core import TyperGroup


@contextlib.contextmanager
def one_line_usage_errors() -> Iterator[None]:
    """Turn a Click usage error into one stderr line and exit 2."""
    try:
        yield
    except UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # prints the help: keep it
            raise
        where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        message = " ".join(exc.format_message().split())  # Click may wrap long messages
        typer.echo(f"segtui: error: {message}{where}", err=True)
        raise typer.Exit(exc.exit_code) from None


class OneLineUsageGroup(TyperGroup):
    """The ``segtui`` group: usage errors of it and its commands on one line."""

    def make_context(self, info_name: str | None, args: list[str], *a: Any, **kw: Any) -> Any:
        """Parse the group's own options; returns the context."""
        with one_line_usage_errors():
            return super().make_context(info_name, args, *a, **kw)

    def invoke(self, ctx: Any) -> Any:
        """Resolve and run the subcommand (its parsing raises usage errors here)."""
        with one_line_usage_errors():
            return super().invoke(ctx)

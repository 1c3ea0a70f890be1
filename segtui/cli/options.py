"""Every command's Typer parameters, built from the settings table.

A command says which rows it takes, in the order its help lists them, with
:func:`takes`: row names, or group names that stand for every row of that group naming
the command (``"clustering"``, ``"mapping"``, ``"value"``, ``"spark"``). The decorator
gives the function the signature Typer reads (``__signature__``) and calls it with one
:class:`Given` holding the values. A row naming a command that does not take it is an
error at import, so a new row cannot be silently left out of a command's help.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from segtui.settings_table import REQUIRED, ROW, ROWS, Row

if TYPE_CHECKING:
    from rich.console import Console

Command = Callable[["Given"], None]


class Given(dict[str, Any]):
    """A command's parameter values by key (None = not given), with its rows."""

    def __init__(self, values: dict[str, Any], rows: tuple[Row, ...]) -> None:
        super().__init__(values)
        self.rows = rows

    def settings(self) -> dict[str, Any]:
        """The top-level settings keys the command takes (not ``source``), for
        :func:`segtui.cli.common.load_settings`."""
        return {r.key: self[r.key] for r in self.rows if r.table == "" and r.key != "source"}

    def mapping(self) -> dict[str, str | None]:
        """The ``[mapping]`` flags (None = not given), each value checked (OptionError)."""
        return mapping_flags(self)

    def report(self, summary: Callable[[], Any], *, on_stderr: bool = False) -> Console | None:
        """With --json, print ``summary()`` as JSON and return None; with --quiet, None;
        else the console of the human report (on stderr when a table went to stdout, so
        the CSV stays clean)."""
        from segtui.cli.common import console, emit_json

        if self["json"]:
            emit_json(summary())
            return None
        return None if self["quiet"] else console(stderr=on_stderr)

    def spark(self) -> Any:
        """SparkOptions for ``--engine spark``, None for the Polars engine."""
        return spark_options(
            self.get("engine"),
            self.get("spark_master"),
            self.get("spark_conf"),
            self.get("spark_driver_limit"),
        )


def parameter(row: Row) -> inspect.Parameter:
    """The Typer parameter of ``row``: Optional[type] defaulting to None (not given)
    unless the row has its own CLI default."""
    info: Any
    kwargs: dict[str, Any] = {
        "help": row.help_text(),
        "show_default": row.show_default,
        "rich_help_panel": row.panel,
        "metavar": row.metavar,
    }
    if row.argument:
        info = typer.Argument(**kwargs)
    else:
        info = typer.Option(*row.flags, envvar=row.envvar, **kwargs)
    kind = row.type if row.cli_default is not None else Optional[row.type]  # noqa: UP045
    default = inspect.Parameter.empty if row.cli_default is REQUIRED else row.cli_default
    return inspect.Parameter(
        row.key, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[kind, info]
    )


def layout(command: str, names: tuple[str, ...]) -> tuple[Row, ...]:
    """The rows ``command`` takes, in the order of ``names`` (row or group names)."""
    rows: list[Row] = []
    for name in names:
        if name in ROW:
            if command not in ROW[name].commands:
                raise RuntimeError(f"row {name!r} does not name the command {command!r}")
            rows.append(ROW[name])
        else:
            group = [r for r in ROWS if r.group == name and command in r.commands]
            if not group:
                raise RuntimeError(f"{command}: no row or group {name!r}")
            rows += group
    missing = [r.name for r in ROWS if command in r.commands and r not in rows]
    if missing or len(set(rows)) != len(rows):
        raise RuntimeError(f"{command}: rows left out or taken twice: {missing}")
    return tuple(rows)


def takes(*names: str) -> Callable[[Command], Callable[..., None]]:
    """Build a command's parameters from the rows ``names`` (see the module docstring);
    the command is the decorated function's name."""

    def decorate(function: Command) -> Callable[..., None]:
        rows = layout(function.__name__, names)

        @functools.wraps(function)
        def command(**values: Any) -> None:
            function(Given(values, rows))

        params = [parameter(row) for row in rows]
        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        return command

    return decorate


def mapping_flags(params: dict[str, Any]) -> dict[str, str | None]:
    """The mapping flags among a command's values, as a ``[mapping]``-style dict (None =
    not given), each value checked (OptionError): a quote as --delimiter must not turn
    into "no customer id column" in the model commands, which merge no settings."""
    from segtui.config import MAPPING_KEYS
    from segtui.settings_file import check_values

    flags = {key: params.get(key) for key in MAPPING_KEYS}
    check_values({"mapping": {key: value for key, value in flags.items() if value is not None}})
    return flags


def spark_options(
    engine: str | None, master: str | None, conf: list[str] | None, driver_limit: int | None
) -> Any:
    """SparkOptions for ``--engine spark`` (None for the Polars engine); OptionError on a
    bad engine name, conf pair or limit."""
    from segtui.config import DEFAULT_ENGINE, ENGINES
    from segtui.engine import OptionError

    name = (engine or DEFAULT_ENGINE).strip().lower()
    if name not in ENGINES:
        raise OptionError(f"unknown engine {engine!r}", hint=f"use one of {', '.join(ENGINES)}")
    if name != "spark":
        if master or conf or driver_limit is not None:
            raise OptionError("--spark-* options need --engine spark")
        return None
    from segtui.engine import SparkOptions
    from segtui.engine import parse_spark_conf as parse_conf

    if driver_limit is not None and not ROW["spark_driver_limit"].in_bounds(driver_limit):
        raise OptionError("--spark-driver-limit must be 0 or more", value=driver_limit)
    defaults = SparkOptions()
    return SparkOptions(
        master=master,
        conf=parse_conf(conf or []),
        driver_limit=defaults.driver_limit if driver_limit is None else driver_limit,
    )

"""What every command shares: option declarations, error handling, output streams."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from segtui.config import Settings

SourceArg = Annotated[
    Optional[Path],  # noqa: UP045 - typer needs Optional at runtime
    typer.Argument(
        help="Folder with Customers, Products and Transactions (.csv/.parquet). "
        "Omit to use the bundled sample data.",
        show_default=False,
    ),
]
KOpt = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option("--k", "-k", help="Number of segments [default: 4].", show_default=False),
]
FeaturesOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--features",
        "-f",
        help="Comma-separated feature names (default: total_spend,avg_transaction_value,"
        "frequency,total_quantity,region). Others: avg_quantity, recency_days, tenure_days, "
        "distinct_products, distinct_categories, category_shares.",
        show_default=False,
    ),
]
ScalingOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--scaling",
        help="standard (z-score, default), robust (median/IQR) or minmax.",
        show_default=False,
    ),
]
LogOpt = Annotated[
    Optional[bool],  # noqa: UP045
    typer.Option(
        "--log/--no-log", help="log1p-transform money and count features.", show_default=False
    ),
]
SeedOpt = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option("--seed", help="Random seed [default: 42].", show_default=False),
]
NInitOpt = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option("--n-init", help="K-Means restarts [default: 10].", show_default=False),
]
AsOfOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--as-of",
        help="Snapshot date YYYY-MM-DD: only earlier transactions count; recency and "
        "tenure are measured to it. Default: the day after the last transaction.",
        show_default=False,
    ),
]
CatWeightOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--categorical-weight",
        help="Weight of a categorical feature's one-hot block, in numeric features "
        "(default 1), or 'raw' for unit-variance one-hot columns as notebooks do.",
        show_default=False,
    ),
]
ConfigOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--config",
        help="Settings file (TOML). Default: ./segtui.toml when present. Flags override it.",
        show_default=False,
    ),
]
EngineOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--engine",
        help="polars (one machine, default) or spark (needs segtui[spark] and Java).",
        show_default=False,
    ),
]
SparkMasterOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--spark-master",
        help="Spark master URL for --engine spark [default: local[*], or the master "
        "given to spark-submit].",
        show_default=False,
    ),
]
SparkConfOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--spark-conf",
        help="Spark setting key=value for --engine spark (repeatable).",
        show_default=False,
    ),
]
SparkDriverLimitOpt = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(
        "--spark-driver-limit",
        help="--engine spark: up to this many customers with purchases are clustered on "
        "the driver with scikit-learn, more with MLlib [default: 1000000].",
        show_default=False,
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print the summary as JSON on stdout and nothing else.")
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite existing output files.")]


def load_settings(
    source: Path | None,
    config: Path | None,
    **flags: Any,
) -> tuple[Settings, dict[str, Any]]:
    """Settings from defaults < config file < flags (None = not given).

    Returns the settings and the raw config-file values (for its ``[output]`` table).
    """
    from segtui import settings_file

    path = settings_file.find_config(config)
    file_values = settings_file.read_config(path) if path is not None else {}
    flags = dict(flags, source=source)
    settings = settings_file.merge(
        file_values, flags, base_dir=path.parent if path is not None else None
    )
    return settings, file_values


@contextlib.contextmanager
def handle_errors() -> Iterator[None]:
    """Turn user errors into one line on stderr and exit 2; Ctrl-C into exit 130."""
    from segtui.engine.errors import SegtuiError

    try:
        yield
    except SegtuiError as exc:
        typer.echo(f"segtui: error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("segtui: interrupted", err=True)
        raise typer.Exit(130) from None


def console(*, stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr); plain when not a terminal."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


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
    """Write a JSON document to stdout."""
    from segtui.engine.outputs import json_text

    sys.stdout.write(json_text(data))


def spark_options(
    engine: str | None, master: str | None, conf: list[str] | None, driver_limit: int | None
) -> Any:
    """SparkOptions for ``--engine spark`` (None for the Polars engine); OptionError on a
    bad engine name, conf pair or limit."""
    from segtui.config import DEFAULT_ENGINE, ENGINES
    from segtui.engine.errors import OptionError

    name = (engine or DEFAULT_ENGINE).strip().lower()
    if name not in ENGINES:
        raise OptionError(f"unknown engine {engine!r}", hint=f"use one of {', '.join(ENGINES)}")
    if name != "spark":
        if master or conf or driver_limit is not None:
            raise OptionError("--spark-* options need --engine spark")
        return None
    from segtui.engine.spark import SparkOptions
    from segtui.engine.spark.session import parse_conf

    if driver_limit is not None and driver_limit < 0:
        raise OptionError("--spark-driver-limit must be 0 or more", value=driver_limit)
    defaults = SparkOptions()
    return SparkOptions(
        master=master,
        conf=parse_conf(conf or []),
        driver_limit=defaults.driver_limit if driver_limit is None else driver_limit,
    )

"""What every command shares: option declarations, error handling, output streams."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer

from segtui.config import DEFAULT_FEATURES, DEFAULT_K

if TYPE_CHECKING:
    from rich.console import Console

    from segtui.config import Settings

SourceArg = Annotated[
    Optional[Path],  # noqa: UP045 - typer needs Optional at runtime
    typer.Argument(
        help="Folder with Customers, Products and Transactions (.csv/.parquet), or one "
        "transaction log file (.csv, .tsv, .csv.gz, .parquet). "
        "Omit to use the bundled sample data.",
        show_default=False,
    ),
]
KOpt = Annotated[
    Optional[str],  # noqa: UP045 - a number or "auto"; checked by settings_file
    typer.Option(
        "--k",
        "-k",
        help=f"Number of segments, or 'auto' [default: {DEFAULT_K}]: chosen by a k sweep "
        "(stable k with no segment under 1%, best at separating the next weeks inside "
        "the data; see docs/choosing-k.md and `segtui sweep`).",
        show_default=False,
    ),
]
FeaturesOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--features",
        "-f",
        help=f"Comma-separated feature names (default: {','.join(DEFAULT_FEATURES)}). "
        "Others: avg_transaction_value, total_quantity, avg_quantity, tenure_days, region, "
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
    Optional[str],  # noqa: UP045
    typer.Option(
        "--log",
        help="log1p-transform money and count features: auto (the skewed ones, default), "
        "on (all) or off.",
        show_default=False,
        metavar="auto|on|off",
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
MethodOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--method",
        help="kmeans (clustering, default) or rfm (the RFM R x F grid's ten named cells as "
        "segments: quintile scores on recency and frequency; --k is then ignored).",
        show_default=False,
        metavar="kmeans|rfm",
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
LikeOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--like",
        help="A saved model (--save-model) whose segments persisting ones continue: "
        "same id and name; new ones get new ids, vanished ones are reported.",
        show_default=False,
    ),
]
# Customer value (--clv): one block, shown in its own help panel.
ClvOpt = Annotated[
    Optional[bool],  # noqa: UP045
    typer.Option(
        "--clv",
        help="Add p_alive, expected_purchases, expected_order_value, clv and stage to the "
        "segments file (BG/NBD + Gamma-Gamma; see docs/value.md).",
        show_default=False,
        rich_help_panel="Customer value",
    ),
]
HorizonOpt = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(
        "--horizon",
        help="--clv: days ahead for expected purchases and CLV [default: 90].",
        show_default=False,
        rich_help_panel="Customer value",
    ),
]
DiscountRateOpt = Annotated[
    Optional[float],  # noqa: UP045
    typer.Option(
        "--discount-rate",
        help="--clv: annual discount rate of CLV, 0.1 = 10% a year [default: 0.1].",
        show_default=False,
        rich_help_panel="Customer value",
    ),
]
HoldoutEndOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--holdout-end",
        help="--clv with --as-of: compare predicted with actual repeat purchases from the "
        "as-of date to this date (YYYY-MM-DD), week by week.",
        show_default=False,
        rich_help_panel="Customer value",
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
        _error(
            "out of memory: the input needs more than this process may use (a memory "
            "or ulimit -v limit, or the machine's memory); try a smaller input, "
            "--engine spark, or a higher limit"
        )
        raise typer.Exit(2) from None
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


def _mapping_option(flag: str, text: str) -> Any:
    return Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(flag, help=text, show_default=False, rich_help_panel="Single log"),
    ]


# Column mapping of a single transaction log (SOURCE is a file). Each flag is the
# `[mapping]` key of the settings file with dashes: --customer-col = customer_col.
CustomerColOpt = _mapping_option("--customer-col", "Customer id column of a single log.")
DateColOpt = _mapping_option("--date-col", "Date column of a single log.")
DateFormatOpt = _mapping_option(
    "--date-format", "strftime format of the dates, e.g. '%d/%m/%Y %H:%M' (default: detected)."
)
AmountColOpt = _mapping_option(
    "--amount-col", "Line total column (default: detected, else quantity x price)."
)
QuantityColOpt = _mapping_option("--quantity-col", "Quantity column.")
PriceColOpt = _mapping_option("--price-col", "Unit price column.")
OrderColOpt = _mapping_option(
    "--order-col",
    "Order/invoice id column: a purchase is then an order (without one: a customer-day).",
)
ProductColOpt = _mapping_option("--product-col", "Product id column.")
CategoryColOpt = _mapping_option("--category-col", "Product category column.")
CustomersFileOpt = _mapping_option(
    "--customers", "Customers file (CustomerID, Region, SignupDate...) joined on the id."
)
DelimiterOpt = _mapping_option(
    "--delimiter", "Field delimiter of a CSV log, one character or 'tab' (default: detected)."
)
CancelledIdsOpt = _mapping_option(
    "--cancelled-ids",
    "Order ids C + digits (C536379) as cancelled orders: auto (only where every other "
    "order id is a number; decided on the whole column), on, or off.",
)
ReturnsOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--returns",
        help="Return lines (a negative quantity or amount, or a cancelled order; see "
        "--cancelled-ids): net (their values lower spend and quantity whatever their sign; "
        "default) or drop (they count for nothing). Neither is a purchase, nor is a line "
        "of zero amount, quantity or price.",
        show_default=False,
        rich_help_panel="Single log",
    ),
]


def mapping_flags(params: Mapping[str, Any]) -> dict[str, str | None]:
    """The mapping flags among a command's parameters (pass ``locals()``), as a
    ``[mapping]``-style dict (None = not given), each value checked (OptionError).
    Every command names its mapping parameters after the ``[mapping]`` keys, so one
    call replaces listing all eleven."""
    from segtui.config import MAPPING_KEYS
    from segtui.settings_file import check_values

    flags = {key: params.get(key) for key in MAPPING_KEYS}
    # Checked here too, for the model commands that pass them on without a settings
    # merge: a quote as --delimiter must not turn into "no customer id column".
    check_values({"mapping": {key: value for key, value in flags.items() if value is not None}})
    return flags


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

    if driver_limit is not None and driver_limit < 0:
        raise OptionError("--spark-driver-limit must be 0 or more", value=driver_limit)
    defaults = SparkOptions()
    return SparkOptions(
        master=master,
        conf=parse_conf(conf or []),
        driver_limit=defaults.driver_limit if driver_limit is None else driver_limit,
    )

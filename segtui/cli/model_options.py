"""Options shared by the commands that use a saved model (assign, lookalike, migrate)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer

ModelOpt = Annotated[
    Path,
    typer.Option(
        "--model",
        "-m",
        help="Model file written by segtui run --save-model.",
        show_default=False,
    ),
]
ModelSourceArg = Annotated[
    Path,
    typer.Argument(
        help="Folder with Customers, Products and Transactions (.csv/.parquet), or one "
        "transaction log file (.csv, .tsv, .csv.gz, .parquet) read with the model's column "
        "mapping; mapping flags override it key by key.",
        metavar="SOURCE",
        show_default=False,
    ),
]
OutOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer needs Optional at runtime
    typer.Option(
        "--out",
        "-o",
        help="Output file (.csv, .parquet or .json); '-' writes CSV to stdout.",
        show_default=False,
    ),
]
RawCsvOpt = Annotated[
    bool, typer.Option("--raw-csv", help="Do not neutralise spreadsheet formulas in CSV text.")
]


def check_out(out: str | None, *, json: bool, force: bool) -> None:
    """Fail early on an unwritable ``--out`` or on --json competing with ``--out -``."""
    from segtui.engine.errors import OptionError
    from segtui.engine.output.writers import SEGMENT_FORMATS, STDOUT, check_target

    if out is None:
        return
    if out == STDOUT:
        if json:
            raise OptionError("--json and --out - both want stdout; choose one")
        return
    check_target(Path(out), force=force, allowed=SEGMENT_FORMATS, what="output file")


def parse_as_of(text: str | None, option: str = "--as-of") -> dt.date | None:
    """The date of an as-of option (None when not given); OptionError when malformed."""
    if text is None:
        return None
    from segtui.engine.io.dates import parse_date_option

    return parse_date_option(text, option=option)

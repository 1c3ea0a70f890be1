"""Options shared by the commands that use a saved model (assign, lookalike, migrate)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from segtui.engine import OutputPlan, SegmentModel

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


def plan_model_outputs(
    outputs: dict[str, str | None],
    *,
    json: bool,
    force: bool,
    model: SegmentModel,
    sources: list[Path | None],
    overrides: dict[str, str | None],
    others: Sequence[tuple[str, Path | None]] = (),
) -> OutputPlan:
    """The output plan of a model command (assign, lookalike, migrate), made before any
    data is read: ``outputs`` (option -> path or '-') checked against every file the
    command reads (the model, the sources, the customers file given or recorded in the
    model, ``others``) and each other; --json with an output on stdout is refused."""
    from segtui.engine import SEGMENT_FORMATS, Target, command_inputs, plan_outputs

    inputs = command_inputs(
        model=model, sources=sources, mapping_overrides=overrides, others=others
    )
    return plan_outputs(
        [Target(option, path, SEGMENT_FORMATS, "output file") for option, path in outputs.items()],
        inputs=inputs,
        force=force,
        json_on_stdout=json,
    )


def parse_as_of(text: str | None, option: str = "--as-of") -> dt.date | None:
    """The date of an as-of option (None when not given); OptionError when malformed."""
    if text is None:
        return None
    from segtui.engine import parse_date_option

    return parse_date_option(text, option=option)

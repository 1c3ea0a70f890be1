"""What the commands that use a saved model share (assign, lookalike, migrate); their
options are rows of the settings table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    import polars as pl

    from segtui.cli.options import Given
    from segtui.engine import OutputPlan, SegmentModel


def open_model(
    given: Given,
    outputs: dict[str, str | None],
    sources: list[Path | None],
    others: Sequence[tuple[str, Path | None]] = (),
) -> tuple[SegmentModel, dict[str, str | None], OutputPlan]:
    """The model of --model, the mapping flags (checked) and the output plan
    (:func:`plan_model_outputs`) of a model command, in that order, before any data."""
    from segtui.engine import load_model

    loaded = load_model(given["model"])
    overrides = given.mapping()
    plan = plan_model_outputs(
        outputs,
        json=given["json"],
        force=given["force"],
        model=loaded,
        sources=sources,
        overrides=overrides,
        others=others,
    )
    return loaded, overrides, plan


def commit_table(plan: OutputPlan, table: pl.DataFrame, raw_csv: bool) -> Path | None:
    """Write ``table`` to --out (a file, or CSV on stdout for '-'); the file written."""
    from segtui.engine import STDOUT, frame_to_file, write_frame

    written = plan.commit(
        {"--out": lambda tmp, suffix: frame_to_file(table, tmp, suffix, raw_csv=raw_csv)},
        stdout={"--out": lambda: write_frame(table, STDOUT, raw_csv=raw_csv)},
    )
    return written[0] if written else None


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

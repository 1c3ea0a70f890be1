"""The date rule (``dates.py``) applied to one column of one input file.

Shared by the folder reader and the single-log reader so both decide, refuse and report
dates the same way: the decision is recorded on the file's :class:`TableFile` (format,
candidates, an ambiguity warning and data_quality entries).
"""

from __future__ import annotations

import polars as pl

from segtui.engine.errors import InputError
from segtui.engine.io import dates, readers
from segtui.engine.io.tables import TableFile


def decide_dates(spec: TableFile, raw: pl.LazyFrame, canonical: str, given: str | None) -> None:
    """Apply the date rule to column ``canonical`` of ``spec`` (read as ``raw``): record
    the format, its candidates and an ambiguity (warning and data_quality) on ``spec``.
    Raises InputError when no value of the head is a date in any candidate format."""
    actual = spec.columns[canonical]
    try:
        decision, head = dates.decide(raw, actual, given)
    except pl.exceptions.PolarsError as exc:
        raise readers.read_error(spec.path, spec.delimiter, exc) from None
    if decision.format != dates.NATIVE and not decision.candidates:
        _refuse_head(spec, actual, head, dates.most_parsed(head)[0])
    if given and decision.format != dates.NATIVE:
        _check_given(spec, actual, head, given)
    spec.date_formats[canonical] = decision.format
    spec.date_candidates[canonical] = decision.candidates
    spec.warnings.extend(decision.warnings)
    if decision.ambiguous:
        spec.data_quality.update(decision.data_quality(actual))


def _refuse_head(spec: TableFile, actual: str, head: pl.Series, best: str | None) -> None:
    """No candidate format reads any value of the head: name the first filled value.
    (When some values read, the format reading most is kept; the run then names the first
    failing row and ``validate`` lists them all.)"""
    if best is not None:
        return
    values = head.cast(pl.String).to_list()
    for index, value in enumerate(values):
        if value is not None and value.strip():
            raise InputError(
                "unparsable date",
                file=spec.path,
                column=actual,
                row=index + 1,
                value=value,
                hint=dates.mismatch_hint("none", []),
            )


def _check_given(spec: TableFile, actual: str, head: pl.Series, given: str) -> None:
    values = head.cast(pl.String).to_list()
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    parsed = frame.select(dates.parse(pl.col("v"), given).is_not_null()).to_series()
    filled = [(i, v) for i, v in enumerate(values) if v is not None and v.strip()]
    if filled and not any(parsed[i] for i, _ in filled):
        raise InputError(
            f"no date matches --date-format {given!r}",
            file=spec.path,
            column=actual,
            row=filled[0][0] + 1,
            value=filled[0][1],
        )

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
        _refuse_head(spec, actual, head, decision.format)
    if given and decision.format != dates.NATIVE:
        _check_given(spec, actual, head, given)
    spec.date_formats[canonical] = decision.format
    spec.date_candidates[canonical] = decision.candidates
    spec.warnings.extend(decision.warnings)
    if decision.ambiguous:
        spec.data_quality.update(decision.data_quality(actual))


def _refuse_head(spec: TableFile, actual: str, head: pl.Series, best: str) -> None:
    """No format reads all of the head: name the first value no candidate reads at all,
    else the first value the most common format does not read."""
    values = head.cast(pl.String).to_list()
    if not any(v is not None and v.strip() for v in values):
        return  # an all-empty head: the run names the first missing date
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    readable = frame.select(
        pl.any_horizontal(
            dates.parse(pl.col("v"), f).is_not_null() for f in dates.CANDIDATE_FORMATS
        )
    ).to_series()
    by_best = frame.select(dates.parse(pl.col("v"), best).is_not_null()).to_series()
    for index, (value, any_ok) in enumerate(zip(values, readable, strict=True)):
        if value is None or not value.strip():
            continue
        if not any_ok:
            raise InputError(
                "unparsable date",
                file=spec.path,
                column=actual,
                row=index + 1,
                value=value,
                hint="dates must look like 2024-12-31 or 2024-12-31 13:45:00; "
                "give another format with --date-format",
            )
    example = next(v for v, ok in zip(values, by_best, strict=True) if ok)
    for index, (value, ok) in enumerate(zip(values, by_best, strict=True)):
        if value is not None and value.strip() and not ok:
            raise InputError(
                "dates in mixed formats",
                file=spec.path,
                column=actual,
                row=index + 1,
                value=value,
                hint=f"most dates in this column look like {example!r}; "
                "use one format in the whole column, or give it with --date-format",
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

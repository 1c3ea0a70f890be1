"""How a log writes its values: date formats, decimal commas, blank cells.

Detection looks at the first ``SAMPLE_ROWS`` values of a column and decides once; the
whole column is then parsed with that decision (fast explicit casts, nulls on failure, so
the bad rows can be named afterwards).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from segtui.engine.errors import InputError
from segtui.engine.io import dates

SAMPLE_ROWS = 2000
NUMBERS = ("Quantity", "Price", "TotalValue")


def detect_date_format(path: Path, raw: pl.LazyFrame, actual: str, given: str | None) -> str:
    """The date format: native for typed Parquet dates, ``given``, or detected."""
    head = raw.select(actual).head(SAMPLE_ROWS).collect().get_column(actual)
    if head.dtype in (pl.Date, pl.Datetime):
        return "native"
    values = head.cast(pl.String)
    non_empty = values.drop_nulls().str.strip_chars()
    non_empty = non_empty.filter(non_empty != "")
    if given:
        parsed = non_empty.str.strptime(pl.Datetime("us"), given, strict=False, exact=True)
        if non_empty.len() and parsed.null_count() == non_empty.len():
            raise InputError(
                f"no date matches --date-format {given!r}",
                file=path,
                column=actual,
                row=_first_row(values, non_empty[0]),
                value=non_empty[0],
            )
        return given
    found = dates.detect_format(values)
    if found is not None or non_empty.len() == 0:
        return found or "%Y-%m-%d"
    # Some values do not parse: keep the format that reads most of them, so the run names
    # the bad row and `segtui validate` can list them all.
    best, best_count = None, 0
    for fmt in dates.CANDIDATE_FORMATS:
        ok = (
            non_empty.len()
            - non_empty.str.strptime(pl.Datetime("us"), fmt, strict=False, exact=True).null_count()
        )
        if ok > best_count:
            best, best_count = fmt, ok
    if best is None:
        raise InputError(
            "unparsable date",
            file=path,
            column=actual,
            row=_first_row(values, non_empty[0]),
            value=non_empty[0],
            hint="give the format with --date-format, e.g. '%d/%m/%Y'",
        )
    return best


def ambiguous_alternative(raw: pl.LazyFrame, actual: str, fmt: str) -> str | None:
    """The month-first twin of a day-first format (or the reverse) when it also reads
    every sampled date, e.g. all days <= 12; None when the format is unambiguous."""
    swaps = {"%d/%m/%Y": "%m/%d/%Y", "%m/%d/%Y": "%d/%m/%Y"}
    other = next((fmt.replace(a, b) for a, b in swaps.items() if fmt.startswith(a)), None)
    if other is None:
        return None
    head = raw.select(pl.col(actual).cast(pl.String)).head(SAMPLE_ROWS).collect().to_series()
    return other if dates.detect_format(head) and _reads_all(head, other) else None


def _reads_all(values: pl.Series, fmt: str) -> bool:
    sample = values.drop_nulls().str.strip_chars()
    sample = sample.filter(sample != "")
    parsed = sample.str.strptime(pl.Datetime("us"), fmt, strict=False, exact=True)
    return sample.len() > 0 and parsed.null_count() == 0


def _first_row(values: pl.Series, value: str) -> int:
    for index, item in enumerate(values.to_list()):
        if item is not None and item.strip() == value:
            return index + 1
    return 1


def uses_decimal_comma(raw: pl.LazyFrame, columns: dict[str, str], schema: pl.Schema) -> bool:
    """True when the number columns write decimals with a comma (``12,50``, ``1.234,50``):
    some sampled value has a decimal comma and none a decimal point."""
    text = [columns[c] for c in NUMBERS if c in columns and not schema[columns[c]].is_numeric()]
    if not text:
        return False
    sample = raw.select(text).head(SAMPLE_ROWS).collect()
    values = pl.concat([sample[c].drop_nulls().str.strip_chars() for c in text])
    comma = values.str.contains(r"^-?[0-9.]*[0-9],[0-9]+$").any()
    point = (
        values.str.contains(r"^-?[0-9]+\.[0-9]+$")
        & ~values.str.contains(r"^-?[0-9]{1,3}(\.[0-9]{3})+$")
    ).any()
    return bool(comma and not point)


def comma_to_point(expr: pl.Expr) -> pl.Expr:
    """``1.234,50`` -> ``1234.50``: drop thousands points, then comma to point."""
    return expr.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)


def number_text(expr: pl.Expr, decimal_comma: bool) -> pl.Expr:
    """``1.234,50`` -> ``1234.50``: drop thousands points, then comma to point."""
    """Text to Float64, reading ``1.234,50`` as 1234.5 when ``decimal_comma``."""
    return (comma_to_point(expr) if decimal_comma else expr).cast(pl.Float64)


def text_value(actual: str) -> pl.Expr:
    """Column ``actual`` as stripped text; blank cells become null (a missing value)."""
    value = pl.col(actual).cast(pl.String).str.strip_chars()
    return pl.when(value == "").then(None).otherwise(value)


def number_value(actual: str, dtype: pl.DataType, decimal_comma: bool) -> pl.Expr:
    """Column ``actual`` as Float64: numeric types cast, text parsed (strictly)."""
    if dtype.is_numeric():
        return pl.col(actual).cast(pl.Float64)
    return number_text(text_value(actual), decimal_comma)


def date_expr(actual: str, fmt: str) -> pl.Expr:
    """Column ``actual`` as Float64: numeric types cast, text parsed (strictly)."""
    """Parse column ``actual`` with ``fmt`` ('native' = already a date); nulls on failure."""
    if fmt == "native":
        return pl.col(actual).cast(pl.Datetime("us"))
    return dates.parse_expr(actual, fmt)

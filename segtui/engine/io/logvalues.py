"""How a log writes its values: decimal commas, blank cells (dates: ``dates.py``).

The decimal separator is decided on the whole column (every text number column of the
log), never on its head: a ``;`` log whose later rows write ``12.50`` must not read them
as 1250. Where both a decimal comma and a decimal point appear, the run stops naming the
row where the second style starts. The whole column is then parsed with that decision
(fast explicit casts, nulls on failure, so the bad rows can be named afterwards).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from segtui.engine.errors import InputError
from segtui.engine.io.columns import NUMBER_COLUMNS

COMMA_NUMBER = r"^-?[0-9.]*[0-9],[0-9]+$"
POINT_NUMBER = r"^-?[0-9]+\.[0-9]+$"
THOUSANDS_POINTS = r"^-?[0-9]{1,3}(\.[0-9]{3})+$"  # 1.234: thousands or decimals, no evidence


def text_number_columns(columns: dict[str, str], schema: pl.Schema) -> list[str]:
    """The actual names of the mapped number columns stored as text."""
    mapped = [columns[c] for c in NUMBER_COLUMNS if c in columns]
    return [actual for actual in mapped if not schema[actual].is_numeric()]


def separator_evidence(text: list[str]) -> list[pl.Expr]:
    """Whole-column evidence for the decimal separator of the text number columns
    ``text``: per column, how many values write a decimal comma / point and the first row
    and value of each (over a frame with a ``_row`` index)."""
    exprs: list[pl.Expr] = []
    for index, actual in enumerate(text):
        value = pl.col(actual).cast(pl.String).str.strip_chars()
        comma = value.str.contains(COMMA_NUMBER).fill_null(False)
        point = (
            value.str.contains(POINT_NUMBER) & ~value.str.contains(THOUSANDS_POINTS)
        ).fill_null(False)
        for style, matches in (("comma", comma), ("point", point)):
            exprs += [
                matches.sum().alias(f"_{style}_{index}"),
                pl.col("_row").filter(matches).first().alias(f"_{style}_row_{index}"),
                value.filter(matches).first().alias(f"_{style}_value_{index}"),
            ]
    return exprs


def decide_decimal_comma(evidence: dict[str, Any], text: list[str], path: Path) -> bool:
    """True when the log writes decimals with a comma (``12,50``, ``1.234,50``): some value
    of a text number column has a decimal comma and none a decimal point, in the whole
    file. Raises InputError naming the row where the second style starts when both occur."""
    first: dict[str, tuple[int, str, str]] = {}  # style -> (row, value, column)
    for index, actual in enumerate(text):
        for style in ("comma", "point"):
            if evidence[f"_{style}_{index}"]:
                row = int(evidence[f"_{style}_row_{index}"])
                if style not in first or row < first[style][0]:
                    first[style] = (row, evidence[f"_{style}_value_{index}"], actual)
    if "comma" in first and "point" in first:
        later, earlier = sorted(first, key=lambda s: first[s][0], reverse=True)
        row, value, column = first[later]
        seen_row, seen_value, _ = first[earlier]
        raise InputError(
            f"a decimal {later} here, but a decimal {earlier} earlier "
            f"({seen_value!r}, row {seen_row}): the file mixes two decimal separators",
            file=path,
            column=column,
            row=row,
            value=value,
            hint="write every number with one decimal separator (e.g. convert the column "
            "in a spreadsheet), then run again",
        )
    return "comma" in first


def comma_to_point(expr: pl.Expr) -> pl.Expr:
    """``1.234,50`` -> ``1234.50``: drop thousands points, then comma to point."""
    return expr.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)


def number_text(expr: pl.Expr, decimal_comma: bool) -> pl.Expr:
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

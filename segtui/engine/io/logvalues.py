"""How a log writes its values: decimal commas, blank cells (dates: ``dates.py``).

Detection looks at the first ``SAMPLE_ROWS`` values of a column and decides once; the
whole column is then parsed with that decision (fast explicit casts, nulls on failure, so
the bad rows can be named afterwards).
"""

from __future__ import annotations

import polars as pl

from segtui.engine.io.columns import NUMBER_COLUMNS

SAMPLE_ROWS = 2000


def uses_decimal_comma(raw: pl.LazyFrame, columns: dict[str, str], schema: pl.Schema) -> bool:
    """True when the number columns write decimals with a comma (``12,50``, ``1.234,50``):
    some sampled value has a decimal comma and none a decimal point."""
    mapped = [columns[c] for c in NUMBER_COLUMNS if c in columns]
    text = [actual for actual in mapped if not schema[actual].is_numeric()]
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

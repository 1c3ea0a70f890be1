"""THE value rules: what makes a number or a date unusable, written once.

``segtui run`` stops at the first row a rule rejects (``checks.py`` names it) and
``segtui validate`` lists every such row as a finding (``validate.py``); both build their
filters from these expressions, so a source ``validate`` calls usable is one ``run`` reads.
"""

from __future__ import annotations

import polars as pl

from segtui.engine.io import dates
from segtui.engine.io.columns import NUMBER_COLUMNS

__all__ = [
    "DATE_RANGE_HINT",
    "MAX_ABS_NUMBER",
    "NUMBER_COLUMNS",
    "date_out_of_range",
    "not_a_number",
    "not_finite",
    "number_problem",
    "range_text",
]

# Money is summed as Decimal(38, 6) (features): larger magnitudes cannot be added exactly.
MAX_ABS_NUMBER = 1e32
DATE_RANGE_HINT = "placeholder dates such as 0001-01-01 or 9999-12-31 must be removed or left empty"


def not_a_number(text: pl.Expr, number: pl.Expr) -> pl.Expr:
    """A filled cell (``text``) whose number (``number``, null when unparsable) is missing."""
    return text.is_not_null() & number.is_null()


def not_finite(number: pl.Expr) -> pl.Expr:
    """A number that is NaN, infinite or too large to add up exactly (limit 1e32)."""
    return number.is_not_null() & (~number.is_finite() | (number.abs() >= MAX_ABS_NUMBER))


def number_problem(value: float | None) -> str:
    """The words for why a number cell is rejected (``value`` None: not a number)."""
    if value is None:
        return "not a number"
    if value != value or value in (float("inf"), float("-inf")):
        return "not a finite number"
    return "number too large to add up exactly (limit 1e32)"


def date_out_of_range(date: pl.Expr) -> pl.Expr:
    """A parsed date before 1900 or from 2200 on: a typo or a placeholder."""
    return date.is_not_null() & ((date < dates.EARLIEST) | (date >= dates.LATEST))


def range_text() -> str:
    """'date out of range (1900-2199)'."""
    return f"date out of range ({dates.EARLIEST.year}-{dates.LATEST.year - 1})"

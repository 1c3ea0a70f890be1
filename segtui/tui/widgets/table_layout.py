"""How a FrameTable lays out text: cell formatting, column widths and fitting a value
into the cells it is given. Pure functions, so the rules are tested without a screen.

The rule this module keeps: a cell never shows part of a value as if it were whole.
Text that does not fit ends in ``…``; a number is never cut, because its column is as
wide as the widest number of the whole column, and a number in a column cut by the
screen's edge shows whole or as ``…`` alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

MAX_WIDTH = 28  # text columns wider than this end in "…"
GAP = 2
SAMPLE_ROWS = 200  # text columns are measured on their first rows (numbers on all)
ELLIPSIS = "…"


def format_cell(value: Any) -> str:
    """Text of one cell: floats with two decimals and thousands separators."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "–" if value != value else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def is_number(dtype: pl.DataType) -> bool:
    """True for the columns shown right-aligned and never cut (numbers, not booleans)."""
    return dtype.is_numeric()


def column_widths(frame: pl.DataFrame, text_width: int = MAX_WIDTH) -> list[int]:
    """Width of each column of ``frame``: its header (with room for the sort mark) and
    its values. A number column is as wide as its widest value over every row (the
    longest formatted number is the minimum's or the maximum's), so no number is ever
    cut; a text column is measured on its first rows and capped at ``text_width``."""
    sample = frame.head(SAMPLE_ROWS)
    widths = []
    for name, dtype in frame.schema.items():
        header = len(name) + 2  # " ▲" / " ▼"
        values = [format_cell(v) for v in sample[name].to_list()]
        if is_number(dtype) and frame.height:
            column = frame[name]
            if dtype.is_float():
                column = column.filter(column.is_finite())
            values += [format_cell(column.min()), format_cell(column.max())]
            widths.append(max(header, *(len(v) for v in values)))
        else:
            longest = max((len(v) for v in values), default=0)
            widths.append(min(max(header, longest), text_width))
    return widths


def fit_text(text: str, width: int) -> str:
    """``text`` in exactly ``width`` cells, left-aligned; cut text ends in ``…``."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text.ljust(width)
    return text[: width - 1] + ELLIPSIS


def fit_number(text: str, width: int) -> str:
    """``text`` (a formatted number) in exactly ``width`` cells, right-aligned; a number
    that does not fit is shown as ``…`` alone, never with digits missing."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text.rjust(width)
    return ELLIPSIS.rjust(width)

"""A currency column beside the amounts: one currency is fine, several are refused.

Amounts in USD, EUR and JPY cannot be added, and segments built on them follow the
currencies (a yen amount is ~150 times a dollar one). segtui does not convert: rates
depend on the day and the user's books. So a column named like a currency code
(``currency``, ``currency_code``, ``ccy``, ``cur``) holding more than one value, in the
whole file, stops the run with exit 2, naming the column, the values and the fix: keep one
currency's rows, or convert the amounts to one currency first. A single value is recorded
in the summary's data_quality (``currency``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl

from segtui.engine.errors import InputError, plural

_NAME = re.compile(r"^(currency\w*|\w*currency|ccy|cur|curr|isocurrency\w*)$")
SHOWN_VALUES = 5
# What a currency value looks like: an ISO 4217 code (USD) or a symbol ($, €, R$).
CODE = r"^([A-Z]{3}|[A-Z]{0,2}[^\w\s]{1,2})$"


def currency_columns(header: list[str], used: set[str]) -> list[str]:
    """The header names (not already mapped) that name a currency code."""
    found = []
    for name in header:
        folded = re.sub(r"[\s_\-]", "", name.strip().lstrip("\ufeff").lower())
        if name not in used and _NAME.match(folded):
            found.append(name)
    return found


def currency_evidence(columns: list[str]) -> list[pl.Expr]:
    """Whole-column evidence: per currency column, the number of distinct values, the
    values that do not look like a currency code, and the first row whose value differs
    from the first value (over a frame with ``_row``)."""
    exprs: list[pl.Expr] = []
    for index, actual in enumerate(columns):
        value = pl.col(actual).cast(pl.String).str.strip_chars().str.to_uppercase()
        value = pl.when(value == "").then(None).otherwise(value)
        first = value.drop_nulls().first()
        differs = (value.is_not_null() & (value != first)).fill_null(False)
        exprs += [
            value.drop_nulls().n_unique().alias(f"_currencies_{index}"),
            first.alias(f"_currency_{index}"),
            pl.col("_row").filter(differs).first().alias(f"_currency_row_{index}"),
            value.filter(differs).first().alias(f"_currency_other_{index}"),
            (value.is_not_null() & ~value.str.contains(CODE)).sum().alias(f"_not_code_{index}"),
        ]
    return exprs


def check_currencies(
    evidence: dict[str, Any], columns: list[str], raw: pl.LazyFrame, path: Path
) -> dict[str, Any]:
    """Raise InputError when a currency column holds several currencies; otherwise return
    the data_quality entries (``currency``: the one value, or nothing)."""
    out: dict[str, Any] = {}
    for index, actual in enumerate(columns):
        count = int(evidence[f"_currencies_{index}"] or 0)
        if evidence[f"_not_code_{index}"]:
            continue  # e.g. a rate or an amount: not a currency code
        if count == 1:
            out["currency"] = evidence[f"_currency_{index}"]
            out["currency_column"] = actual
        if count < 2:
            continue
        value = pl.col(actual).cast(pl.String).str.strip_chars().str.to_uppercase()
        counts = (
            raw.select(value.alias("v"))
            .filter(pl.col("v").is_not_null() & (pl.col("v") != ""))
            .group_by("v")
            .len()
            .sort(["len", "v"], descending=[True, False])
            .collect(engine="streaming")
        )
        top = counts.head(SHOWN_VALUES).iter_rows()
        shown = ", ".join(f"{v} ({plural(n, 'row')})" for v, n in top)
        shown += ", …" if counts.height > SHOWN_VALUES else ""
        raise InputError(
            f"amounts in {count} currencies ({shown}) cannot be added up; the first "
            f"{evidence[f'_currency_{index}']} row is followed by "
            f"{evidence[f'_currency_other_{index}']} here",
            file=path,
            column=actual,
            row=int(evidence[f"_currency_row_{index}"]),
            value=evidence[f"_currency_other_{index}"],
            hint="keep one currency's rows (e.g. filter the file), or convert the amounts to "
            "one currency first, then run again",
        )
    return out


def check_table(raw: pl.LazyFrame, header: list[str], used: set[str], path: Path) -> dict[str, Any]:
    """:func:`check_currencies` for one table on its own (a folder's Transactions):
    one pass over its currency columns, none when it has none."""
    columns = currency_columns(header, used)
    if not columns:
        return {}
    evidence = (
        raw.with_row_index("_row", offset=1)
        .select(currency_evidence(columns))
        .collect(engine="streaming")
        .row(0, named=True)
    )
    return check_currencies(evidence, columns, raw, path)

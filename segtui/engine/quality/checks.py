"""Fail-fast value checks of ``segtui run``, and finding the row behind a failure.

Numbers must be finite and summable, dates must be present, parse and fall in 1900-2199
(the rules are in ``rules.py``, shared with ``segtui validate``); negative or missing line
totals are warnings. The ``find_*`` functions run only after something failed, re-reading
a file to name the first bad row. Encoding and row-structure checks happen earlier, when a
file is opened (``io/structure.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from segtui.engine.errors import InputError, plural
from segtui.engine.io import dates, structure
from segtui.engine.io.columns import NUMBER_COLUMNS
from segtui.engine.io.tables import TableFile, Tables, text_frame
from segtui.engine.quality import rules

# Re-exported for callers that knew it here.
MAX_ABS_NUMBER = rules.MAX_ABS_NUMBER


def find_bad_number(spec: TableFile, actual: str) -> InputError | None:
    """The first cell of number column ``actual`` that is not a number, not finite or too
    large to sum exactly (None when every cell is fine)."""
    raw = text_frame(spec)
    text = pl.col(actual).cast(pl.String).str.strip_chars()
    filled = pl.when(text == "").then(None).otherwise(text)
    number = filled.cast(pl.Float64, strict=False)
    bad = (
        raw.select(pl.col(actual), number.alias("_number"), filled.alias("_text"))
        .with_row_index("row", offset=1)
        .filter(
            rules.not_a_number(pl.col("_text"), pl.col("_number"))
            | rules.not_finite(pl.col("_number"))
        )
        .head(1)
        .collect()
    )
    if not bad.height:
        return None
    return InputError(
        rules.number_problem(bad["_number"][0]),
        file=spec.path,
        column=actual,
        row=int(bad["row"][0]),
        value=bad[actual][0],
    )


def _first_date_row(spec: TableFile, canonical: str, condition: pl.Expr) -> pl.DataFrame:
    actual = spec.columns[canonical]
    parsed = dates.parse(pl.col(actual), spec.date_formats.get(canonical, dates.NATIVE))
    return (
        text_frame(spec)
        .select(pl.col(actual).cast(pl.String), parsed.alias("_parsed"))
        .with_row_index("row", offset=1)
        .filter(condition)
        .head(1)
        .collect()
    )


def find_bad_date(spec: TableFile, canonical: str) -> InputError:
    """The first row of ``spec`` whose ``canonical`` date is missing or unparsable; the
    message names ``--date-format`` and the formats that read the first rows."""
    actual = spec.columns[canonical]
    fmt = spec.date_formats.get(canonical, dates.NATIVE)
    bad = _first_date_row(spec, canonical, pl.col("_parsed").is_null())
    if bad.height == 0:
        return InputError("unparsable date", file=spec.path, column=actual)
    value = bad[actual][0]
    row = int(bad["row"][0])
    if value is None or str(value).strip() == "":
        return InputError("missing date", file=spec.path, column=actual, row=row)
    good = _first_date_row(spec, canonical, pl.col("_parsed").is_not_null())
    example = f"; most dates look like {good[actual][0]!r}" if good.height else ""
    return InputError(
        f"unparsable date (the column reads as {fmt}{example})",
        file=spec.path,
        column=actual,
        row=row,
        value=value,
        hint=dates.mismatch_hint(fmt, spec.date_candidates.get(canonical, ())),
    )


def find_date_out_of_range(spec: TableFile, canonical: str) -> InputError:
    """The first row of ``spec`` whose ``canonical`` date is before 1900 or after 2199."""
    bad = _first_date_row(spec, canonical, rules.date_out_of_range(pl.col("_parsed")))
    actual = spec.columns[canonical]
    return InputError(
        rules.range_text(),
        file=spec.path,
        column=actual,
        row=int(bad["row"][0]) if bad.height else None,
        value=bad[actual][0] if bad.height else None,
        hint=rules.DATE_RANGE_HINT,
    )


def check_date_range(tables: Tables, counts: pl.DataFrame, customers: pl.DataFrame | None) -> None:
    """Raise InputError for a transaction or signup date outside 1900-2199 (placeholders)."""
    earliest, latest = counts["earliest_date"][0], counts["latest_date"][0]
    if earliest is not None and (earliest < dates.EARLIEST or latest >= dates.LATEST):
        raise find_date_out_of_range(tables.files["transactions"], "TransactionDate")
    if customers is not None and "SignupDate" in customers.columns:
        signup = customers.get_column("SignupDate")
        if signup.to_frame().select(rules.date_out_of_range(pl.col("SignupDate")).any()).item():
            raise find_date_out_of_range(tables.files["customers"], "SignupDate")


def value_warnings(
    counts: pl.DataFrame, data_quality: dict[str, Any], warnings: list[str], marked: bool = False
) -> None:
    """Negative and missing line totals are usable (returns; unknown amounts): say so.
    Counts are of rows with a customer (the others reach no total). ``marked``: the
    source marks return lines, and their own warning (``mark_returns_only``) says what
    they do, since a cancelled line may be written with a positive value."""
    negative, missing = int(counts["negative_value"][0]), int(counts["missing_value"][0])
    data_quality["rows_with_negative_value"] = negative
    data_quality["rows_without_value"] = missing
    if negative and not marked:
        verb = "is" if negative == 1 else "are"
        warnings.append(
            f"{plural(negative, 'transaction row')} with a negative TotalValue (returns or "
            f"refunds) {verb} counted as {'it is' if negative == 1 else 'they are'} and "
            f"lower{'s' if negative == 1 else ''} total_spend."
        )
    if missing:
        warnings.append(
            f"{plural(missing, 'transaction row')} without a TotalValue "
            f"count{'s' if missing == 1 else ''} as {'a purchase' if missing == 1 else 'purchases'}"
            " of 0."
        )


def diagnose_failure(tables: Tables, exc: BaseException) -> InputError:
    """Turn a Polars error raised while collecting into an InputError naming the bad cell.

    Re-reads each file and looks for the first value that is not UTF-8, a broken row, or a
    number that is not a number, not finite (NaN, inf) or too large to sum; falls back to
    Polars' own message.
    """
    message = str(exc).lower()
    for spec in tables.files.values():
        if not spec.is_parquet and ("utf-8" in message or "utf8" in message):
            bad_text = structure.find_bad_utf8(spec.path)
            if bad_text is not None:
                return bad_text
        if not spec.is_parquet and spec.delimiter is not None:
            # Rows with extra fields or unclosed quotes past the checked start: the whole
            # file is parsed again to name the row (raises when it finds one).
            if "field" in message or "quote" in message or "csv" in message:
                structure.check_structure(spec.path, spec.delimiter, whole=True)
        for canonical in NUMBER_COLUMNS:
            actual = spec.columns.get(canonical)
            if actual is not None:
                bad_number = find_bad_number(spec, actual)
                if bad_number is not None:
                    return bad_number
    if "more fields" in message:
        return InputError(
            "a row has more fields than the header",
            file=tables.label,
            hint="a value containing the separator must be in double quotes",
        )
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputError(f"cannot read the input ({first})", file=tables.label)


def no_transactions(
    files: Mapping[str, TableFile], rows: int, without_customer: int, as_of: Any
) -> InputError:
    """The error for a run left with no transactions (``files``: the source's tables,
    either engine's): when every row lacks a customer id, it names the customer column (a
    wrong --customer-col, or an export that left it empty); else the transactions file
    and the as-of date."""
    spec = files["transactions"]
    if rows and without_customer >= rows:
        return InputError(
            f"no transactions: the customer id is empty on every one of the {plural(rows, 'row')}",
            file=spec.path,
            column=spec.columns.get("CustomerID", "CustomerID"),
            row=1,
            hint="name the column that holds the customer ids with --customer-col",
        )
    return InputError(
        "no transactions" + (f" before the as-of date {as_of}" if as_of else ""), file=spec.path
    )


def total_too_large(tables: Tables, tx: pl.LazyFrame) -> InputError:
    """The customer whose total spend (or quantity) passes the exact-sum limit (every
    value is below it, their sum is not), named with the row of its largest value."""
    spec = tables.files["transactions"]
    summed = [c for c in ("TotalValue", "Quantity") if tables.has("transactions", c)]
    for column in summed:
        found = (
            tx.with_row_index("row", offset=1)
            .with_columns(pl.col(column).cast(pl.Float64).alias("_value"))
            .with_columns(pl.col("_value").sum().over("CustomerID").alias("_total"))
            .filter(pl.col("_total").abs() >= MAX_ABS_NUMBER)
            .sort(pl.col("_value").abs(), descending=True)
            .head(1)
            .collect()
        )
        if found.height:
            customer = found["CustomerID"][0]
            return InputError(
                f"customer {customer}'s total is too large to add up exactly "
                f"(limit {MAX_ABS_NUMBER:g})",
                file=spec.path,
                column=spec.columns.get(column, column),
                row=int(found["row"][0]),
                value=found[column][0],
            )
    return InputError(
        f"a customer's total is too large to add up exactly (limit {MAX_ABS_NUMBER:g})",
        file=spec.path,
    )

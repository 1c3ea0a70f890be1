"""Checks on input data, and finding the row behind a failure.

Structure (below), then values: numbers must be finite and summable, dates must fall in
1900-2199, negative or missing line totals are warnings. The ``find_*`` functions run
only after something failed, re-reading a file to name the first bad row.

Polars reads only the columns a run needs, so it does not notice a row with too many
fields, and it fills a short row with empty cells. Both usually mean the row is shifted
(an unquoted comma in a name) and every value after it is wrong, so they are errors here,
named by file and row. The check streams the start of each file (``STRUCTURE_CHECK_BYTES``)
with the csv module; beyond that, Polars ignores extra fields and reads missing ones as
empty cells (caught later only where they break a number or a date). Non-UTF-8 bytes
further down are still found: the read fails and ``find_bad_utf8`` names the row.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Any

import polars as pl

from segtui.engine.errors import InputError, plural
from segtui.engine.io import dates
from segtui.engine.io.sources import TableFile, Tables, text_frame

# How much of each CSV file is checked up front for ragged rows and encoding (bytes).
STRUCTURE_CHECK_BYTES = 1024 * 1024
_SNIFF_BYTES = 64 * 1024
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
# Money is summed as Decimal(38, 6) (features.py): larger magnitudes cannot be added exactly.
MAX_ABS_NUMBER = 1e32
_UTF8_HINT = "save the file as UTF-8 text (any spreadsheet can: 'CSV UTF-8')"


def sniff_text(path: Path) -> None:
    """Raise InputError when ``path`` is clearly not UTF-8 text (UTF-16/32, binary)."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    if head.startswith(_UTF16_BOMS) or b"\x00" in head:
        raise InputError(
            "not UTF-8 text (it looks like UTF-16 or a binary file)", file=path, hint=_UTF8_HINT
        )


def check_structure(path: Path, separator: str, limit: int | None = None) -> list[str]:
    """Check the first ``limit`` (default ``STRUCTURE_CHECK_BYTES``) bytes of a CSV file:
    valid UTF-8, closed quotes, and no row with more fields than the header. Raises
    InputError naming the first bad row (counted from 1 after the header, as in every
    segtui message). Rows with fewer fields are usable (some tools drop trailing empty
    cells): returns a warning about them, or an empty list."""
    sniff_text(path)
    limit = STRUCTURE_CHECK_BYTES if limit is None else limit
    with path.open("rb") as raw:
        data = raw.read(limit)
        complete = raw.read(1) == b""
    if not complete:
        # Stop at the last line break so the final, cut-off row is not judged.
        data = data[: data.rfind(b"\n") + 1]
    text = _decode(path, data, cut=not complete)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    rows_read = 0
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            if complete:
                raise InputError("the file is empty (no header line)", file=path)
            return []
        width = len(header)
        short_rows, first_short = 0, 0
        for row in reader:
            rows_read += 1
            if not row:  # a blank line: Polars skips it too
                continue
            if len(row) < width:
                short_rows += 1
                first_short = first_short or rows_read
            elif len(row) > width:
                raise InputError(
                    f"row has {len(row)} field{'s' * (len(row) != 1)}, the header has {width}",
                    file=path,
                    row=rows_read,
                    hint="a value containing the separator must be in double quotes",
                )
    except csv.Error as exc:
        if not complete and "unexpected end of data" in str(exc):
            return []  # a quoted field that continues past the checked part
        raise InputError(
            f"malformed CSV ({exc})",
            file=path,
            row=rows_read + 1,
            hint="a quote opened in this row is never closed"
            if "unexpected end of data" in str(exc)
            else "check the quotes in this row",
        ) from None
    if not short_rows:
        return []
    return [
        f"{short_rows:,} row{'s' * (short_rows != 1)} of {path.name} "
        f"{'have' if short_rows != 1 else 'has'} fewer fields than the header (first: row "
        f"{first_short}); the missing cells are read as empty."
    ]


def _decode(path: Path, data: bytes, *, cut: bool) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if cut and exc.start >= len(data) - 4 and exc.reason == "unexpected end of data":
            return data[: exc.start].decode("utf-8-sig")  # a character cut by the limit
        raise bad_utf8(path, data, exc.start) from None


def bad_utf8(path: Path, data: bytes, offset: int) -> InputError:
    """The error for a non-UTF-8 byte at ``offset`` of ``data`` (the file's start)."""
    line = data[:offset].count(b"\n")  # 0 = header line
    return InputError(
        f"not UTF-8 text (byte 0x{data[offset]:02x})",
        file=path,
        row=line if line else None,
        hint=_UTF8_HINT,
    )


def find_bad_utf8(path: Path) -> InputError | None:
    """Stream the whole file; the error for its first non-UTF-8 byte, or None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                row = lines + chunk[: exc.start].count(b"\n")
                return InputError(
                    f"not UTF-8 text (byte 0x{chunk[exc.start]:02x})",
                    file=path,
                    row=row if row else None,
                    hint=_UTF8_HINT,
                )
            lines += chunk.count(b"\n")
    return None


def find_bad_number(spec: TableFile, actual: str) -> InputError | None:
    """The first cell of number column ``actual`` that is not a number, not finite or too
    large to sum exactly (None when every cell is fine)."""
    raw = text_frame(spec)
    col = pl.col(actual)
    number = col.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
    bad = (
        raw.select(col, number.alias("_number"))
        .with_row_index("row", offset=1)
        .filter(
            (col.is_not_null() & pl.col("_number").is_null())
            | ~pl.col("_number").is_finite()
            | (pl.col("_number").abs() >= MAX_ABS_NUMBER)
        )
        .head(1)
        .collect()
    )
    if not bad.height:
        return None
    value, number_value = bad[actual][0], bad["_number"][0]
    if number_value is None:
        problem = "not a number"
    elif number_value != number_value or number_value in (float("inf"), float("-inf")):
        problem = "not a finite number"
    else:
        problem = "number too large to add up exactly (limit 1e32)"
    return InputError(problem, file=spec.path, column=actual, row=int(bad["row"][0]), value=value)


def find_date_out_of_range(spec: TableFile, canonical: str) -> InputError:
    """The first row of ``spec`` whose ``canonical`` date is before 1900 or after 2199."""
    actual = spec.columns[canonical]
    fmt = spec.date_formats.get(canonical, "native")
    raw = text_frame(spec)
    parsed = (
        pl.col(actual).cast(pl.Datetime("us"), strict=False)
        if fmt == "native"
        else dates.parse_expr(actual, fmt)
    )
    bad = (
        raw.select(pl.col(actual), parsed.alias("_parsed"))
        .with_row_index("row", offset=1)
        .filter((pl.col("_parsed") < dates.EARLIEST) | (pl.col("_parsed") >= dates.LATEST))
        .head(1)
        .collect()
    )
    return InputError(
        f"date out of range ({dates.EARLIEST.year}-{dates.LATEST.year - 1})",
        file=spec.path,
        column=actual,
        row=int(bad["row"][0]) if bad.height else None,
        value=bad[actual][0] if bad.height else None,
        hint="placeholder dates such as 0001-01-01 or 9999-12-31 must be removed or left empty",
    )


def check_date_range(tables: Tables, counts: pl.DataFrame, customers: pl.DataFrame | None) -> None:
    """Raise InputError for a transaction or signup date outside 1900-2199 (placeholders)."""
    earliest, latest = counts["earliest_date"][0], counts["latest_date"][0]
    if earliest is not None and (earliest < dates.EARLIEST or latest >= dates.LATEST):
        raise find_date_out_of_range(tables.files["transactions"], "TransactionDate")
    if customers is not None and "SignupDate" in customers.columns:
        signup = customers.get_column("SignupDate").drop_nulls()
        if signup.len() and (signup.min() < dates.EARLIEST or signup.max() >= dates.LATEST):  # type: ignore[operator]
            raise find_date_out_of_range(tables.files["customers"], "SignupDate")


def value_warnings(counts: pl.DataFrame, data_quality: dict[str, Any], warnings: list[str]) -> None:
    """Negative and missing line totals are usable (returns; unknown amounts): say so."""
    negative, missing = int(counts["negative_value"][0]), int(counts["missing_value"][0])
    data_quality["rows_with_negative_value"] = negative
    data_quality["rows_without_value"] = missing
    if negative:
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

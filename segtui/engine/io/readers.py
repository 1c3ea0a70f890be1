"""The one reader: any supported user file as a lazy frame of raw values.

Every source goes through here: a folder's three tables, a single transaction log and the
``--customers`` file. Text files first pass the encoding and structure checks of
``structure.py``; their values are then read strictly as UTF-8.

Formats: CSV with any one-character delimiter (detected from the header line or given),
TSV, gzip-compressed CSV/TSV (``.csv.gz``, ``.tsv.gz``, ``.gz``) and Parquet. CSV values
are read as text (``infer_schema=False``) so identifiers keep their leading zeros and a
bad number can be reported with its row; typing happens later with explicit casts.

Gzip: Polars' ``scan_csv`` accepts the compressed file but decompresses it into memory
before parsing, so a ``.csv.gz`` costs its uncompressed size in RAM; plain CSV and
Parquet are scanned lazily from disk.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl

from segtui.engine.errors import InputError
from segtui.engine.io import structure

PARQUET_SUFFIXES = (".parquet", ".pq")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".gz")
LOG_SUFFIXES = PARQUET_SUFFIXES + TEXT_SUFFIXES
DELIMITER_CANDIDATES = (",", ";", "\t", "|")


def is_parquet(path: Path) -> bool:
    """True when ``path`` names a Parquet file (by extension)."""
    return path.suffix.lower() in PARQUET_SUFFIXES


def is_gzip(path: Path) -> bool:
    """True when ``path`` is gzip-compressed (by extension)."""
    return path.suffix.lower() == ".gz"


def describe_format(path: Path, delimiter: str | None) -> str:
    """A short name of the file's format for reports: 'parquet', 'csv (;)', 'csv.gz (,)'."""
    if is_parquet(path):
        return "parquet"
    shown = "tab" if delimiter == "\t" else delimiter
    return f"{'csv.gz' if is_gzip(path) else 'csv'} ({shown})"


def check_readable(path: Path) -> None:
    """Raise InputError unless ``path`` is an existing, readable, supported file."""
    if not path.exists():
        raise InputError("no such file or folder", file=path)
    if path.is_dir():
        raise InputError("is a folder, expected a file", file=path)
    if path.suffix.lower() == ".xlsx":
        raise InputError(
            "Excel files are not read directly",
            file=path,
            hint="save the sheet as CSV (or Parquet) and pass that file",
        )
    if path.suffix.lower() not in LOG_SUFFIXES:
        raise InputError(
            f"cannot tell the format from the extension {path.suffix or '(none)'!r}",
            file=path,
            hint="use .csv, .tsv, .txt, .csv.gz or .parquet",
        )
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except PermissionError:
        raise InputError("permission denied", file=path) from None


def _first_line(path: Path) -> str:
    opener = gzip.open if is_gzip(path) else open
    try:
        # errors="replace": only the delimiter is looked for here; the encoding is checked
        # strictly by structure.check_encoding before any value is read.
        with opener(path, "rt", encoding="utf-8-sig", errors="replace", newline="") as handle:
            for line in handle:
                if line.strip():
                    return line
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read the file ({exc})", file=path) from None
    raise InputError("the file is empty", file=path)


def sniff_delimiter(path: Path, given: str | None = None) -> str:
    """The delimiter of a text file: ``given``, tab for .tsv, else the most frequent of
    ``, ; tab |`` in the header line (outside quotes); a comma when none occurs."""
    if given:
        return given
    name = path.name.lower()
    if name.endswith((".tsv", ".tsv.gz")):
        return "\t"
    header = _first_line(path)
    counts = {c: 0 for c in DELIMITER_CANDIDATES}
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITER_CANDIDATES, key=lambda c: counts[c])  # ties: earlier candidate
    return best if counts[best] else ","


def scan_raw(
    path: Path,
    delimiter: str | None,
    *,
    n_rows: int | None = None,
    overrides: dict[str, pl.DataType] | None = None,
) -> pl.LazyFrame:
    """All columns of ``path`` lazily: typed for Parquet; for text files every column a
    String (or the dtype given in ``overrides``), read strictly as UTF-8. ``delimiter``
    None means detect it."""
    if is_parquet(path):
        lf = pl.scan_parquet(path)
        return lf.head(n_rows) if n_rows else lf
    separator = sniff_delimiter(path, delimiter)
    if overrides:
        return pl.scan_csv(
            path, separator=separator, schema_overrides=overrides, infer_schema_length=0
        )
    return pl.scan_csv(path, separator=separator, infer_schema=False, n_rows=n_rows)


def read_header(path: Path, delimiter: str | None, warnings: list[str] | None = None) -> list[str]:
    """Column names of ``path`` after the encoding and structure checks (text files);
    InputError when it is empty, unreadable, damaged or has a duplicated column name.
    Usable oddities (rows with fewer fields) are appended to ``warnings``."""
    check_readable(path)
    separator = None if is_parquet(path) else sniff_delimiter(path, delimiter)
    if separator is not None:
        found = structure.check_structure(path, separator)
        if warnings is not None:
            warnings.extend(found)
    if separator is None:
        structure.check_names(path, _parquet_names(path))
    try:
        names = list(scan_raw(path, separator, n_rows=1).collect_schema().names())
    except pl.exceptions.NoDataError:
        raise InputError("the file is empty", file=path) from None
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise read_error(path, separator, exc) from None
    structure.check_names(path, names)
    return names


def _parquet_names(path: Path) -> list[str]:
    """The column names stored in a Parquet file's schema, a repeated one twice (Polars
    refuses a repeated name with a message that names no fix, and check_names gives the
    fix). Polars reads the schema itself, so a plain install needs no pyarrow."""
    import re

    try:
        return list(pl.read_parquet_schema(path))
    except pl.exceptions.DuplicateError as exc:
        repeated = re.search(r"column with name '(.+)' has more than one", str(exc))
        if repeated is None:  # another wording: Polars' own line names the file's problem
            raise read_error(path, None, exc) from None
        return [repeated.group(1), repeated.group(1)]
    except Exception:  # not Parquet at all: Polars' own read names the problem
        return []


def read_error(path: Path, separator: str | None, exc: BaseException) -> InputError:
    """An InputError naming the row (when it can be found) for a failure reading ``path``."""
    if separator is None:  # Parquet: Polars' own first line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return InputError(f"cannot read the file ({first})", file=path)
    return structure.explain_read_error(path, separator, exc)

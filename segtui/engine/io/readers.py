"""Reading one user file of any supported format as a lazy frame of raw values.

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


def scan_raw(path: Path, delimiter: str | None, *, n_rows: int | None = None) -> pl.LazyFrame:
    """All columns of ``path`` lazily: text for CSV (every column a String), typed for
    Parquet. ``delimiter`` None means detect it."""
    if is_parquet(path):
        lf = pl.scan_parquet(path)
        return lf.head(n_rows) if n_rows else lf
    return pl.scan_csv(
        path,
        separator=sniff_delimiter(path, delimiter),
        infer_schema=False,
        n_rows=n_rows,
        encoding="utf8-lossy",
    )


def read_header(path: Path, delimiter: str | None) -> list[str]:
    """Column names of ``path``; InputError when it is empty, unreadable or has a
    duplicated column name."""
    check_readable(path)
    try:
        names = list(scan_raw(path, delimiter, n_rows=1).collect_schema().names())
    except pl.exceptions.NoDataError:
        raise InputError("the file is empty", file=path) from None
    except (pl.exceptions.ComputeError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot read the file ({first})", file=path) from None
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError("duplicated column", file=path, column=duplicates[0])
    return names

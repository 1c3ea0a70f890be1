"""Finding and reading input: the three-table folder (Customers, Products, Transactions).

Readers return lazy frames with canonical column names and types (see ``columns.py``);
nothing is collected here except a small head sample used to detect the date format.
Identifiers are always read as text so ``00001`` stays ``00001``.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from segtui.engine.errors import InputError
from segtui.engine.io import dates
from segtui.engine.io.columns import REQUIRED, match_columns

TABLE_KINDS = ("customers", "products", "transactions")
SUFFIXES = (".csv", ".parquet", ".pq", ".tsv")
TEXT_COLUMNS = (
    "CustomerID",
    "CustomerName",
    "Region",
    "ProductID",
    "ProductName",
    "Category",
    "TransactionID",
)
NUMBER_COLUMNS = ("Quantity", "TotalValue", "Price")
DATE_COLUMNS = ("TransactionDate", "SignupDate")


@dataclass
class TableFile:
    """One input file: where it is, its kind, and canonical -> actual column names."""

    path: Path
    kind: str
    columns: dict[str, str]
    date_formats: dict[str, str] = field(default_factory=dict)
    # How to re-read the file as raw values (single logs: their delimiter/compression);
    # None = the folder layout's reader. Used to name the row of a bad value.
    text_scan: Callable[[], pl.LazyFrame] | None = None
    warnings: list[str] = field(default_factory=list)  # usable oddities found on reading

    @property
    def is_parquet(self) -> bool:
        return self.path.suffix.lower() in (".parquet", ".pq")


@dataclass
class Tables:
    """The canonical lazy tables of one source. Customers and products are optional."""

    transactions: pl.LazyFrame
    customers: pl.LazyFrame | None
    products: pl.LazyFrame | None
    files: dict[str, TableFile]
    label: str
    # Facts about how the source was read (single logs: format, mapping, returns rule),
    # reported in the summary's data_quality.
    info: dict[str, Any] = field(default_factory=dict)

    def has(self, kind: str, column: str) -> bool:
        """True when table ``kind`` exists and provides canonical ``column``."""
        table = self.files.get(kind)
        return table is not None and column in table.columns


def bundled_sample_dir() -> Path:
    """The sample dataset shipped inside the package."""
    return Path(str(importlib.resources.files("segtui") / "data" / "sample"))


def find_table_files(folder: Path) -> dict[str, Path]:
    """Find Customers/Products/Transactions files in ``folder`` (names case-insensitive)."""
    found: dict[str, Path] = {}
    try:
        entries = sorted(folder.iterdir())
    except PermissionError:
        raise InputError("permission denied", file=folder) from None
    for entry in entries:
        if entry.suffix.lower() not in SUFFIXES:
            continue
        stem = entry.stem.lower()
        for kind in TABLE_KINDS:
            if stem == kind or stem == kind.rstrip("s"):
                _check_regular_file(entry)
                if kind in found:
                    raise InputError(
                        f"two {kind} tables found ({found[kind].name} and {entry.name})",
                        file=folder,
                        hint="keep one of them in the folder",
                    )
                found[kind] = entry
    return found


def load_source(
    source: Path | str | None,
    mapping: Mapping[str, str] | None = None,
    returns: str = "net",
) -> Tables:
    """Read a source: None (bundled sample), a folder in the three-table layout, or one
    transaction log file (``mapping`` names its columns, see :mod:`logfile`)."""
    if source is None:
        return load_folder(bundled_sample_dir(), label="bundled sample data")
    path = Path(source)
    if not path.exists():
        raise InputError("no such file or folder", file=path)
    if path.is_dir():
        if mapping:
            from segtui.engine.errors import OptionError

            raise OptionError(
                "column mapping options apply to a single transaction log, not a folder",
                file=path,
                hint=f"drop {', '.join('--' + k.replace('_', '-') for k in mapping)}",
            )
        return load_folder(path)
    if path.is_file():
        from segtui.engine.io.logfile import load_log

        return load_log(path, mapping or {}, returns=returns)
    raise InputError(
        "expected a folder holding Customers, Products and Transactions tables",
        file=path,
        hint="pass the folder that contains Transactions.csv",
    )


def load_folder(folder: Path, label: str | None = None) -> Tables:
    """Read the three-table layout from ``folder``; Transactions is required."""
    files = find_table_files(folder)
    if "transactions" not in files:
        raise InputError(
            "no Transactions table found (looked for Transactions.csv or .parquet)",
            file=folder,
        )
    from segtui.engine.io.resources import check_memory

    check_memory(files.values(), label or str(folder))
    tables: dict[str, pl.LazyFrame] = {}
    specs: dict[str, TableFile] = {}
    for kind, path in files.items():
        try:
            spec = _inspect(path, kind)
        except pl.exceptions.PolarsError as exc:
            raise explain_read_error(path, exc) from None
        specs[kind] = spec
        tables[kind] = _scan(spec)
    return Tables(
        transactions=tables["transactions"],
        customers=tables.get("customers"),
        products=tables.get("products"),
        files=specs,
        label=label or str(folder),
    )


def _check_regular_file(path: Path) -> None:
    """A table name that is a folder, FIFO or device is an error, not silently skipped
    (opening a FIFO would block forever)."""
    if path.is_dir():
        raise InputError("is a folder, expected a file", file=path)
    if path.is_symlink() and not path.exists():
        raise InputError("a broken link (its target does not exist)", file=path)
    if not path.is_file():
        raise InputError("not a regular file", file=path)


def _check_readable(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except PermissionError:
        raise InputError("permission denied", file=path) from None
    except IsADirectoryError:
        raise InputError("is a folder, expected a file", file=path) from None


def _raw_scan(path: Path, *, all_text: bool = False, n_rows: int | None = None) -> pl.LazyFrame:
    if path.suffix.lower() in (".parquet", ".pq"):
        lf = pl.scan_parquet(path)
        return lf.head(n_rows) if n_rows else lf
    separator = "\t" if path.suffix.lower() == ".tsv" else ","
    return pl.scan_csv(
        path,
        separator=separator,
        infer_schema=not all_text,
        n_rows=n_rows,
    )


def _header(path: Path, warnings: list[str] | None = None) -> list[str]:
    _check_readable(path)
    if path.suffix.lower() not in (".parquet", ".pq"):
        from segtui.engine.quality.checks import check_structure

        found = check_structure(path, "\t" if path.suffix.lower() == ".tsv" else ",")
        if warnings is not None:
            warnings.extend(found)
    try:
        return list(_raw_scan(path, all_text=True, n_rows=1).collect_schema().names())
    except pl.exceptions.NoDataError:
        raise InputError("the file is empty", file=path) from None
    except pl.exceptions.ComputeError as exc:
        raise InputError(f"cannot read the file ({_first_line(exc)})", file=path) from None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _inspect(path: Path, kind: str) -> TableFile:
    structure_warnings: list[str] = []
    header = _header(path, structure_warnings)
    # Polars renames a repeated header to NAME_duplicated_0; report it under its own name.
    renamed = [m.group(1) for h in header if (m := re.fullmatch(r"(.+)_duplicated_\d+", h))]
    duplicates = sorted({h for h in header if header.count(h) > 1} | set(renamed))
    if duplicates:
        raise InputError("duplicated column", file=path, column=duplicates[0])
    columns = match_columns(header, kind)
    for needed in REQUIRED[kind]:
        if needed not in columns:
            raise InputError(
                f"missing column; the {kind} table needs {', '.join(REQUIRED[kind])} "
                f"and has {', '.join(header)}",
                file=path,
                column=needed,
            )
    spec = TableFile(path=path, kind=kind, columns=columns, warnings=structure_warnings)
    for canonical in DATE_COLUMNS:
        if canonical in columns:
            spec.date_formats[canonical] = _detect_date_format(spec, canonical)
    return spec


def _detect_date_format(spec: TableFile, canonical: str) -> str:
    actual = spec.columns[canonical]
    head = _raw_scan(spec.path, all_text=True, n_rows=2000).select(actual).collect()
    values = head.get_column(actual)
    if values.dtype in (pl.Date, pl.Datetime):
        return "native"
    values = values.cast(pl.String)
    fmt = dates.detect_format(values)
    if fmt is not None:
        return fmt
    non_null = values.drop_nulls()
    if non_null.len() == 0:
        return "%Y-%m-%d"  # an all-empty column: nothing to parse
    # Find the first value no candidate format reads, to name it in the error.
    for index, value in enumerate(values.to_list()):
        if value is None or not value.strip():
            continue
        if dates.detect_format(pl.Series([value])) is None:
            raise InputError(
                "unparsable date",
                file=spec.path,
                column=actual,
                row=index + 1,
                value=value,
                hint="dates must look like 2024-12-31 or 2024-12-31 13:45:00",
            )
    majority = dates.most_common_format(values)
    assert majority is not None  # every value parses with some format
    parsed = dates.parse_series(values, majority)
    example = values.filter(parsed.is_not_null())[0]
    for index, (value, ok) in enumerate(zip(values.to_list(), parsed.is_not_null(), strict=True)):
        if value is not None and value.strip() and not ok:
            raise InputError(
                "dates in mixed formats",
                file=spec.path,
                column=actual,
                row=index + 1,
                value=value,
                hint=f"most dates in this column look like {example!r}; "
                "use one format in the whole column",
            )
    raise InputError("dates in mixed formats", file=spec.path, column=actual)


def _scan(spec: TableFile) -> pl.LazyFrame:
    """A lazy frame with canonical names and types for one table file."""
    if spec.is_parquet:
        lf = pl.scan_parquet(spec.path)
    else:
        overrides: dict[str, pl.DataType] = {}
        for canonical, actual in spec.columns.items():
            if canonical in TEXT_COLUMNS or canonical in DATE_COLUMNS:
                overrides[actual] = pl.String()
            elif canonical in NUMBER_COLUMNS:
                overrides[actual] = pl.Float64()
        separator = "\t" if spec.path.suffix.lower() == ".tsv" else ","
        lf = pl.scan_csv(
            spec.path, separator=separator, schema_overrides=overrides, infer_schema_length=0
        )
    exprs: list[pl.Expr] = []
    for canonical, actual in spec.columns.items():
        if canonical in DATE_COLUMNS:
            fmt = spec.date_formats[canonical]
            if fmt == "native":
                expr = pl.col(actual).cast(pl.Datetime("us"))
            else:
                expr = dates.parse_expr(actual, fmt)
        elif canonical in NUMBER_COLUMNS:
            expr = pl.col(actual).cast(pl.Float64)
        else:
            expr = pl.col(actual).cast(pl.String)
        exprs.append(expr.alias(canonical))
    return lf.select(exprs)


def explain_read_error(path: Path, exc: BaseException) -> InputError:
    """An InputError for a Polars failure while reading ``path`` (names a non-UTF-8 row)."""
    from segtui.engine.quality.checks import find_bad_utf8

    if "utf-8" in str(exc).lower() and path.suffix.lower() not in (".parquet", ".pq"):
        bad_text = find_bad_utf8(path)
        if bad_text is not None:
            return bad_text
    return InputError(f"cannot read the file ({_first_line(exc)})", file=path)


def diagnose_failure(tables: Tables, exc: BaseException) -> InputError:
    """Turn a Polars error raised while collecting into an InputError naming the bad cell.

    Re-reads each file and looks for the first value that is not UTF-8, not a number, not
    finite (NaN, inf) or too large to sum; falls back to Polars' own message.
    """
    from segtui.engine.quality.checks import find_bad_number, find_bad_utf8

    for spec in tables.files.values():
        if not spec.is_parquet and "utf-8" in str(exc).lower():
            bad_text = find_bad_utf8(spec.path)
            if bad_text is not None:
                return bad_text
        for canonical in NUMBER_COLUMNS:
            actual = spec.columns.get(canonical)
            if actual is not None:
                bad_number = find_bad_number(spec, actual)
                if bad_number is not None:
                    return bad_number
    if "more fields" in str(exc):
        return InputError(
            "a row has more fields than the header",
            file=tables.label,
            hint="a value containing the separator must be in double quotes",
        )
    return InputError(f"cannot read the input ({_first_line(exc)})", file=tables.label)


def text_frame(spec: TableFile) -> pl.LazyFrame:
    """The file re-read as raw values, to find the row of a bad value: a single log's own
    reader (delimiter, compression) when it has one, else Parquet or an all-text CSV scan."""
    if spec.text_scan is not None:
        return spec.text_scan()
    return pl.scan_parquet(spec.path) if spec.is_parquet else _raw_scan(spec.path, all_text=True)


def find_bad_date(spec: TableFile, canonical: str) -> InputError:
    """The first row of ``spec`` whose ``canonical`` date is missing or unparsable."""
    actual = spec.columns[canonical]
    fmt = spec.date_formats.get(canonical, "native")
    raw = text_frame(spec)
    parsed = (
        pl.col(actual).cast(pl.Datetime("us"), strict=False)
        if fmt == "native"
        else (dates.parse_expr(actual, fmt))
    )
    bad = (
        raw.select(pl.col(actual), parsed.alias("_parsed"))
        .with_row_index("row", offset=1)
        .filter(pl.col("_parsed").is_null())
        .head(1)
        .collect()
    )
    if bad.height == 0:
        return InputError("unparsable date", file=spec.path, column=actual)
    value = bad[actual][0]
    if value is None or str(value).strip() == "":
        return InputError("missing date", file=spec.path, column=actual, row=int(bad["row"][0]))
    return InputError(
        f"unparsable date (expected format {fmt})",
        file=spec.path,
        column=actual,
        row=int(bad["row"][0]),
        value=value,
    )

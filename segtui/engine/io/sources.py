"""Finding and reading input: the three-table folder (Customers, Products, Transactions)
or a single transaction log (``logfile.py``).

Readers return lazy frames with canonical column names and types (see ``columns.py``);
every file goes through the one reader (``readers.py``: encoding and structure checks) and
its dates through the one date rule (``dates.py``). Identifiers are always read as text so
``00001`` stays ``00001``.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from segtui.engine.errors import InputError, OptionError
from segtui.engine.io import dates, readers
from segtui.engine.io.columns import DATE_COLUMNS, NUMBER_COLUMNS, REQUIRED, match_columns
from segtui.engine.io.currency import check_table
from segtui.engine.io.date_columns import decide_dates
from segtui.engine.io.logfile import load_log
from segtui.engine.io.logvalues import text_value
from segtui.engine.io.resources import check_memory
from segtui.engine.io.returns import mark_lines
from segtui.engine.io.table_names import SUFFIXES, TABLE_KINDS
from segtui.engine.io.tables import TableFile, Tables, text_frame

__all__ = [
    "TABLE_KINDS",
    "TableFile",
    "Tables",
    "bundled_sample_dir",
    "find_table_files",
    "inspect_table",
    "load_folder",
    "load_source",
    "text_frame",
]


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
    if returns not in ("net", "drop"):
        raise OptionError("--returns must be net or drop", value=returns)
    if source is None:
        return load_folder(bundled_sample_dir(), label="bundled sample data", returns=returns)
    path = Path(source)
    if not path.exists():
        raise InputError("no such file or folder", file=path)
    if path.is_dir():
        folder_only = {k: v for k, v in (mapping or {}).items() if k != "date_format"}
        if folder_only:
            raise OptionError(
                "column mapping options apply to a single transaction log, not a folder",
                file=path,
                hint=f"drop {', '.join('--' + k.replace('_', '-') for k in folder_only)}",
            )
        return load_folder(path, date_format=(mapping or {}).get("date_format"), returns=returns)
    if path.is_file():
        return load_log(path, mapping or {}, returns=returns)
    raise InputError(
        "expected a folder holding Customers, Products and Transactions tables",
        file=path,
        hint="pass the folder that contains Transactions.csv",
    )


def load_folder(
    folder: Path, label: str | None = None, date_format: str | None = None, returns: str = "net"
) -> Tables:
    """Read the three-table layout from ``folder``; Transactions is required.
    ``date_format`` (``--date-format``) applies to TransactionDate; ``returns`` (net or
    drop) applies the one returns rule of ``returns.py`` to the transactions, as for a log
    (a folder has no cancellation ids: TransactionID is one row each)."""
    files = find_table_files(folder)
    if "transactions" not in files:
        raise InputError(
            "no Transactions table found (looked for Transactions.csv or .parquet)",
            file=folder,
        )
    check_memory(files.values(), label or str(folder))
    tables: dict[str, pl.LazyFrame] = {}
    specs: dict[str, TableFile] = {}
    for kind, path in files.items():
        spec = inspect_table(path, kind, date_format if kind == "transactions" else None)
        specs[kind] = spec
        tables[kind] = _scan(spec, returns if kind == "transactions" else None)
    return Tables(
        transactions=tables["transactions"],
        customers=tables.get("customers"),
        products=tables.get("products"),
        files=specs,
        label=label or str(folder),
        info={
            "kind": "folder",
            "marks_returns": True,
            "returns_rule": returns,
            "data_quality": {"returns_rule": returns},
        },
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


def inspect_table(path: Path, kind: str, date_format: str | None = None) -> TableFile:
    """Check one table file (encoding, structure, header, required columns) and decide
    its date formats. Returns its :class:`TableFile`; raises InputError."""
    warnings: list[str] = []
    header = readers.read_header(path, None, warnings)
    delimiter = None if readers.is_parquet(path) else readers.sniff_delimiter(path)
    columns = match_columns(header, kind)
    for needed in REQUIRED[kind]:
        if needed not in columns:
            raise InputError(
                f"missing column; the {kind} table needs {', '.join(REQUIRED[kind])} "
                f"and has {', '.join(header)}",
                file=path,
                column=needed,
            )
    spec = TableFile(path=path, kind=kind, columns=columns, warnings=warnings, delimiter=delimiter)
    if kind == "transactions":
        # Amounts in several currencies cannot be added (``currency.py``), as in a log.
        raw = readers.scan_raw(path, delimiter)
        try:
            spec.data_quality.update(check_table(raw, header, set(columns.values()), path))
        except pl.exceptions.PolarsError as exc:
            raise readers.read_error(path, delimiter, exc) from None
    for canonical in DATE_COLUMNS:
        if canonical in columns:
            given = date_format if canonical == "TransactionDate" else None
            decide_dates(spec, readers.scan_raw(path, delimiter), canonical, given)
    return spec


def _scan(spec: TableFile, returns: str | None = None) -> pl.LazyFrame:
    """A lazy frame with canonical names and types for one table file; with ``returns``
    (transactions) the return and zero-value lines are marked (``returns.mark_lines``)."""
    overrides: dict[str, pl.DataType] = {}
    if not spec.is_parquet:
        # Numbers are read as text and parsed after stripping, as a single log's are and
        # as validate checks them: a padded " 12 " is 12 in every reader; a cell that is
        # not a number fails the strict cast and is named by diagnose_failure.
        overrides = {actual: pl.String() for actual in spec.columns.values()}
    lf = readers.scan_raw(spec.path, spec.delimiter, overrides=overrides or None)
    exprs: list[pl.Expr] = []
    for canonical, actual in spec.columns.items():
        if canonical in DATE_COLUMNS:
            expr = dates.parse_expr(actual, spec.date_formats[canonical])
        elif canonical in NUMBER_COLUMNS and not spec.is_parquet:
            expr = text_value(actual).cast(pl.Float64)
        elif canonical in NUMBER_COLUMNS:
            expr = pl.col(actual).cast(pl.Float64)
        else:
            expr = pl.col(actual).cast(pl.String)
        exprs.append(expr.alias(canonical))
    if returns is None or "TotalValue" not in spec.columns:
        return lf.select(exprs)
    numbers = [c for c in NUMBER_COLUMNS if c in spec.columns]
    return mark_lines(lf.select(exprs), numbers, returns)

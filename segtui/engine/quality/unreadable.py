"""The ``validate`` report of a source that cannot be read far enough to check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from segtui.engine.errors import InputError
from segtui.engine.quality.findings import Finding
from segtui.engine.quality.validate import ValidationReport


def unreadable_report(source: Path | str | None, exc: InputError) -> ValidationReport:
    """The report of a source that cannot be read far enough to check (no date parses,
    a required column is missing): one error finding carrying the file, column, row,
    value and fix of ``exc``, so ``validate --json`` still prints a report."""
    example: dict[str, Any] | None = {"row": exc.row} if exc.row is not None else None
    if example is not None and exc.value is not None:
        example["value"] = str(exc.value)
    message = exc.message + (f". {exc.hint[:1].upper()}{exc.hint[1:]}" if exc.hint else "")
    finding = Finding(
        "unreadable", "error", message, 1, exc.file, exc.column, [example] if example else []
    )
    return ValidationReport(
        source=str(source) if source is not None else "sample data",
        transaction_rows=0,
        customers_in_transactions=0,
        customers_in_customers_table=None,
        date_range=(None, None),
        missing={},
        findings=[finding],
    )

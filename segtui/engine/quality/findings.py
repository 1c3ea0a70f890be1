"""A finding of ``segtui validate``: one check, how many rows, the first examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from segtui.engine.io.tables import TableFile

EXAMPLES = 5


@dataclass
class Finding:
    """One check's result: how many rows, and the first examples (row number, value)."""

    check: str
    severity: str  # "error" (run would fail), "warning", "info"
    message: str
    count: int
    file: str | None = None
    column: str | None = None
    examples: list[dict[str, Any]] = field(default_factory=list)


def examples(rows: pl.DataFrame, column: str | None) -> list[dict[str, Any]]:
    head = rows.head(EXAMPLES)
    if column is None:
        return [{"row": int(r)} for r in head["row"]]
    return [{"row": int(r), "value": v} for r, v in zip(head["row"], head[column], strict=True)]


def finding(
    check: str,
    severity: str,
    message: str,
    rows: pl.DataFrame,
    spec: TableFile,
    canonical: str | None,
    *,
    value_column: str | None = None,
) -> list[Finding]:
    """A one-element list when ``rows`` is not empty, else empty."""
    if rows.height == 0:
        return []
    actual = spec.columns.get(canonical, canonical) if canonical else None
    shown = value_column or (f"raw:{canonical}" if canonical else None)
    return [
        Finding(
            check=check,
            severity=severity,
            message=message,
            count=rows.height,
            file=str(spec.path),
            column=actual,
            examples=examples(rows, shown),
        )
    ]

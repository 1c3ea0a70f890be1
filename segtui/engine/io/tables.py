"""The canonical tables of one source, as every reader returns them.

``Tables`` holds lazy frames with canonical column names (``columns.py``) and, per input
file, a :class:`TableFile` saying where the file is and how its columns were mapped and
its dates read, so a failure found later can be traced back to a file, column and row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from segtui.engine.io import readers


@dataclass
class TableFile:
    """One input file: where it is, its kind, and canonical -> actual column names."""

    path: Path
    kind: str
    columns: dict[str, str]
    date_formats: dict[str, str] = field(default_factory=dict)
    # How to re-read the file as raw text values (single logs: their delimiter/compression);
    # None = the shared reader with the detected delimiter. Used to name a bad value's row.
    text_scan: Callable[[], pl.LazyFrame] | None = None
    warnings: list[str] = field(default_factory=list)  # usable oddities found on reading
    delimiter: str | None = None  # None: detect from the header (text files)
    # Per date column: the formats that read the evidence (named in a date error).
    date_candidates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Facts for the summary's data_quality (an ambiguous date column).
    data_quality: dict[str, Any] = field(default_factory=dict)

    @property
    def is_parquet(self) -> bool:
        return readers.is_parquet(self.path)


@dataclass
class Tables:
    """The canonical lazy tables of one source. Customers and products are optional."""

    transactions: pl.LazyFrame
    customers: pl.LazyFrame | None
    products: pl.LazyFrame | None
    files: dict[str, TableFile]
    label: str
    # Facts about how the source was read (format, mapping, date rule, returns rule),
    # reported in the summary's data_quality.
    info: dict[str, Any] = field(default_factory=dict)

    def has(self, kind: str, column: str) -> bool:
        """True when table ``kind`` exists and provides canonical ``column``."""
        table = self.files.get(kind)
        return table is not None and column in table.columns


def text_frame(spec: TableFile) -> pl.LazyFrame:
    """The file re-read as raw values, to find the row of a bad value: a single log's own
    reader (decimal commas) when it has one, else the shared reader with every column as
    text (Parquet columns cast to text)."""
    if spec.text_scan is not None:
        return spec.text_scan()
    raw = readers.scan_raw(spec.path, spec.delimiter)
    return raw.select(pl.all().cast(pl.String)) if spec.is_parquet else raw

"""The canonical Spark tables of one source (``reader.py`` and ``logs.py`` build them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segtui.engine.io.sources import TableFile

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

BAD_NUMBERS = "_segtui_bad_numbers"


@dataclass
class SparkTables:
    """Canonical Spark DataFrames of one source (customers and products optional)."""

    transactions: DataFrame
    customers: DataFrame | None
    products: DataFrame | None
    files: dict[str, TableFile]
    label: str
    local_folder: Path | None = None  # set when the Polars reader can re-read it for errors
    # As ``Tables.info``: the kind of source ("folder" or "log") and what the returns rule
    # recorded (``marks_returns``, ``returns_rule``, the log's data_quality entries).
    info: dict[str, Any] = field(default_factory=dict)

    def has(self, kind: str, column: str) -> bool:
        """True when table ``kind`` exists and provides canonical ``column``."""
        table = self.files.get(kind)
        return table is not None and column in table.columns


def local_uri(path: Path) -> str:
    """A file:// URI of local ``path`` for Spark.

    Not Path.as_uri(): Hadoop paths take spaces as they are, not percent-encoded."""
    return "file://" + str(path.resolve())

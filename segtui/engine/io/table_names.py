"""The names a source folder's tables go by, apart from the readers so that checking an
output path (``output.plan``) before the workbench's first frame imports no Polars."""

from __future__ import annotations

TABLE_KINDS = ("customers", "products", "transactions")
SUFFIXES = (".csv", ".parquet", ".pq", ".tsv")

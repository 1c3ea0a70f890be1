"""Read-only views of results and tables for browsing: filter, sort, page, drill down.

Everything is a Polars expression; the UI asks for one page of rows at a time so a
million-customer table never becomes a million widgets.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from segtui.engine.io.tables import Tables
from segtui.engine.quality.checks import diagnose_failure


def browse(
    frame: pl.DataFrame,
    *,
    segment: int | None = None,
    text: str = "",
    sort_by: str | None = None,
    descending: bool = False,
) -> pl.DataFrame:
    """Rows of ``frame`` in segment ``segment`` (None = all) whose text columns contain
    ``text`` (case-insensitive), sorted by ``sort_by``. Returns a new DataFrame."""
    out = frame
    if segment is not None and "segment" in out.columns:
        out = out.filter(pl.col("segment") == segment)
    needle = text.strip()
    if needle:
        text_columns = [n for n, t in out.schema.items() if t == pl.String]
        if text_columns:
            pattern = pl.lit(needle.lower())
            out = out.filter(
                pl.any_horizontal(
                    [
                        pl.col(c).str.to_lowercase().str.contains(pattern, literal=True)
                        for c in text_columns
                    ]
                ).fill_null(False)
            )
    if sort_by is not None and sort_by in out.columns:
        out = out.sort(sort_by, descending=descending, nulls_last=True, maintain_order=True)
    return out


def page(frame: pl.DataFrame, offset: int, limit: int) -> list[tuple[Any, ...]]:
    """Rows ``offset .. offset+limit`` of ``frame`` as tuples (fewer at the end)."""
    if offset >= frame.height or limit <= 0:
        return []
    return frame.slice(max(offset, 0), limit).rows()


def customer_transactions(tables: Tables, customer_id: str) -> pl.DataFrame:
    """The transactions of one customer, newest first, with product name and category
    when the products table has them. Returns a DataFrame (possibly empty)."""
    tx = tables.transactions.filter(pl.col("CustomerID") == customer_id)
    if tables.products is not None and tables.has("transactions", "ProductID"):
        wanted = [c for c in ("ProductName", "Category") if tables.has("products", c)]
        if wanted:
            products = tables.products.select("ProductID", *wanted).unique(
                "ProductID", keep="first", maintain_order=True
            )
            existing = set(tables.files["transactions"].columns)
            drop = [c for c in wanted if c in existing]
            tx = tx.drop(drop).join(products, on="ProductID", how="left")
    order = "TransactionDate" if tables.has("transactions", "TransactionDate") else None
    if order is not None:
        tx = tx.sort(order, descending=True, nulls_last=True)
    return tx.collect()


def row_counts(tables: Tables) -> dict[str, int]:
    """Number of rows of each table present in the source (counted lazily)."""
    counts: dict[str, int] = {}
    for kind in ("customers", "products", "transactions"):
        lazy = getattr(tables, kind)
        if lazy is not None:
            try:
                counts[kind] = int(lazy.select(pl.len()).collect().item())
            except pl.exceptions.PolarsError as exc:
                raise diagnose_failure(tables, exc) from None
    return counts


def table_head(tables: Tables, kind: str, limit: int) -> pl.DataFrame:
    """The first ``limit`` rows of table ``kind`` (empty frame when it is absent).

    A value the typed reader cannot parse raises InputError naming file, column, row and
    value (the UI reads these heads before segmenting, so they meet bad data first)."""
    lazy = getattr(tables, kind)
    if lazy is None:
        return pl.DataFrame()
    try:
        return lazy.head(limit).collect()
    except pl.exceptions.PolarsError as exc:
        raise diagnose_failure(tables, exc) from None

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
    if text.strip():
        out = out.filter(text_match(out, text))
    if sort_by is not None and sort_by in out.columns:
        out = out.sort(sort_by, descending=descending, nulls_last=True, maintain_order=True)
    return out


def text_match(frame: pl.DataFrame, text: str) -> pl.Expr:
    """True for the rows of ``frame`` whose text columns contain ``text`` (ignoring
    case). Returns a boolean expression."""
    needle = text.strip().lower()
    columns = [
        pl.col(name).str.to_lowercase().str.contains(needle, literal=True)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    ]
    if not needle or not columns:
        return pl.lit(False)
    return pl.any_horizontal(columns).fill_null(False)


def next_match(frame: pl.DataFrame, text: str, after: int, direction: int = 1) -> int | None:
    """The row of ``frame`` after (``direction`` 1) or before (-1) row ``after`` whose
    text contains ``text``, wrapping around the end; None when no row matches. Runs in
    Polars over the whole frame, not over the rows on screen."""
    rows = frame.select(pl.arg_where(text_match(frame, text))).to_series().cast(pl.Int64)
    if rows.is_empty():
        return None
    if direction > 0:
        later = rows.filter(rows > after)
        return int(later[0]) if later.len() else int(rows[0])
    earlier = rows.filter(rows < after)
    return int(earlier[-1]) if earlier.len() else int(rows[-1])


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

"""Return and cancellation lines of a single transaction log, as the feature engine sees them.

``logfile.py`` marks each line with the boolean column ``IsReturn``. Return lines count in
the money and quantity sums (``--returns net``; zeroed with ``drop``) but are not
purchases: frequency, recency, products and categories are computed on purchase lines
only, and a customer without any purchase line is not clustered (segment -1).
"""

from __future__ import annotations

import polars as pl

from segtui.engine.io.tables import Tables

RETURN_MARKER = "IsReturn"


def is_marked(tables: Tables) -> bool:
    """True when the transactions carry the ``IsReturn`` column (single logs)."""
    return bool(tables.info.get("kind") == "log")


def purchases_only(expr: pl.Expr, tables: Tables) -> pl.Expr:
    """``expr`` restricted to purchase lines when the source marks returns."""
    return expr.filter(~pl.col(RETURN_MARKER)) if is_marked(tables) else expr


def purchase_aggregations(tables: Tables) -> list[pl.Expr]:
    """Extra per-customer aggregations of a marked source: ``n_purchase_lines``."""
    if not is_marked(tables):
        return []
    return [(~pl.col(RETURN_MARKER)).sum().alias("n_purchase_lines")]


def line_count(tables: Tables) -> pl.Expr:
    """Frequency without an order id: purchase lines (marked source) or all lines."""
    return (~pl.col(RETURN_MARKER)).sum() if is_marked(tables) else pl.len()

"""Return and cancellation lines of a single transaction log, as the feature engine sees them.

``logfile.py`` marks each line with the boolean column ``IsReturn``. Return lines count in
the money and quantity sums (``--returns net``; zeroed with ``drop``) but are not
purchases: frequency, recency, products and categories are computed on purchase lines
only, and a customer without any purchase line is not clustered (segment -1).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from segtui.engine.errors import plural
from segtui.engine.io.sources import Tables

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


def mark_returns_only(
    frame: pl.DataFrame, tables: Tables, data_quality: dict[str, Any], warnings: list[str]
) -> pl.DataFrame:
    """Set ``has_purchases`` from purchase lines, so a customer whose lines are all
    returns is kept as segment -1; add the log's facts and return counts to
    ``data_quality``. Returns the frame (unchanged for the folder layout)."""
    if "n_purchase_lines" not in frame.columns:
        return frame
    from segtui.engine.features.compute import NO_PURCHASES

    data_quality.update(tables.info.get("data_quality", {}))
    warnings.extend(tables.info.get("warnings", []))
    only_returns = pl.col("n_lines").is_not_null() & (pl.col("n_purchase_lines") == 0)
    count = frame.filter(only_returns).height
    data_quality["return_lines"] = int(frame.get_column("n_lines").fill_null(0).sum()) - int(
        frame.get_column("n_purchase_lines").fill_null(0).sum()
    )
    data_quality["customers_with_only_returns"] = count
    if count:
        warnings.append(
            f"{plural(count, 'customer')} with returns but no purchases: kept as segment -1 "
            f"'{NO_PURCHASES}'."
        )
    return frame.with_columns((pl.col("n_purchase_lines").fill_null(0) > 0).alias("has_purchases"))

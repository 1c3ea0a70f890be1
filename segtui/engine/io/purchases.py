"""What one purchase is, stated once: the unit that frequency, order value, the gaps
between purchases (activity) and the value models count.

- A single log **with an order id** (``--order-col``, or a column detected by name and
  checked by shape: ``detect.py``): a purchase is an order, i.e. one distinct order id.
- A single log **without one**: a purchase is a *customer-day*, every day on which the
  customer has at least one purchase line. This is the convention of the lifetimes
  library and of the BG/NBD literature (Fader, Hardie & Lee 2005); counting lines instead
  would make a ten-item basket ten purchases.
- The **three-table folder**: a purchase is a transaction, one TransactionID (or one row
  of the Transactions table when it has no TransactionID), as the layout defines it.

The value models (``value/summary.py``) always count purchase *days* (several orders on
one day are one BG/NBD purchase), which equals the customer-day count above.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from segtui.engine.io.tables import Tables

ORDER = "order"
CUSTOMER_DAY = "customer-day"
TRANSACTION = "transaction"
ROW = "row"


def purchase_unit(tables: Tables) -> str:
    """``order``, ``customer-day``, ``transaction`` (a folder's TransactionID) or ``row``
    (a folder without TransactionID): what one purchase of this source is."""
    return unit_of(tables.info.get("kind") == "log", tables.has("transactions", "TransactionID"))


def unit_of(is_log: bool, has_order_id: bool) -> str:
    """The purchase unit of a single log (``is_log``) or a folder table, with or without
    an order id column."""
    if is_log:
        return ORDER if has_order_id else CUSTOMER_DAY
    return TRANSACTION if has_order_id else ROW


def purchase_key(tables: Tables) -> pl.Expr | None:
    """The expression whose distinct values per customer are that customer's purchases,
    or None when every line is one purchase (a folder without TransactionID)."""
    unit = purchase_unit(tables)
    if unit in (ORDER, TRANSACTION):
        return pl.col("TransactionID")
    if unit == CUSTOMER_DAY:
        return pl.col("TransactionDate").dt.date()
    return None


def purchase_definition(tables: Tables) -> dict[str, Any]:
    """The summary's ``purchase_definition``: ``unit``, the ``column`` it is read from
    (None for customer-days and rows) and ``text``, one sentence a person can read."""
    spec = tables.files.get("transactions")
    column = spec.columns.get("TransactionID") if spec is not None else None
    return definition(purchase_unit(tables), column)


def definition(unit: str, column: str | None) -> dict[str, Any]:
    """``purchase_definition`` of ``unit`` read from order id ``column`` (any engine)."""
    if unit == ORDER:
        text = f"a purchase is an order: one distinct {column} per customer"
    elif unit == CUSTOMER_DAY:
        text = (
            "a purchase is a customer-day: the log has no order id, so each day on which "
            "a customer bought counts once (give --order-col to count orders)"
        )
    elif unit == TRANSACTION:
        text = f"a purchase is a transaction: one distinct {column}"
    else:
        text = "a purchase is a row of the Transactions table"
    return {"unit": unit, "column": column if unit in (ORDER, TRANSACTION) else None, "text": text}


def describe_purchases(data_quality: dict[str, Any]) -> str | None:
    """The header line of a run ("Purchases: ...") from the summary's data_quality."""
    definition = data_quality.get("purchase_definition")
    if not definition:
        return None
    return "Purchases: " + str(definition["text"])

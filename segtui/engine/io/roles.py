"""The column mapping of a single log: which column plays which role.

Flags (``--customer-col`` ... or the ``[mapping]`` table) win; the other roles are
detected by name, type and evidence (``detect.py``) or from their exact spellings
(``columns.ALIASES``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from segtui.engine.errors import InputError
from segtui.engine.io import detect
from segtui.engine.io.columns import ALIASES, match_columns
from segtui.engine.io.detect import Decisions

# mapping key -> canonical transaction column
FLAG_COLUMNS: dict[str, str] = {
    "customer_col": "CustomerID",
    "date_col": "TransactionDate",
    "amount_col": "TotalValue",
    "quantity_col": "Quantity",
    "price_col": "Price",
    "order_col": "TransactionID",
    "product_col": "ProductID",
    "category_col": "Category",
}


def flag_name(key: str) -> str:
    """The command-line flag of a mapping key: ``customer_col`` -> ``--customer-col``."""
    return "--" + key.replace("_", "-")


# The roles detection decides by name, type and evidence (detect.py); the others are
# taken from their exact spellings (columns.ALIASES).
EVIDENCE_ROLES = ("TransactionDate", "TransactionID", "CustomerID", "TotalValue")


def resolve_columns(
    header: list[str],
    mapping: Mapping[str, str],
    path: Path,
    raw: pl.LazyFrame | None = None,
    schema: pl.Schema | None = None,
) -> tuple[dict[str, str], set[str], Decisions]:
    """Canonical -> actual column names: given flags first, then detected by name, type
    and evidence (``detect.py``).

    Returns the mapping, the canonical names that were detected (not given) and the
    detection's reasons and warnings. Raises InputError when a given column is absent, a
    required one cannot be found, or two columns could play one role and the evidence
    does not decide.
    """
    if raw is None or schema is None:
        raw = pl.LazyFrame({h: pl.Series([], dtype=pl.String) for h in header})
        schema = raw.collect_schema()
    columns: dict[str, str] = {}
    for key, canonical in FLAG_COLUMNS.items():
        wanted = mapping.get(key)
        if wanted:
            columns[canonical] = find_column(header, wanted, key, path)
    decisions = Decisions()
    detected: set[str] = set()

    def free(canonical: str) -> list[str]:
        used = set(columns.values())
        return [h for h in detect.name_candidates(canonical, header, schema) if h not in used]

    def take(canonical: str, actual: str | None) -> None:
        if actual is not None:
            columns[canonical] = actual
            detected.add(canonical)

    if "TransactionDate" not in columns:
        found = free("TransactionDate")
        if len(found) == 1 and not detect.family("TransactionDate", found[0]):
            if not _exact_alias("TransactionDate", found[0]):  # found by its type alone
                decisions.reasons["TransactionDate"] = (
                    f"{found[0]} is a typed {schema[found[0]]} column of the Parquet file"
                )
        take(
            "TransactionDate",
            found[0]
            if len(found) == 1
            else detect.decide_date(found, raw, schema, path, decisions)
            if found
            else None,
        )
    if "TransactionID" not in columns:
        found = free("TransactionID")
        exact = [h for h in found if _exact_alias("TransactionID", h)]
        if len(found) > 1 and len(exact) != 1:
            why = "their names do not decide"
            raise detect.weak("order id", found, raw, why, "--order-col", path)
        chosen = exact or found
        take("TransactionID", chosen[0] if chosen else None)
    if "CustomerID" not in columns:
        found = free("CustomerID")
        if len(found) > 1 and "TransactionDate" in columns:
            date = columns["TransactionDate"]
            purchase = (
                pl.col(columns["TransactionID"]).cast(pl.String)
                if "TransactionID" in columns
                else detect.day_expr(date, schema[date])
            )
            take("CustomerID", detect.decide_customer(found, raw, purchase, path, decisions))
        else:
            take("CustomerID", found[0] if found else None)
    rest = [h for h in header if h not in set(columns.values())]
    for canonical, actual in match_columns(rest, "log").items():
        if canonical not in columns and canonical not in EVIDENCE_ROLES:
            take(canonical, actual)
    if "TotalValue" not in columns:
        found = free("TotalValue")
        if len(found) > 1:
            quantity, price = columns.get("Quantity"), columns.get("Price")
            take(
                "TotalValue",
                detect.decide_money(found, raw, schema, quantity, price, path, decisions),
            )
        else:
            take("TotalValue", found[0] if found else None)
    _check_required(columns, header, path)
    customer = columns["CustomerID"]
    if "TransactionID" in detected and not detect.check_order(
        columns["TransactionID"], customer, raw, path, decisions
    ):
        del columns["TransactionID"]
        detected.discard("TransactionID")
    elif "TransactionID" not in columns:
        date = columns["TransactionDate"]
        take(
            "TransactionID",
            detect.order_by_shape(
                header,
                set(columns.values()),
                customer,
                detect.day_expr(date, schema[date]),
                raw,
                schema,
                decisions,
            ),
        )
    if "Quantity" not in columns:
        used = set(columns.values())
        decisions.quantity_like += [
            h
            for h in header
            if h not in used and detect.quantity_like(h) and h not in decisions.quantity_like
        ]
    return columns, detected, decisions


def _exact_alias(canonical: str, name: str) -> bool:
    folded = re.sub(r"[\s_\-]+", "", name.strip().lstrip("\ufeff")).lower()
    return name == canonical or folded in ALIASES[canonical]


def _check_required(columns: dict[str, str], header: list[str], path: Path) -> None:
    listing = ", ".join(header)
    if "CustomerID" not in columns:
        raise InputError(
            f"no customer id column found (columns: {listing})",
            file=path,
            hint="name it with --customer-col",
        )
    if "TransactionDate" not in columns:
        raise InputError(
            f"no date column found (columns: {listing})", file=path, hint="name it with --date-col"
        )
    if "TotalValue" not in columns and not ("Quantity" in columns and "Price" in columns):
        raise InputError(
            f"no amount column, and no quantity and price columns to compute it "
            f"(columns: {listing})",
            file=path,
            hint="name them with --amount-col, or --quantity-col and --price-col",
        )


def _fold(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


def fold_name(name: str) -> str:
    """A header name compared loosely: stripped, BOM removed, lower case."""
    return _fold(name)


def find_column(header: list[str], wanted: str, key: str, path: Path) -> str:
    if wanted in header:
        return wanted
    matches = [h for h in header if _fold(h) == _fold(wanted)]
    if len(matches) == 1:
        return matches[0]
    raise InputError(
        f"no such column (given by {flag_name(key)}); the file has {', '.join(header)}",
        file=path,
        column=wanted,
    )

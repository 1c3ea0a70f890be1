"""Canonical column names and the header spellings recognised for each.

Column names are the contract between the reader and the feature engine: whatever the
file calls them, the engine sees these names.
"""

from __future__ import annotations

import re

# The canonical columns by type: the one definition every reader and check uses.
NUMBER_COLUMNS = ("Quantity", "Price", "TotalValue")
DATE_COLUMNS = ("TransactionDate", "SignupDate")

# canonical name -> accepted spellings (compared after lower-casing and removing
# spaces, underscores and dashes)
ALIASES: dict[str, tuple[str, ...]] = {
    "CustomerID": (
        "customerid",
        "customer",
        "custid",
        "clientid",
        "customerno",
        "customernumber",
        "customercode",
        "clientnumber",
        "buyerid",
        "userid",
    ),
    "CustomerName": ("customername", "name", "clientname"),
    "Region": ("region", "country", "area"),
    "SignupDate": ("signupdate", "signup", "registrationdate", "createdat", "joindate"),
    "ProductID": ("productid", "product", "stockcode", "sku", "itemid", "productcode", "itemcode"),
    "ProductName": ("productname", "description", "itemname"),
    "Category": ("category", "productcategory", "department"),
    "Price": ("price", "unitprice", "itemprice"),
    "TransactionID": (
        "transactionid",
        "invoiceno",
        "invoice",
        "orderid",
        "order",
        "orderno",
        "ordernumber",
        "invoicenumber",
        "invoiceid",
        "receiptid",
    ),
    "TransactionDate": (
        "transactiondate",
        "invoicedate",
        "orderdate",
        "purchasedate",
        "date",
        "datetime",
        "timestamp",
    ),
    "Quantity": ("quantity", "qty", "units"),
    "TotalValue": (
        "totalvalue",
        "amount",
        "total",
        "linetotal",
        "lineamount",
        "totalprice",
        "revenue",
        "sales",
        "value",
    ),
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "transactions": ("CustomerID", "TransactionDate", "TotalValue"),
    "customers": ("CustomerID",),
    "products": ("ProductID",),
    "log": (),  # a single transaction log: requirements are checked by logfile.py
}

OPTIONAL: dict[str, tuple[str, ...]] = {
    "transactions": ("TransactionID", "ProductID", "Quantity", "Price", "Category"),
    "customers": ("CustomerName", "Region", "SignupDate"),
    "products": ("ProductName", "Category", "Price"),
    "log": (
        "CustomerID",
        "TransactionDate",
        "TotalValue",
        "Quantity",
        "Price",
        "TransactionID",
        "ProductID",
        "Category",
        "Region",
        "CustomerName",
    ),
}


def _fold(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lstrip("\ufeff")).lower()


def match_columns(header: list[str], table: str) -> dict[str, str]:
    """Map canonical names to the header's actual names for one table kind.

    An exact canonical name wins over an alias; each header column is used once.
    """
    wanted = REQUIRED[table] + OPTIONAL[table]
    folded = {_fold(h): h for h in reversed(header)}  # first spelling wins
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for canonical in wanted:
        if canonical in header:
            mapping[canonical] = canonical
            used.add(canonical)
    for canonical in wanted:
        if canonical in mapping:
            continue
        for alias in ALIASES[canonical]:
            actual = folded.get(alias)
            if actual is not None and actual not in used:
                mapping[canonical] = actual
                used.add(actual)
                break
    return mapping

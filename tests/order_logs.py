"""Order logs the tests generate themselves, and a plain-Python hand computation of every
feature on them (the reference the engine is compared with).

A log line is a dict with the canonical meaning: order, customer, product, category,
date (datetime), quantity, price, amount. Writers render lines with any column names,
delimiter, date format and compression.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

PRODUCTS = {f"SKU{n:03d}": ("Garden", "Kitchen", "Books", "Toys")[n % 4] for n in range(1, 13)}
PRICES = {sku: round(1.5 + 3.25 * n, 2) for n, sku in enumerate(PRODUCTS, start=1)}
REGIONS = ("North", "South", "East")
# Online Retail's column spellings (segtui detects them without any flag).
RETAIL_NAMES = {
    "order": "InvoiceNo",
    "product": "StockCode",
    "quantity": "Quantity",
    "date": "InvoiceDate",
    "price": "UnitPrice",
    "customer": "CustomerID",
    "category": "Category",
}


def make_lines(seed: int = 5, customers: int = 30, orders: int = 160) -> list[dict[str, Any]]:
    """Order lines with: multi-line orders, cancelled orders (id 'C…', negative quantity),
    a zero-price line, rows without a customer id, and customer '00031' whose only lines
    are a return. Customer ids are zero-padded text ('00001')."""
    rng = random.Random(seed)
    start = dt.datetime(2024, 1, 1, 9, 0)
    lines: list[dict[str, Any]] = []
    for number in range(1, orders + 1):
        customer = f"{rng.randint(1, customers):05d}"
        when = start + dt.timedelta(days=rng.randint(0, 300), minutes=rng.randint(0, 600))
        for _ in range(rng.randint(1, 3)):
            sku = rng.choice(list(PRODUCTS))
            quantity = rng.randint(1, 6)
            lines.append(_line(f"{100000 + number}", customer, sku, when, quantity, PRICES[sku]))
    # Cancellations of earlier lines (Online Retail style: 'C' + order number, qty < 0).
    for index, source in enumerate(lines[5:40:7]):
        when = source["date"] + dt.timedelta(days=2)
        lines.append(
            _line(
                f"C{200000 + index}",
                source["customer"],
                source["product"],
                when,
                -source["quantity"],
                source["price"],
            )
        )
    first = lines[0]
    lines.append(_line(first["order"], first["customer"], "SKU001", first["date"], 2, 0.0))
    lines.append(_line("100900", None, "SKU002", start, 1, PRICES["SKU002"]))
    lines.append(_line("100901", None, "SKU003", start, 4, PRICES["SKU003"]))
    lines.append(
        _line("C300000", "00031", "SKU004", start + dt.timedelta(days=10), -1, PRICES["SKU004"])
    )
    return lines


def _line(
    order: str, customer: str | None, product: str, when: dt.datetime, quantity: int, price: float
) -> dict[str, Any]:
    amount = float(Decimal(str(price)) * quantity)
    return {
        "order": order,
        "customer": customer,
        "product": product,
        "category": PRODUCTS[product],
        "date": when,
        "quantity": quantity,
        "price": price,
        "amount": amount,
    }


def customer_rows(customers: int = 31, seed: int = 5) -> list[dict[str, Any]]:
    """One row per customer id 00001..000NN (plus '00099', who never buys)."""
    rng = random.Random(seed + 1)
    rows = []
    for n in list(range(1, customers + 1)) + [99]:
        signup = dt.date(2023, 6, 1) + dt.timedelta(days=rng.randint(0, 200))
        rows.append({"id": f"{n:05d}", "region": REGIONS[n % 3], "signup": signup})
    return rows


def write_log(
    path: Path,
    lines: list[dict[str, Any]],
    names: dict[str, str],
    *,
    delimiter: str = ",",
    date_format: str = "%Y-%m-%d %H:%M:%S",
) -> Path:
    """Write ``lines`` with column names ``names`` (canonical key -> header; keys left out
    are not written). ``.gz`` compresses, ``.parquet`` writes Parquet (text columns)."""
    header = list(names.values())
    rows = [[_render(line[key], date_format) for key in names] for line in lines]
    if path.suffix == ".parquet":
        import polars as pl

        pl.DataFrame(rows, schema=header, orient="row").write_parquet(path)
        return path
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    return path


def write_customers(path: Path, rows: list[dict[str, Any]], delimiter: str = ";") -> Path:
    """A customers file: Client;Area;Joined with signup dates as dd/mm/YYYY."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["CustomerID", "Region", "SignupDate"])
    for row in rows:
        writer.writerow([row["id"], row["region"], row["signup"].strftime("%d/%m/%Y")])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _render(value: Any, date_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime(date_format)
    return str(value)


def hand_features(
    lines: list[dict[str, Any]],
    customers: list[dict[str, Any]] | None = None,
    *,
    returns: str = "net",
    amount_from_lines: bool = True,
) -> tuple[dict[str, dict[str, Any]], dt.date]:
    """Every feature per customer, computed line by line in plain Python.

    Returns (features by customer id, as-of date). Rules: a cancelled order ('C' + digit)
    (every other order id being digits) or a negative quantity/amount is a return; ``net``
    counts its money and quantity as negative whatever their sign, ``drop`` ignores it; a
    line of zero amount, quantity or price is not a purchase either; frequency, recency,
    products and categories count purchase lines only; rows without a customer are left
    out.
    """
    spend: dict[str, Decimal] = defaultdict(Decimal)
    quantity: dict[str, Decimal] = defaultdict(Decimal)
    by_category: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    orders: dict[str, set[str]] = defaultdict(set)
    products: dict[str, set[str]] = defaultdict(set)
    categories: dict[str, set[str]] = defaultdict(set)
    last: dict[str, dt.datetime] = {}
    seen: set[str] = set()
    for line in lines:
        customer = line["customer"]
        if customer is None:
            continue
        seen.add(customer)
        value = (
            Decimal(str(line["amount"]))
            if amount_from_lines
            else (Decimal(str(line["quantity"])) * Decimal(str(line["price"])))
        )
        units = Decimal(line["quantity"])
        cancelled = line["order"][0] == "C" and line["order"][1:].isdigit()
        is_return = cancelled or value < 0 or units < 0
        zero_value = not is_return and 0 in (value, units, Decimal(str(line["price"])))
        if is_return:
            value, units = -abs(value), -abs(units)
        if is_return and returns == "drop":
            value, units = Decimal(0), Decimal(0)
        spend[customer] += value
        quantity[customer] += units
        by_category[customer][line["category"]] += value
        if is_return or zero_value:
            continue
        orders[customer].add(line["order"])
        products[customer].add(line["product"])
        categories[customer].add(line["category"])
        if customer not in last or line["date"] > last[customer]:
            last[customer] = line["date"]
    as_of = max(last.values()).date() + dt.timedelta(days=1)
    info = {row["id"]: row for row in customers or []}
    result: dict[str, dict[str, Any]] = {}
    for customer in sorted(seen | set(info)):
        frequency = len(orders[customer])
        total = float(spend[customer])
        row: dict[str, Any] = {
            "has_purchases": frequency > 0,
            "total_spend": total,
            "frequency": frequency,
            "avg_transaction_value": total / frequency if frequency else None,
            "total_quantity": float(quantity[customer]),
            "avg_quantity": float(quantity[customer]) / frequency if frequency else None,
            "recency_days": (as_of - last[customer].date()).days if customer in last else None,
            "distinct_products": len(products[customer]),
            "distinct_categories": len(categories[customer]),
        }
        for category in sorted(set(PRODUCTS.values())):
            name = "share_" + category.lower()
            value = float(by_category[customer][category])
            row[name] = value / total if frequency and total > 0 else None
        if customer in info:
            row["region"] = info[customer]["region"]
            row["tenure_days"] = (as_of - info[customer]["signup"]).days
        result[customer] = row
    return result, as_of

"""Which column of a single log plays which role: found by type, by name and by evidence.

Names: the exact spellings of ``columns.ALIASES``, then *families* of names read as words
(``TRANSACTION_DT``, ``transaction_timestamp``, ``household_id``, ``sales_value``,
``basket_id``, ``customer_unique_id``: see :func:`words`). Type: a typed Parquet
Date/Datetime column is a date candidate whatever its name. Evidence: when two columns
could play one role, values over the **whole column** decide (a money column has decimals
or equals quantity x price; a customer id spans several purchases), and the reason is
recorded with a few sample values; when the evidence is weak the read stops with both
candidates and the flag that settles it. An order id found by name must also have the
shape of one (each id belongs to one customer), and a log without one named is searched
for a column with that shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from segtui.engine.errors import InputError
from segtui.engine.io.columns import ALIASES

ID_WORDS = frozenset({"id", "key", "no", "nr", "num", "number", "code", "ref"})
PERSON_WORDS = frozenset(
    {"customer", "cust", "client", "buyer", "user", "household", "member", "shopper", "consumer"}
)
ORDER_WORDS = frozenset(
    {"order", "invoice", "basket", "receipt", "ticket", "transaction", "trans", "txn", "bill"}
)
NOT_ORDER = frozenset({"item", "line", "position", "pos", "seq", "product", "sku"})
DATE_WORDS = frozenset({"date", "dt", "datetime", "timestamp", "ts"})
# Dates of something other than the purchase itself.
NOT_PURCHASE_DATE = frozenset(
    {
        "signup",
        "birth",
        "birthday",
        "registration",
        "registered",
        "created",
        "ship",
        "shipped",
        "shipping",
        "delivery",
        "delivered",
        "approved",
        "estimated",
        "review",
        "answer",
        "limit",
        "carrier",
        "due",
        "expiry",
        "expiration",
        "first",
        "last",
        "load",
        "loaded",
        "updated",
        "modified",
    }
)
PURCHASE_WORDS = ORDER_WORDS | {"purchase", "sale", "sales"}
MONEY_WORDS = frozenset(
    {"amount", "amt", "total", "sales", "sale", "revenue", "value", "spend", "turnover"}
)
NOT_MONEY = frozenset({"discount", "disc", "tax", "vat", "shipping", "freight", "coupon"})
QUANTITY_WORDS = frozenset({"quantity", "qty", "units", "unit", "pieces", "items", "count"})
SAMPLES = 3
# A column named like an order id whose ids are shared by several customers on more than
# this share of ids is not one. Below it, the shared ids are data errors of a real order
# column (``validate`` lists them as orders_with_several_customers) and it is kept.
SHARED_ORDER_LIMIT = 0.5


def words(name: str) -> list[str]:
    """A column name as lower-case words: ``TRANSACTION_DT`` -> [transaction, dt],
    ``CustomerUniqueID`` -> [customer, unique, id], ``number-of-cds`` -> [number, of, cds]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name.strip().lstrip("\ufeff"))
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def _fold(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lstrip("\ufeff")).lower()


def family(canonical: str, name: str) -> bool:
    """True when ``name`` belongs to the name family of ``canonical`` (beyond its exact
    spellings): ``*_dt``, ``*timestamp*``, ``household*``, ``*sales*``, ``basket*``..."""
    w = words(name)
    if not w:
        return False
    ws = set(w)
    if canonical == "CustomerID":
        return bool(ws & PERSON_WORDS) and w[-1] in ID_WORDS and "zip" not in ws
    if canonical == "TransactionID":
        if ws & NOT_ORDER:
            return False
        return bool(ws & ORDER_WORDS) and (w[-1] in ID_WORDS or len(w) == 1)
    if canonical == "TransactionDate":
        return bool(ws & DATE_WORDS) and not ws & NOT_PURCHASE_DATE
    if canonical == "TotalValue":
        return (
            bool(ws & MONEY_WORDS)
            and not ws & NOT_MONEY
            and not ws & ID_WORDS
            and not quantity_like(name)
        )
    return False


def quantity_like(name: str) -> bool:
    """True for a name that reads as a count of items: ``qty``, ``units_sold``,
    ``number_of_cds``, ``n_items`` (the ``--quantity-col`` hint)."""
    w = words(name)
    if not w:
        return False
    if set(w) & QUANTITY_WORDS:
        return True
    return w[0] in ("number", "num", "n", "nb") and len(w) >= 2


def name_candidates(canonical: str, header: list[str], schema: pl.Schema) -> list[str]:
    """The header's columns that could be ``canonical`` by name (exact spelling first,
    then aliases, then the family) and, for the date, by type (typed Parquet dates)."""
    found: list[str] = [h for h in header if h == canonical]
    aliases = ALIASES.get(canonical, ())
    for alias in aliases:
        found += [h for h in header if _fold(h) == alias and h not in found]
    found += [h for h in header if h not in found and family(canonical, h)]
    if canonical == "TransactionDate":
        typed = [h for h in header if h not in found and schema[h] in (pl.Date, pl.Datetime)]
        typed += [
            h for h in header if h not in found and h not in typed and _is_datetime(schema[h])
        ]
        found += [h for h in typed if not set(words(h)) & NOT_PURCHASE_DATE]
    return found


def _is_datetime(dtype: pl.DataType) -> bool:
    return isinstance(dtype, pl.Datetime | pl.Date)


@dataclass
class Decisions:
    """What detection decided beyond the names: reasons (with sample values) for the
    summary and the header, warnings, and quantity-like columns for the hint."""

    reasons: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    quantity_like: list[str] = field(default_factory=list)


def samples(raw: pl.LazyFrame, column: str, n: int = SAMPLES) -> list[str]:
    """A few distinct non-empty values of ``column`` (from its start), as text."""
    # head first: a filter before it would make Polars scan far into a large file
    head = raw.select(pl.col(column)).head(2000).collect().to_series().cast(pl.String)
    values = head.str.strip_chars().drop_nulls()
    values = values.filter(values != "").unique(maintain_order=True).head(n)
    return [str(v) for v in values]


def _shown(raw: pl.LazyFrame, column: str) -> str:
    return f"{column} (e.g. {', '.join(samples(raw, column))})"


def number(column: str, dtype: pl.DataType) -> pl.Expr:
    """``column`` as Float64 for evidence: numeric types cast, text read with a point or
    a lone decimal comma; unreadable values null."""
    if dtype.is_numeric():
        return pl.col(column).cast(pl.Float64)
    text = pl.col(column).cast(pl.String).str.strip_chars()
    text = (
        pl.when(text.str.contains(r"^-?[0-9]+,[0-9]+$"))
        .then(text.str.replace(",", ".", literal=True))
        .otherwise(text)
    )
    return text.cast(pl.Float64, strict=False)


def weak(
    role: str, candidates: list[str], raw: pl.LazyFrame, why: str, flag: str, path: Path
) -> InputError:
    """The exit-2 error of a role two columns could play and the evidence cannot decide."""
    shown = " and ".join(_shown(raw, c) for c in candidates)
    return InputError(
        f"{len(candidates)} columns could be the {role}: {shown}; {why}",
        file=path,
        hint=f"name it with {flag}",
    )


def decide_money(
    candidates: list[str],
    raw: pl.LazyFrame,
    schema: pl.Schema,
    quantity: str | None,
    price: str | None,
    path: Path,
    decisions: Decisions,
) -> str:
    """The line-total column among ``candidates``: the one equal to quantity x price on
    most rows, else the only one with decimals beside whole-number ones (which are
    counts). Raises InputError when the evidence is weak."""
    exprs: list[pl.Expr] = []
    for i, c in enumerate(candidates):
        value = number(c, schema[c])
        exprs.append(value.is_not_null().sum().alias(f"n{i}"))
        exprs.append((value.is_not_null() & (value.round(0) != value)).sum().alias(f"d{i}"))
        if quantity and price:
            product = number(quantity, schema[quantity]) * number(price, schema[price])
            close = (value - product).abs() <= pl.max_horizontal(pl.lit(0.01), 1e-6 * value.abs())
            exprs.append(close.sum().alias(f"p{i}"))
    stats = raw.select(exprs).collect().row(0, named=True)
    n = [max(int(stats[f"n{i}"]), 1) for i in range(len(candidates))]
    if quantity and price:
        equal = [int(stats[f"p{i}"]) / n[i] for i in range(len(candidates))]
        best = [c for c, share in zip(candidates, equal, strict=True) if share >= 0.9]
        if len(best) == 1 and sorted(equal)[-2] < 0.5:
            decisions.reasons["TotalValue"] = (
                f"{_shown(raw, best[0])} equals {quantity} x {price} on {max(equal):.1%} of rows"
            )
            return best[0]
    decimals = [int(stats[f"d{i}"]) for i in range(len(candidates))]
    with_decimals = [c for c, d in zip(candidates, decimals, strict=True) if d > 0]
    whole = [c for c, d in zip(candidates, decimals, strict=True) if d == 0]
    if len(with_decimals) == 1 and whole:
        money = with_decimals[0]
        counts = ", ".join(_shown(raw, c) for c in whole)
        decisions.reasons["TotalValue"] = (
            f"{_shown(raw, money)} has decimals; {counts} only whole numbers (a count)"
        )
        decisions.quantity_like += [c for c in whole if c != quantity]
        return money
    why = "both have decimals" if len(with_decimals) > 1 else "all are whole numbers"
    raise weak("amount (line total)", candidates, raw, why, "--amount-col", path)


def decide_customer(
    candidates: list[str], raw: pl.LazyFrame, purchase: pl.Expr, path: Path, decisions: Decisions
) -> str:
    """The customer id among ``candidates``: the only one whose ids span several
    purchases (``purchase``: the order id, or the day) where the others have one
    purchase per id. Raises InputError when the evidence is weak."""
    spans = []
    for c in candidates:
        per_id = (
            raw.filter(pl.col(c).is_not_null())
            .group_by(pl.col(c).cast(pl.String))
            .agg(purchase.n_unique().alias("n"))
        )
        row = (
            per_id.select(
                pl.len().alias("ids"), (pl.col("n") >= 2).sum().alias("multi"), pl.col("n").max()
            )
            .collect()
            .row(0, named=True)
        )
        spans.append(row)
    several = [c for c, s in zip(candidates, spans, strict=True) if (s["multi"] or 0) > 0]
    if len(several) == 1:
        chosen = several[0]
        s = spans[candidates.index(chosen)]
        others = ", ".join(
            f"{c} has one purchase per id ({spans[i]['ids']:,} ids)"
            for i, c in enumerate(candidates)
            if c != chosen
        )
        decisions.reasons["CustomerID"] = (
            f"{_shown(raw, chosen)} spans several purchases for {s['multi']:,} of "
            f"{s['ids']:,} ids (up to {s['n']}); {others}"
        )
        return chosen
    why = "each spans several purchases" if several else "every id of each has one purchase"
    raise weak("customer id", candidates, raw, why, "--customer-col", path)


def decide_date(
    candidates: list[str], raw: pl.LazyFrame, schema: pl.Schema, path: Path, decisions: Decisions
) -> str:
    """The purchase date among ``candidates``: the only one named for a purchase
    (order, transaction, sale...) or the only typed one. Raises InputError otherwise."""
    named = [
        c
        for c in candidates
        if set(words(c)) & PURCHASE_WORDS or _fold(c) in ALIASES["TransactionDate"]
    ]
    typed = [c for c in candidates if _is_datetime(schema[c])]
    for group, why in ((named, "named for a purchase"), (typed, "a typed date")):
        if len(group) == 1:
            others = ", ".join(c for c in candidates if c != group[0])
            decisions.reasons["TransactionDate"] = f"{_shown(raw, group[0])} is {why}; not {others}"
            return group[0]
    raise weak("purchase date", candidates, raw, "their names do not decide", "--date-col", path)


def check_order(
    order: str, customer: str, raw: pl.LazyFrame, path: Path, decisions: Decisions
) -> bool:
    """True when the detected order id ``order`` has the shape of one over the whole
    column: each id belongs to one customer (ids shared by several customers on at most
    ``SHARED_ORDER_LIMIT`` of ids). False (with a warning) when it does not."""
    stats = (
        raw.filter(pl.col(order).is_not_null() & pl.col(customer).is_not_null())
        .group_by(pl.col(order).cast(pl.String))
        .agg(pl.col(customer).n_unique().alias("owners"), pl.len().alias("lines"))
        .select(
            pl.len().alias("ids"),
            (pl.col("owners") > 1).sum().alias("shared"),
            (pl.col("lines") > 1).sum().alias("multi"),
        )
        .collect()
        .row(0, named=True)
    )
    ids, shared = int(stats["ids"]), int(stats["shared"] or 0)
    if ids and shared / ids > SHARED_ORDER_LIMIT:
        decisions.warnings.append(
            f"Column {order} is named like an order id, but {shared:,} of its {ids:,} ids "
            f"belong to several customers, so it is not read as one: a purchase is a "
            f"customer-day. Give --order-col {order} to count its ids as orders."
        )
        return False
    decisions.reasons["TransactionID"] = (
        f"{_shown(raw, order)}: {ids:,} ids, {int(stats['multi'] or 0):,} with several lines, "
        f"{'none' if not shared else f'{shared:,}'} shared by several customers"
    )
    return True


def order_by_shape(
    header: list[str],
    used: set[str],
    customer: str,
    date_expr: pl.Expr,
    raw: pl.LazyFrame,
    schema: pl.Schema,
    decisions: Decisions,
) -> str | None:
    """A column not named like an order id that has the shape of one over the whole
    column: ids repeat (several lines), each belongs to one customer and one day. The
    head of the file only prunes the columns worth checking."""
    possible = [
        h
        for h in header
        if h not in used
        and (schema[h] == pl.String or schema[h].is_integer())
        and not quantity_like(h)
    ]
    if not possible:
        return None
    head = raw.head(20_000).collect()
    survivors = []
    for h in possible:
        values = head.get_column(h)
        if values.null_count() == values.len() or values.n_unique() >= values.len():
            continue
        survivors.append(h)
    for h in survivors[:4]:
        stats = (
            raw.filter(pl.col(h).is_not_null() & pl.col(customer).is_not_null())
            .group_by(pl.col(h).cast(pl.String))
            .agg(
                pl.col(customer).n_unique().alias("owners"),
                date_expr.n_unique().alias("days"),
                pl.len().alias("lines"),
            )
            .select(
                pl.len().alias("ids"),
                (pl.col("owners") > 1).sum().alias("shared"),
                (pl.col("days") > 1).sum().alias("spread"),
                (pl.col("lines") > 1).sum().alias("multi"),
            )
            .collect()
            .row(0, named=True)
        )
        ids = int(stats["ids"])
        if ids and not stats["shared"] and not stats["spread"] and stats["multi"]:
            decisions.reasons["TransactionID"] = (
                f"{_shown(raw, h)} has the shape of an order id: {ids:,} ids, "
                f"{int(stats['multi']):,} with several lines, each of one customer on one day"
            )
            return h
    return None


def day_expr(column: str, dtype: pl.DataType) -> pl.Expr:
    """The day of a date column before its format is decided (evidence only): typed
    dates as dates, text up to its first space or ``T`` (every supported format writes
    the day first and the time after)."""
    if isinstance(dtype, pl.Datetime):
        return pl.col(column).dt.date()
    if dtype == pl.Date or dtype.is_numeric():
        return pl.col(column)
    return pl.col(column).cast(pl.String).str.strip_chars().str.extract(r"^([^ T]+)")

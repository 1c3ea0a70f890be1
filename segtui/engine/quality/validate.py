"""``segtui validate``: a data-quality report on a source, without clustering.

Every check names the file, the column and the first rows where it fires. Rows are
numbered from 1 = the first data row (the line after the header, so file line = row + 1).
A source is *usable* when no check has severity ``error`` (the ones that would make
``segtui run`` fail); warnings describe data that ``run`` handles by a documented rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from segtui.engine.io import dates
from segtui.engine.io.columns import NUMBER_COLUMNS
from segtui.engine.io.purchases import purchase_definition
from segtui.engine.io.returns import CANCEL_ID
from segtui.engine.io.sources import load_source
from segtui.engine.io.tables import TableFile, Tables, text_frame
from segtui.engine.quality import rules
from segtui.engine.quality.findings import Finding, finding
from segtui.engine.quality.outliers import date_bounds
from segtui.engine.quality.validate_limits import limit_findings

__all__ = ["Finding", "ValidationReport", "validate_source"]
# TotalValue may differ from Quantity x Price by rounding: a cent, or 1e-6 relative.
VALUE_TOLERANCE_ABS = 0.01
VALUE_TOLERANCE_REL = 1e-6


@dataclass
class ValidationReport:
    """The data-quality report of one source."""

    source: str
    transaction_rows: int
    customers_in_transactions: int
    customers_in_customers_table: int | None
    date_range: tuple[str | None, str | None]
    missing: dict[str, dict[str, int]]
    findings: list[Finding]
    read_as: dict[str, Any] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        """True when no finding is an error (``segtui run`` can use the source)."""
        return not any(f.severity == "error" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the ``--json`` document)."""
        data = asdict(self)
        data["date_range"] = {"first": self.date_range[0], "last": self.date_range[1]}
        data["usable"] = self.usable
        data["errors"] = sum(f.severity == "error" for f in self.findings)
        data["warnings"] = sum(f.severity == "warning" for f in self.findings)
        return data


def validate_source(
    source: Path | str | None, mapping: Mapping[str, str] | None = None, returns: str = "net"
) -> ValidationReport:
    """Read ``source`` like ``segtui run`` does and check its data. Returns the report;
    raises InputError when the source cannot be read at all (missing file or column)."""
    tables = load_source(source, mapping or {}, returns=returns)
    tx_spec = tables.files["transactions"]
    tx = _typed(tx_spec, _raw(tx_spec)).collect()
    findings: list[Finding] = []
    missing = {str(tx_spec.path): _missing(tx, tx_spec)}
    findings += _transaction_checks(tx, tx_spec, tables)
    findings += _far_dates(tx, tx_spec)
    for warning in tables.info.get("warnings", []):
        # e.g. dates that read both day-first and month-first
        findings.append(Finding("read_warning", "warning", warning, 1, str(tx_spec.path)))
    customers = None
    cust_spec = tables.files.get("customers")
    if cust_spec is not None and cust_spec.path != tx_spec.path:
        customers = _typed(cust_spec, _raw(cust_spec)).collect()
        missing[str(cust_spec.path)] = _missing(customers, cust_spec)
        findings += _customer_checks(tx, customers, tx_spec, cust_spec)
    prod_spec = tables.files.get("products")
    if prod_spec is not None:
        products = _typed(prod_spec, _raw(prod_spec)).collect()
        missing[str(prod_spec.path)] = _missing(products, prod_spec)
        findings += _product_checks(tx, products, tx_spec, prod_spec)
    findings += limit_findings(tx, tx_spec, customers, cust_spec, prod_spec)
    first, last = tx["TransactionDate"].min(), tx["TransactionDate"].max()
    ids = tx["CustomerID"].drop_nulls()
    return ValidationReport(
        source=tables.label,
        transaction_rows=tx.height,
        customers_in_transactions=ids.n_unique(),
        customers_in_customers_table=(
            customers["CustomerID"].drop_nulls().n_unique() if customers is not None else None
        ),
        date_range=(_iso(first), _iso(last)),
        missing=missing,
        findings=findings,
        read_as={
            **tables.info.get("data_quality", {}),
            "purchase_definition": purchase_definition(tables),
        },
    )


def _far_dates(tx: pl.DataFrame, spec: TableFile) -> list[Finding]:
    """Rows dated far after or before the rest of the data (``quality/outliers.py``;
    here on every line with a customer, where ``run`` looks at purchase lines)."""
    date = pl.col("TransactionDate")
    per_customer = (
        # dates out of 1900-2199 are errors of their own (placeholders such as 9999-12-31)
        tx.filter(
            pl.col("CustomerID").is_not_null() & (date >= dates.EARLIEST) & (date < dates.LATEST)
        )
        .group_by("CustomerID")
        .agg(date.min().alias("first"), date.max().alias("last"))
    )
    bounds = date_bounds(per_customer.get_column("first"), per_customer.get_column("last"))
    if bounds is None:
        return []
    span = "more than the data's span {} 99.9% of the customers' dates (a typo?)"
    out = finding(
        "dates_far_after_the_rest",
        "warning",
        f"rows dated {span.format('after')}; run sets the as-of date without them",
        tx.filter(date > bounds.latest),
        spec,
        "TransactionDate",
    )
    out += finding(
        "dates_far_before_the_rest",
        "warning",
        f"rows dated {span.format('before')}",
        tx.filter(date < bounds.earliest),
        spec,
        "TransactionDate",
    )
    return out


def _iso(value: Any) -> str | None:
    return value.isoformat(sep=" ") if value is not None else None


def _raw(spec: TableFile) -> pl.LazyFrame:
    """The file's mapped columns as text, with a 1-based row number."""
    return text_frame(spec).with_row_index("row", offset=1)


def _typed(spec: TableFile, raw: pl.LazyFrame) -> pl.LazyFrame:
    """Row number, each mapped column as raw text (``raw:<canonical>``) and parsed
    (canonical name; null when missing or unparsable)."""
    texts: list[pl.Expr] = [pl.col("row")]
    parsed: list[pl.Expr] = []
    for canonical, actual in spec.columns.items():
        text = pl.col(actual).cast(pl.String).str.strip_chars()
        texts.append(pl.when(text == "").then(None).otherwise(text).alias(f"raw:{canonical}"))
        value = pl.col(f"raw:{canonical}")
        if canonical in spec.date_formats:
            value = dates.parse(value, spec.date_formats[canonical])
        elif canonical in NUMBER_COLUMNS:
            value = value.cast(pl.Float64, strict=False)
        parsed.append(value.alias(canonical))
    frame = raw.select(texts).with_columns(parsed)
    if "TotalValue" not in spec.columns and {"Quantity", "Price"} <= set(spec.columns):
        frame = frame.with_columns((pl.col("Quantity") * pl.col("Price")).alias("TotalValue"))
    return frame


def _missing(frame: pl.DataFrame, spec: TableFile) -> dict[str, int]:
    return {
        actual: int(frame[f"raw:{canonical}"].null_count())
        for canonical, actual in spec.columns.items()
    }


def _transaction_checks(tx: pl.DataFrame, spec: TableFile, tables: Tables) -> list[Finding]:
    out: list[Finding] = []
    if tx.height == 0:
        return [Finding("no_rows", "error", "no transaction rows", 0, str(spec.path))]
    no_id = tx.filter(pl.col("CustomerID").is_null())
    severity = "error" if no_id.height == tx.height else "warning"
    out += finding(
        "missing_customer_id",
        severity,
        "rows without a customer id (left out of the segmentation)",
        no_id,
        spec,
        "CustomerID",
    )
    out += finding(
        "missing_dates",
        "error",
        "rows without a date",
        tx.filter(pl.col("raw:TransactionDate").is_null()),
        spec,
        "TransactionDate",
    )
    fmt = spec.date_formats.get("TransactionDate", "")
    out += finding(
        "unparsable_dates",
        "error",
        f"dates that do not parse as {fmt}",
        tx.filter(
            pl.col("raw:TransactionDate").is_not_null() & pl.col("TransactionDate").is_null()
        ),
        spec,
        "TransactionDate",
    )
    for canonical in NUMBER_COLUMNS:
        if canonical not in spec.columns:
            continue
        raw, value = pl.col(f"raw:{canonical}"), pl.col(canonical)
        out += finding(
            f"not_a_number_{canonical}",
            "error",
            f"{canonical} values that are not numbers",
            tx.filter(rules.not_a_number(raw, value)),
            spec,
            canonical,
        )
        if canonical == "TotalValue":
            continue
        out += finding(
            f"negative_{canonical}",
            "warning",
            f"negative {canonical} (returns: handled by --returns)",
            tx.filter(value < 0),
            spec,
            canonical,
        )
        out += finding(
            f"zero_{canonical}",
            "warning",
            f"zero {canonical} (kept as part of their order)",
            tx.filter(value == 0),
            spec,
            canonical,
        )
    if {"TotalValue", "Quantity", "Price"} <= set(spec.columns):
        expected = pl.col("Quantity") * pl.col("Price")
        gap = (pl.col("TotalValue") - expected).abs()
        tolerance = pl.max_horizontal(
            pl.lit(VALUE_TOLERANCE_ABS), VALUE_TOLERANCE_REL * pl.col("TotalValue").abs()
        )
        wrong = tx.filter(gap > tolerance).with_columns(
            pl.format(
                "{} != {} x {}",
                pl.col("raw:TotalValue"),
                pl.col("raw:Quantity"),
                pl.col("raw:Price"),
            ).alias("shown")
        )
        out += finding(
            "total_not_quantity_times_price",
            "warning",
            f"TotalValue differs from Quantity x Price by more than {VALUE_TOLERANCE_ABS}",
            wrong,
            spec,
            "TotalValue",
            value_column="shown",
        )
    out += _duplicate_checks(tx, spec, tables)
    if tables.info.get("kind") == "log" and "TransactionID" in spec.columns:
        prefix = tables.info["data_quality"].get("cancelled_order_prefix")
        if prefix:
            out += finding(
                "cancelled_orders",
                "info",
                f"lines of cancelled orders (order id {prefix} followed by digits)",
                tx.filter(pl.col("TransactionID").str.contains(CANCEL_ID).fill_null(False)),
                spec,
                "TransactionID",
            )
    return out


def _duplicate_checks(tx: pl.DataFrame, spec: TableFile, tables: Tables) -> list[Finding]:
    if "TransactionID" not in spec.columns:
        return []
    ids = tx.filter(pl.col("TransactionID").is_not_null())
    if tables.info.get("kind") != "log":
        # Folder layout: one row per transaction, so an id must not repeat.
        return finding(
            "duplicate_transaction_ids",
            "warning",
            "transaction ids used on more than one row",
            ids.filter(~pl.col("TransactionID").is_first_distinct()),
            spec,
            "TransactionID",
        )
    # A log has one row per order line: an order id repeats, but within one customer.
    owners = ids.group_by("TransactionID").agg(pl.col("CustomerID").drop_nulls().n_unique())
    shared = owners.filter(pl.col("CustomerID") > 1)["TransactionID"]
    out = finding(
        "orders_with_several_customers",
        "warning",
        "order ids used by more than one customer",
        ids.filter(pl.col("TransactionID").is_in(shared.implode())),
        spec,
        "TransactionID",
    )
    # Identical in every column of the file, not only the mapped ones: two lines that
    # differ in a column segtui does not read (a line number) are the same item bought
    # twice, which is a quantity and is counted.
    raw = _raw(spec)
    everything = [c for c in raw.collect_schema().names() if c != "row"]
    repeated = raw.filter(~pl.struct(everything).is_first_distinct()).select("row").collect()
    out += finding(
        "duplicate_lines",
        "warning",
        "lines identical to an earlier line in every column (kept and counted: "
        "remove them first if the export repeated them)",
        tx.filter(pl.col("row").is_in(repeated["row"].implode())),
        spec,
        "TransactionID",
    )
    return out


def _customer_checks(
    tx: pl.DataFrame, customers: pl.DataFrame, tx_spec: TableFile, spec: TableFile
) -> list[Finding]:
    out: list[Finding] = []
    known = customers["CustomerID"].drop_nulls().implode()
    out += finding(
        "duplicate_customer_ids",
        "error",
        "customer ids listed twice in the customers table",
        customers.filter(
            pl.col("CustomerID").is_not_null() & ~pl.col("CustomerID").is_first_distinct()
        ),
        spec,
        "CustomerID",
    )
    if "SignupDate" in spec.columns:
        out += finding(
            "unparsable_signup_dates",
            "warning",
            f"signup dates that do not parse as {spec.date_formats.get('SignupDate')}",
            customers.filter(
                pl.col("raw:SignupDate").is_not_null() & pl.col("SignupDate").is_null()
            ),
            spec,
            "SignupDate",
        )
    out += finding(
        "unknown_customers",
        "warning",
        "transactions for customer ids not in the customers table",
        tx.filter(pl.col("CustomerID").is_not_null() & ~pl.col("CustomerID").is_in(known)),
        tx_spec,
        "CustomerID",
    )
    buyers = tx["CustomerID"].drop_nulls().unique().implode()
    out += finding(
        "customers_without_transactions",
        "info",
        "customers without any transaction (kept as segment -1 'No purchases')",
        customers.filter(pl.col("CustomerID").is_not_null() & ~pl.col("CustomerID").is_in(buyers)),
        spec,
        "CustomerID",
    )
    if "SignupDate" in customers.columns:
        signup = customers.select("CustomerID", pl.col("SignupDate").alias("_signup"))
        early = (
            tx.join(signup.unique("CustomerID", keep="first"), on="CustomerID", how="inner")
            .filter(pl.col("TransactionDate") < pl.col("_signup"))
            .sort("row")
        )
        if early.height:
            n_customers = early["CustomerID"].n_unique()
            out += finding(
                "transactions_before_signup",
                "warning",
                f"transactions dated before the customer's SignupDate ({n_customers} customers)",
                early,
                tx_spec,
                "TransactionDate",
            )
    return out


def _product_checks(
    tx: pl.DataFrame, products: pl.DataFrame, tx_spec: TableFile, spec: TableFile
) -> list[Finding]:
    if "ProductID" not in tx.columns:
        return []
    known = products["ProductID"].drop_nulls().implode()
    return finding(
        "unknown_products",
        "warning",
        "transactions for product ids not in the products table",
        tx.filter(pl.col("ProductID").is_not_null() & ~pl.col("ProductID").is_in(known)),
        tx_spec,
        "ProductID",
    )

"""A single transaction log (one order export) read into the canonical :class:`Tables`.

The feature engine sees the same canonical columns as for the three-table folder, so every
feature is computed by the same code. Columns are named by the mapping (``--customer-col``
... or the ``[mapping]`` table) or detected from common spellings (``columns.ALIASES``).

Every decision about a column is taken on the whole column, in one pass over the file
(``_decide_columns``): the date format (``dates.py``), the cancellation convention
(``returns.py``), the decimal separator (``logvalues.py``) and a currency column
(``currency.py``). Returns, cancellations and zero-value lines follow one rule for
every source (``returns.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from segtui.engine.errors import InputError, OptionError
from segtui.engine.io import dates, detect, readers
from segtui.engine.io.columns import NUMBER_COLUMNS, match_columns
from segtui.engine.io.currency import check_currencies, currency_columns, currency_evidence
from segtui.engine.io.date_columns import decide_dates
from segtui.engine.io.logvalues import (
    comma_to_point,
    decide_decimal_comma,
    number_value,
    separator_evidence,
    text_number_columns,
    text_value,
)
from segtui.engine.io.resources import check_memory
from segtui.engine.io.returns import (
    CANCEL_ID,
    CancelRule,
    cancel_evidence,
    decide_cancellations,
    id_kinds,
    mark_lines,
)
from segtui.engine.io.roles import FLAG_COLUMNS, find_column, fold_name, resolve_columns
from segtui.engine.io.tables import TableFile, Tables

TEXT = ("CustomerID", "TransactionID", "ProductID", "Category", "Region", "CustomerName")
CUSTOMER_COLUMNS = ("Region", "CustomerName")  # per-customer facts a log may carry
COMPUTED_AMOUNT = "Quantity × Price"


def load_log(path: Path, mapping: Mapping[str, str], returns: str = "net") -> Tables:
    """Read one transaction log file (CSV/TSV/gzip CSV/Parquet) as canonical tables.

    Returns :class:`Tables` whose transactions carry CustomerID, TransactionDate,
    TotalValue and the optional columns found, plus the boolean markers ``IsReturn`` and
    ``IsZeroValue`` (``returns.py``); customers come from ``mapping['customers']`` or
    from Region/CustomerName columns of the log.
    """
    if returns not in ("net", "drop"):
        raise OptionError("--returns must be net or drop", value=returns)
    # The same bound a folder gets (sources.load_folder): a clear error, not an OOM kill.
    extra = [Path(mapping["customers"])] if mapping.get("customers") else []
    check_memory([path, *(p for p in extra if p.is_file())], str(path))
    delimiter = mapping.get("delimiter")
    structure_warnings: list[str] = []
    header = readers.read_header(path, delimiter, structure_warnings)
    separator = None if readers.is_parquet(path) else readers.sniff_delimiter(path, delimiter)
    raw = readers.scan_raw(path, separator)
    schema = raw.collect_schema()
    try:
        columns, detected, decisions = resolve_columns(header, mapping, path, raw, schema)
    except pl.exceptions.PolarsError as exc:
        raise readers.read_error(path, separator, exc) from None
    try:
        cancel, comma, currency = _decide_columns(
            raw, header, columns, schema, separator, path, mapping.get("cancelled_ids") or "auto"
        )
    except pl.exceptions.PolarsError as exc:
        raise readers.read_error(path, separator, exc) from None
    warnings: list[str] = [*decisions.warnings, *cancel.warnings]
    # Re-reads for error rows and `validate` see decimal-comma numbers already as 1234.5.
    commas = [columns[c] for c in NUMBER_COLUMNS if c in columns] if comma else []
    spec = TableFile(
        path=path,
        kind="transactions",
        columns={c: a for c, a in columns.items() if c not in CUSTOMER_COLUMNS},
        text_scan=lambda: _text_scan(path, separator, commas),
        warnings=structure_warnings,
        delimiter=separator,
    )
    decide_dates(spec, raw, "TransactionDate", mapping.get("date_format"))
    date_format = spec.date_formats["TransactionDate"]
    transactions = raw.select(_canonical(columns, schema, date_format, cancel.applies, comma))
    if "TotalValue" not in columns:
        total = pl.col("Quantity") * pl.col("Price")
        transactions = transactions.with_columns(total.alias("TotalValue"))
    numbers = [c for c in NUMBER_COLUMNS if c in columns or c == "TotalValue"]
    transactions = mark_lines(transactions, numbers, returns, "_cancelled")
    files = {"transactions": spec}
    customers = None
    if mapping.get("customers"):
        customers, files["customers"] = _load_customers(Path(mapping["customers"]), mapping)
    elif any(c in columns for c in CUSTOMER_COLUMNS):
        customers, files["customers"] = _customers_from_log(transactions, columns, spec)
    shown = {c: columns.get(c, COMPUTED_AMOUNT) for c in FLAG_COLUMNS.values() if c in columns}
    if "TotalValue" not in columns:
        shown["TotalValue"] = COMPUTED_AMOUNT
    shown.update({c: columns[c] for c in CUSTOMER_COLUMNS if c in columns})
    info: dict[str, Any] = {
        "kind": "log",
        "marks_returns": True,
        "warnings": warnings,
        "mapping": shown,
        "detected": [c for c in shown if c in detected],
        "date_format": date_format,
        "format": readers.describe_format(path, separator),
        "data_quality": {
            "source_format": readers.describe_format(path, separator),
            "column_mapping": shown,
            "detected_columns": [c for c in shown if c in detected],
            "date_format": date_format,
            "returns_rule": returns,
            **cancel.data_quality(),
            "decimal_comma": comma,
            **currency,
            "column_reasons": decisions.reasons,
            "column_samples": {c: detect.samples(raw, a) for c, a in shown.items() if a in schema},
            "quantity_candidates": decisions.quantity_like,
            **spec.data_quality,
        },
    }
    return Tables(
        transactions=transactions,
        customers=customers,
        products=None,
        files=files,
        label=str(path),
        info=info,
    )


def _text_scan(
    path: Path, separator: str | None, decimal_comma_columns: list[str] | None = None
) -> pl.LazyFrame:
    raw = readers.scan_raw(path, separator)
    if readers.is_parquet(path):
        return raw.select(pl.all().cast(pl.String))
    if decimal_comma_columns:
        raw = raw.with_columns(
            comma_to_point(pl.col(c).str.strip_chars()) for c in decimal_comma_columns
        )
    return raw


def _decide_columns(
    raw: pl.LazyFrame,
    header: list[str],
    columns: dict[str, str],
    schema: pl.Schema,
    separator: str | None,
    path: Path,
    cancel_mode: str,
) -> tuple[CancelRule, bool, dict[str, Any]]:
    """The cancellation rule, the decimal comma and the currency check, each decided on
    its whole column in one pass over the file. Returns (rule, decimal comma, the
    currency's data_quality entries); raises InputError where the evidence changes
    within the file (naming the row) or the amounts are in several currencies."""
    order = columns.get("TransactionID")
    text = text_number_columns(columns, schema) if separator not in (None, ",") else []
    currencies = currency_columns(header, set(columns.values()))
    exprs: list[pl.Expr] = []
    derived: list[pl.Expr] = []
    if order is not None and cancel_mode != "off":
        derived, exprs = id_kinds(text_value(order)), cancel_evidence()
    exprs += separator_evidence(text) + currency_evidence(currencies)
    evidence: dict[str, Any] | None = None
    if exprs:
        evidence = (
            raw.with_row_index("_row", offset=1)
            .with_columns(derived)
            .select(exprs)
            .collect(engine="streaming")
            .row(0, named=True)
        )
    cancel = decide_cancellations(evidence, cancel_mode, path, order)
    comma = decide_decimal_comma(evidence, text, path) if evidence and text else False
    currency = check_currencies(evidence, currencies, raw, path) if evidence else {}
    return cancel, comma, currency


def _canonical(
    columns: dict[str, str],
    schema: pl.Schema,
    date_format: str,
    cancel: bool,
    decimal_comma: bool,
) -> list[pl.Expr]:
    """The canonical columns parsed once each, plus ``_cancelled`` (the order id is
    ``C`` + digits and the rule applies); ``returns.mark_lines`` then marks the lines."""
    exprs: list[pl.Expr] = [dates.parse_expr(columns["TransactionDate"], date_format)]
    exprs[0] = exprs[0].alias("TransactionDate")
    for canonical in TEXT:
        if canonical in columns:
            exprs.append(text_value(columns[canonical]).alias(canonical))
    for c in NUMBER_COLUMNS:
        if c in columns:
            exprs.append(number_value(columns[c], schema[columns[c]], decimal_comma).alias(c))
    cancelled = (
        text_value(columns["TransactionID"]).str.contains(CANCEL_ID).fill_null(False)
        if cancel
        else pl.lit(False)
    )
    exprs.append(cancelled.alias("_cancelled"))
    return exprs


def _customers_from_log(
    transactions: pl.LazyFrame, columns: dict[str, str], spec: TableFile
) -> tuple[pl.LazyFrame, TableFile]:
    """One row per customer with the most frequent Region/CustomerName on their lines
    (ties: the alphabetically first), so every customer id of the log is listed."""
    present = [c for c in CUSTOMER_COLUMNS if c in columns]
    frame = (
        transactions.filter(pl.col("CustomerID").is_not_null())
        .group_by("CustomerID")
        .agg([pl.col(c).drop_nulls().mode().sort().first().alias(c) for c in present])
    )
    derived = TableFile(
        path=spec.path,
        kind="customers",
        columns={"CustomerID": columns["CustomerID"], **{c: columns[c] for c in present}},
        text_scan=spec.text_scan,
    )
    return frame, derived


def _load_customers(path: Path, mapping: Mapping[str, str]) -> tuple[pl.LazyFrame, TableFile]:
    """The ``--customers`` file (any supported format): CustomerID plus CustomerName,
    Region, SignupDate when present; the id column may be named like the log's."""
    structure_warnings: list[str] = []
    header = readers.read_header(path, None, structure_warnings)
    separator = None if readers.is_parquet(path) else readers.sniff_delimiter(path)
    wanted = mapping.get("customer_col")
    columns = match_columns(header, "customers")
    if wanted and any(fold_name(h) == fold_name(wanted) for h in header):
        columns["CustomerID"] = find_column(header, wanted, "customer_col", path)
    if "CustomerID" not in columns:
        raise InputError(
            f"no customer id column in the customers file (columns: {', '.join(header)})",
            file=path,
            column="CustomerID",
        )
    raw = readers.scan_raw(path, separator)
    spec = TableFile(
        path=path,
        kind="customers",
        columns=columns,
        text_scan=lambda: _text_scan(path, separator, []),
        warnings=structure_warnings,
        delimiter=separator,
    )
    if "SignupDate" in columns:
        decide_dates(spec, raw, "SignupDate", None)
    exprs = [
        text_value(columns[c]).alias(c)
        for c in ("CustomerID", "CustomerName", "Region")
        if c in columns
    ]
    if "SignupDate" in columns:
        signup = dates.parse_expr(columns["SignupDate"], spec.date_formats["SignupDate"])
        exprs.append(signup.alias("SignupDate"))
    return raw.select(exprs), spec

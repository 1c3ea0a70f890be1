"""The checks of ``segtui validate`` that mirror ``segtui run``'s hard limits.

``validate`` promises that a source it calls usable is one ``run`` can read; these
checks report, as findings, what ``run`` refuses (numbers that are not finite or too
large to add up exactly, dates outside 1900-2199) or reads by a documented rule (rows
with fewer fields than the header, empty line totals).
"""

from __future__ import annotations

import polars as pl

from segtui.engine.io.columns import NUMBER_COLUMNS
from segtui.engine.io.tables import TableFile
from segtui.engine.quality import rules
from segtui.engine.quality.findings import Finding, finding


def limit_findings(
    tx: pl.DataFrame,
    tx_spec: TableFile,
    customers: pl.DataFrame | None,
    cust_spec: TableFile | None,
    products_spec: TableFile | None,
) -> list[Finding]:
    """Findings for out-of-range numbers and dates, empty line totals and short rows.

    ``tx`` and ``customers`` are validate's typed frames (``raw:<column>`` text plus the
    parsed column). Returns the findings, possibly none."""
    out: list[Finding] = []
    for canonical in NUMBER_COLUMNS:
        if canonical not in tx_spec.columns:
            continue
        value = pl.col(canonical)
        out += finding(
            f"not_finite_{canonical}",
            "error",
            f"{canonical} values that are not finite or too large to add up exactly (limit 1e32)",
            tx.filter(rules.not_finite(value)),
            tx_spec,
            canonical,
        )
    if "TotalValue" in tx_spec.columns:
        out += finding(
            "missing_TotalValue",
            "warning",
            "transaction rows without a TotalValue (each counts as a purchase of 0)",
            tx.filter(pl.col("raw:TotalValue").is_null()),
            tx_spec,
            "TotalValue",
        )
    out += _date_range(tx, tx_spec, "TransactionDate")
    if customers is not None and cust_spec is not None and "SignupDate" in cust_spec.columns:
        out += _date_range(customers, cust_spec, "SignupDate")
    for spec in (tx_spec, cust_spec, products_spec):
        if spec is not None:
            out += [Finding("read_warning", "warning", w, 1, str(spec.path)) for w in spec.warnings]
    return out


def _date_range(frame: pl.DataFrame, spec: TableFile, canonical: str) -> list[Finding]:
    return finding(
        f"out_of_range_{canonical}",
        "error",
        f"{rules.range_text().replace('date ', 'dates ')}; {rules.DATE_RANGE_HINT}",
        frame.filter(rules.date_out_of_range(pl.col(canonical))),
        spec,
        canonical,
    )

"""Check segtui's per-customer features against an independent pandas computation.

    python bench/check_purchases.py LOG [LOG ...] [--map key=value ...]

For each log, segtui reads it as ``segtui run`` would (columns detected, or named with
``--map order_col=Invoice``) and computes frequency, total_spend, avg_transaction_value
and recency_days. The same figures are then computed with pandas from the raw file,
following docs/data.md's written rules, not segtui's code:

- a *return line* has a negative quantity or amount, or is a cancelled order (an id of
  ``C`` and digits, where segtui says the log uses that convention); a *zero-value line*
  has a zero amount, quantity or price; every other line is a *purchase line*;
- total_spend = sum of every line's amount, returns counted as negative;
- frequency = distinct order ids among purchase lines, or distinct purchase days when the
  log has no order id (customer-days);
- recency_days = days from the last purchase day to the as-of date (the day after the
  last purchase line of the whole log).

Only the column names and the date format are taken from segtui (what it detected is
printed, to be judged by a person). It prints, per log, the purchase definition, the
number of customers compared and the largest absolute difference of each feature, and
how far a line count would be from the purchase count. Exit 1 when a difference is
above 1e-6 (money) or 0 (counts).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

FEATURES = ["total_spend", "frequency", "avg_transaction_value", "recency_days"]


def segtui_features(path: Path, mapping: dict[str, str]) -> tuple[pd.DataFrame, dict]:
    from segtui.engine.features.compute import compute_features
    from segtui.engine.io.sources import load_source

    tables = load_source(path, mapping)
    table = compute_features(tables, FEATURES)
    frame = table.frame.to_pandas()
    # customers with a purchase line: clustered ones, and net returners (segment -2),
    # whose returns exceed their purchases but who did buy
    bought = frame["has_purchases"].fillna(False)
    if "net_returner" in frame.columns:
        bought |= frame["net_returner"].fillna(False)
    frame = frame[bought]
    return frame.set_index("CustomerID"), {
        "columns": tables.files["transactions"].columns,
        "date_format": tables.files["transactions"].date_formats["TransactionDate"],
        "data_quality": table.data_quality,
    }


def read_raw(path: Path, columns: dict[str, str]) -> pd.DataFrame:
    wanted = list(dict.fromkeys(columns.values()))
    if path.suffix.lower() in (".parquet", ".pq"):
        frame = pd.read_parquet(path, columns=wanted)
        # ids as text, as segtui reads them (a float id 13085.0 keeps its digits)
        for canonical in ("CustomerID", "TransactionID"):
            if canonical in columns:
                frame[columns[canonical]] = frame[columns[canonical]].map(
                    lambda v: None if pd.isna(v) else str(v)
                )
        return frame
    return pd.read_csv(path, usecols=wanted, dtype=str, keep_default_na=False)


def pandas_features(path: Path, info: dict) -> tuple[pd.DataFrame, int]:
    """The features by the written rules; also the number of purchase lines."""
    cols = info["columns"]
    raw = read_raw(path, cols)
    customer = raw[cols["CustomerID"]].astype("string").str.strip()
    customer = customer.where(customer != "", None)

    def number(canonical: str) -> pd.Series:
        values = raw[cols[canonical]]
        if values.dtype == object or str(values.dtype).startswith("string"):
            text = values.astype(str).str.strip()
            if info["data_quality"].get("decimal_comma"):
                text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
            return pd.to_numeric(text, errors="coerce")
        return values.astype(float)

    amount = number("TotalValue") if "TotalValue" in cols else number("Quantity") * number("Price")
    quantity = number("Quantity") if "Quantity" in cols else None
    price = number("Price") if "Price" in cols else None
    date_text = raw[cols["TransactionDate"]]
    fmt = info["date_format"]
    if pd.api.types.is_datetime64_any_dtype(date_text):
        when = date_text.dt.tz_localize(None) if date_text.dt.tz is not None else date_text
    else:
        when = pd.to_datetime(date_text.astype(str).str.strip(), format=fmt)
    order = None
    if "TransactionID" in cols:
        order = raw[cols["TransactionID"]].astype("string").str.strip()
    cancelled = pd.Series(False, index=raw.index)
    if order is not None and info["data_quality"].get("cancelled_order_prefix"):
        cancelled = order.str.fullmatch(r"[Cc][0-9]+").fillna(False).astype(bool)
    is_return = cancelled | (amount < 0).fillna(False)
    if quantity is not None:
        is_return |= (quantity < 0).fillna(False)
    zero = (amount == 0).fillna(False)
    for part in (quantity, price):
        if part is not None:
            zero |= (part == 0).fillna(False)
    purchase = ~is_return & ~zero
    signed = amount.where(~is_return, -amount.abs())
    lines = pd.DataFrame(
        {
            "customer": customer,
            "value": signed,
            "day": when.dt.normalize(),
            "purchase": purchase,
            "key": order if order is not None else when.dt.normalize().astype(str),
        }
    )
    lines = lines[lines["customer"].notna()]
    spend = lines.groupby("customer")["value"].sum()
    bought = lines[lines["purchase"]]
    frequency = bought.groupby("customer")["key"].nunique()
    last = bought.groupby("customer")["day"].max()
    as_of = last.max() + pd.Timedelta(days=1)
    out = pd.DataFrame({"total_spend": spend}).join(frequency.rename("frequency"), how="inner")
    out["avg_transaction_value"] = out["total_spend"] / out["frequency"]
    out["recency_days"] = (as_of - last.reindex(out.index)).dt.days
    return out, int(len(bought))


def compare(path: Path, mapping: dict[str, str]) -> bool:
    ours, info = segtui_features(path, mapping)
    theirs, purchase_lines = pandas_features(path, info)
    definition = info["data_quality"]["purchase_definition"]
    print(f"{path}")
    print(f"  mapping: {info['columns']}; dates {info['date_format']}")
    print(f"  purchases: {definition['text']}")
    common = ours.index.intersection(theirs.index)
    missing = len(ours.index.symmetric_difference(theirs.index))
    print(
        f"  customers with purchases: segtui {len(ours):,}, pandas {len(theirs):,}, "
        f"in one only {missing:,}"
    )
    ok = missing == 0
    for name in FEATURES:
        diff = np.abs(ours.loc[common, name].astype(float) - theirs.loc[common, name].astype(float))
        worst = float(diff.max()) if len(diff) else 0.0
        limit = 0.0 if name in ("frequency", "recency_days") else 1e-6
        ok &= worst <= limit
        print(f"  {name:<22} max abs diff {worst:.3g}")
    purchases = int(theirs["frequency"].sum())
    print(
        f"  purchase lines {purchase_lines:,} vs purchases {purchases:,} "
        f"({purchase_lines / max(purchases, 1):.2f} lines per purchase)"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("logs", nargs="+", type=Path)
    parser.add_argument("--map", action="append", default=[], help="mapping key=value")
    args = parser.parse_args()
    mapping = dict(item.split("=", 1) for item in args.map)
    results = [compare(path, mapping) for path in args.logs]
    print("all equal" if all(results) else "DIFFERENCES FOUND")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Segment quality on heavy-tailed data: k chosen, smallest segment share, stability, DB.

    python bench/segment_quality.py DATASET [--log off|on|auto] [--transform log1p|rank]
        [--features a,b,c] [--k auto]

DATASET is ``realistic10k``, ``realistic1m``, ``reference``, ``planted``, ``retail`` (an
Online-Retail-like single log generated here: 4,300 customers, 90% in one country,
Pareto order counts, month-first dates, cancellations) or a path. Prints one JSON line.
``--transform rank`` replaces log1p by a rank (normal-score) transform of every
money/count feature, to compare the two (issue 15); the engine ships log1p.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import polars as pl

CACHE = Path("/tmp/segtui-quality")


def retail_log(path: Path, n_customers: int = 4300, seed: int = 3) -> Path:
    """Write an Online-Retail-like log (InvoiceNo, StockCode, Description, Quantity,
    InvoiceDate m/d/Y H:M, UnitPrice, CustomerID, Country) to ``path``."""
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    ids = rng.choice(np.arange(12346, 18288), size=n_customers, replace=False)
    country = np.where(
        rng.random(n_customers) < 0.9,
        "United Kingdom",
        rng.choice(["Germany", "France", "EIRE", "Spain", "Netherlands"], n_customers),
    )
    invoices = 1 + np.floor(rng.pareto(1.1, n_customers) * 1.5).astype(int)
    invoices = np.minimum(invoices, 250)
    lines_per = 1 + rng.poisson(18, invoices.sum())
    customer_of_invoice = np.repeat(np.arange(n_customers), invoices)
    start = rng.uniform(0, 373, n_customers)
    inv_day = start[customer_of_invoice] + rng.uniform(0, 1, invoices.sum()) * (
        373 - start[customer_of_invoice]
    )
    line_invoice = np.repeat(np.arange(invoices.sum()), lines_per)
    m = line_invoice.shape[0]
    wholesale = rng.random(n_customers) < 0.01
    qty = 1 + rng.poisson(np.where(wholesale[customer_of_invoice[line_invoice]], 200, 8), m)
    price = np.round(np.exp(rng.normal(1.0, 0.8, m)), 2)
    cancelled = rng.random(invoices.sum()) < 0.02
    sign = np.where(cancelled[line_invoice], -1, 1)
    when = np.datetime64("2010-12-01T08:00") + (inv_day[line_invoice] * 1440).astype(
        "timedelta64[m]"
    )
    frame = pl.DataFrame(
        {
            "InvoiceNo": np.char.add(
                np.where(cancelled[line_invoice], "C", ""),
                (536365 + line_invoice).astype(str),
            ),
            "StockCode": rng.integers(10000, 14000, m).astype(str),
            "Description": "ITEM",
            "Quantity": qty * sign,
            "InvoiceDate": pl.Series(when.astype("datetime64[ms]")).dt.strftime("%-m/%-d/%Y %H:%M"),
            "UnitPrice": price,
            "CustomerID": ids[customer_of_invoice[line_invoice]].astype(float),
            "Country": country[customer_of_invoice[line_invoice]],
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path)
    return path


def dataset(name: str) -> Path:
    """The folder or file for a dataset name (generated into /tmp once)."""
    from segtui.engine.sample import generate
    from segtui.engine.sample_realistic import generate_realistic

    target = CACHE / name
    if name == "reference":
        return Path(__file__).resolve().parents[1] / "tests" / "data" / "reference"
    if name == "retail":
        return retail_log(CACHE / "retail.csv")
    if target.exists():
        return target
    if name == "realistic10k":
        generate_realistic(10_000, seed=7).write(target)
    elif name == "realistic1m":
        generate_realistic(1_000_000, seed=7).write(target, fmt="parquet")
    elif name == "planted":
        generate(1000, 10_000, seed=7, groups=4).write(target)
    else:
        return Path(name)
    return target


def rank_transform(frame: pl.DataFrame, features: list[str]) -> pl.DataFrame:
    """Replace money/count features by normal scores of their ranks (for comparison)."""
    from scipy.stats import norm

    from segtui.engine.features.compute import feature_kind

    n = frame.height
    exprs = []
    for name in features:
        if feature_kind(name) in ("money", "count"):
            ranks = frame.get_column(name).rank("average").to_numpy()
            exprs.append(pl.Series(name, norm.ppf((ranks - 0.5) / n)))
    return frame.with_columns(exprs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("--log", default=None)
    parser.add_argument("--transform", default="log1p", choices=["log1p", "rank"])
    parser.add_argument("--features", default=None)
    parser.add_argument("--k", default="auto")
    args = parser.parse_args()
    from segtui.config import Settings
    from segtui.engine.pipeline import cluster, load_features

    settings = Settings(source=dataset(args.dataset), k=args.k if args.k == "auto" else int(args.k))
    if args.features:
        settings = settings.replace(features=tuple(args.features.split(",")))
    if args.log is not None:
        settings = settings.replace(log=args.log)
    started = time.perf_counter()
    _tables, table = load_features(settings)
    if args.transform == "rank":
        table.frame = rank_transform(table.frame, table.features)
        settings = settings.replace(log="off")
    result = cluster(table, settings, args.dataset)
    summary = result.summary()
    sizes = [s["size"] for s in summary["segments"]]
    dominance = [row["cramers_v"] for row in summary["diagnostics"]["dominance"]]
    print(
        json.dumps(
            {
                "dataset": args.dataset,
                "log": str(settings.log),
                "transform": args.transform,
                "k": result.k,
                "smallest_share": round(min(sizes) / sum(sizes), 4),
                "stability": round(summary["diagnostics"]["stability"]["stability"], 3),
                "davies_bouldin": round(result.metrics.davies_bouldin, 3),
                "max_cramers_v": round(max(dominance), 3) if dominance else None,
                "names": [
                    f"{s['name']} [{s.get('value_tier', '')}/{s.get('activity', '')}] "
                    f"{s['share']:.1%}"
                    for s in summary["segments"]
                ],
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )


if __name__ == "__main__":
    main()

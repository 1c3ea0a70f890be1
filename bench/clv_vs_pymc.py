"""Cross-check of segtui's BG/NBD fit against pymc-marketing on shared data.

pymc-marketing is not a segtui dependency. Run in two steps:

    python bench/clv_vs_pymc.py make DIR        # segtui's venv: write DIR/shared_rfm.csv
    /tmp/pymc/bin/python bench/clv_vs_pymc.py pymc DIR   # a venv with pymc-marketing

The shared data: the CDNOW calibration histories (tests/data/cdnow, as-of 1997-10-01),
sorted by customer id, resampled to 1,000,000 customers (numpy seed 0) with ages jittered
by 0-29 days. At this size the priors of pymc-marketing's MAP fit no longer matter, so its
estimate should equal the maximum-likelihood one; tests/test_value_models.py checks
segtui's fit against the figures recorded in bench/results_clv.txt.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

CUSTOMERS = 1_000_000


def shared_histories():  # type: ignore[no-untyped-def]
    """(x, t_x, T) arrays of the shared data set (deterministic)."""
    import datetime as dt
    import tempfile

    import numpy as np

    from segtui.engine.io.logfile import load_log
    from segtui.engine.value.summary import calibration_summary

    cdnow = Path(__file__).resolve().parent.parent / "tests" / "data" / "cdnow"
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "cdnow.csv"
        rows = [
            ",".join(line.split()) for line in (cdnow / "CDNOW_sample.txt").read_text().splitlines()
        ]
        log.write_text("customer,cohort,date,quantity,amount\n" + "\n".join(rows) + "\n")
        mapping = {"customer_col": "customer", "date_col": "date", "date_format": "%Y%m%d",
                   "amount_col": "amount"}  # fmt: skip
        summary = calibration_summary(load_log(log, mapping), dt.date(1997, 10, 1))
    summary = summary.sort("CustomerID")
    rng = np.random.default_rng(0)
    pick = rng.integers(0, summary.height, CUSTOMERS)
    x = summary.get_column("x").to_numpy()[pick].astype(float)
    T = summary.get_column("T").to_numpy()[pick] + rng.integers(0, 30, CUSTOMERS) / 7
    t_x = np.minimum(summary.get_column("t_x").to_numpy()[pick], T)
    return x, t_x, T


def make(folder: Path) -> None:
    import polars as pl

    x, t_x, T = shared_histories()
    frame = pl.DataFrame({"customer_id": range(x.size), "frequency": x, "recency": t_x, "T": T})
    frame.write_csv(folder / "shared_rfm.csv")


def pymc(folder: Path) -> None:
    import pandas as pd
    from pymc_marketing.clv import BetaGeoModel

    data = pd.read_csv(folder / "shared_rfm.csv")
    started = time.perf_counter()
    model = BetaGeoModel(data=data)
    model.build_model()
    model.fit(method="map")
    print(f"pymc-marketing MAP on {len(data):,} customers: {time.perf_counter() - started:.1f} s")
    print(model.fit_summary())


if __name__ == "__main__":
    {"make": make, "pymc": pymc}[sys.argv[1]](Path(sys.argv[2]))

"""The holdout check: fit on the calibration period (before the as-of date), then compare
the predicted with the actual repeat purchases (purchase days) of the same customers in the
following period, week by week, as the tracking plots of Fader, Hardie & Lee (2005) do.

Predictions are conditional expectations E[Y(t) | x, t_x, T] summed over customers; the
aggregate error is (predicted - actual) / actual at the end of the holdout period.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import polars as pl

from segtui.engine.value import bgnbd
from segtui.engine.value.summary import DAY, DAYS_PER_UNIT


def unique_histories(
    x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (x, t_x, T) rows with their counts and each customer's index into them:
    histories are in whole days, so a million customers share far fewer distinct rows and
    the hypergeometric function runs once per distinct row."""
    codes, sizes = [], []
    for column in (x, t_x, T):
        values, inverse = np.unique(column, return_inverse=True)
        codes.append(inverse.reshape(-1).astype(np.int64))
        sizes.append(values.size)
    if float(sizes[0]) * sizes[1] * sizes[2] < 2.0**62:
        # one int64 key per row: 1-D unique is ten times faster than unique(axis=0)
        key = (codes[0] * sizes[1] + codes[1]) * sizes[2] + codes[2]
        _, first, index, counts = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
    else:  # pragma: no cover - needs more than ~1.6 million distinct values per column
        rows = np.column_stack([x, t_x, T])
        _, first, index, counts = np.unique(
            rows, axis=0, return_index=True, return_inverse=True, return_counts=True
        )
    return x[first], t_x[first], T[first], counts, index.reshape(-1)


def tracking(
    params: dict[str, float],
    calibration: pl.DataFrame,
    holdout: pl.DataFrame,
    as_of: dt.date,
    end: dt.date,
) -> dict[str, Any]:
    """The holdout report: per week, the cumulative actual and predicted repeat purchases
    of the calibration customers, and the aggregate error at ``end`` (inclusive)."""
    days = (end - as_of).days + 1
    weeks = math.ceil(days / 7)
    known = holdout.join(calibration.select("CustomerID"), on="CustomerID", how="semi")
    newcomers = (
        holdout.get_column("CustomerID").n_unique() - known.get_column("CustomerID").n_unique()
    )
    week_of = known.select(((pl.col(DAY) - pl.lit(as_of)).dt.total_days() // 7).alias("w"))
    per_week = np.bincount(week_of.get_column("w").to_numpy(), minlength=weeks)[:weeks]
    actual = np.cumsum(per_week)
    x, t_x, T, counts, _ = unique_histories(
        calibration.get_column("x").to_numpy().astype(np.float64),
        calibration.get_column("t_x").to_numpy(),
        calibration.get_column("T").to_numpy(),
    )
    rows: list[dict[str, Any]] = []
    total_predicted = 0.0
    for week in range(1, weeks + 1):
        t = min(7 * week, days) / DAYS_PER_UNIT
        predicted = float(np.sum(counts * bgnbd.expected_purchases(params, t, x, t_x, T)))
        total_predicted = round(predicted, 1)
        rows.append(
            {
                "week": week,
                "through": (as_of + dt.timedelta(days=min(7 * week, days) - 1)).isoformat(),
                "actual": int(actual[week - 1]),
                "predicted": round(predicted, 1),
            }
        )
    # The paper's tracking plot (Fig. 2) forecasts from each customer's age alone:
    # E[X(T + t)] - E[X(T)]; given for comparison with the conditional forecast.
    T_all = calibration.get_column("T").to_numpy()
    horizon = days / DAYS_PER_UNIT
    unconditional = float(
        np.sum(
            bgnbd.expected_unconditional(params, T_all + horizon)
            - bgnbd.expected_unconditional(params, T_all)
        )
    )
    total_actual = int(actual[-1])
    error = (total_predicted - total_actual) / total_actual if total_actual else None
    return {
        "start": as_of.isoformat(),
        "end": end.isoformat(),
        "weeks": weeks,
        "customers": calibration.height,
        "actual": total_actual,
        "predicted": total_predicted,
        "aggregate_error": round(error, 4) if error is not None else None,
        "predicted_from_age_only": round(unconditional, 1),
        "new_customers_in_holdout": int(newcomers),
        "rows": rows,
    }

"""The backtest's two references, computed on the same customers as the run:

* the RFM R x F grid's ten named cells (``features/rfm.py``: quintile scores on recency
  and frequency, ties broken by rank);
* plain K-Means at k = 4 on z-scored log1p(total spend), log1p(frequency),
  log1p(average order value) and recency in days (not logged), the four-line clustering
  a student writes: scikit-learn's KMeans(n_init=10) with the run's seed.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from segtui.engine.features import rfm

KMEANS_K = 4
KMEANS_FEATURES = ("total_spend", "frequency", "avg_transaction_value", "recency_days")
LOGGED = frozenset({"total_spend", "frequency", "avg_transaction_value"})


def rfm_grid_labels(frame: pl.DataFrame, ids: pl.Series) -> pl.DataFrame:
    """CustomerID, segment (the cell's place in ``rfm.RF_NAMES``), segment_name, activity
    for the customers ``ids`` of the feature frame ``frame``."""
    grid = rfm.rf_grid(frame)
    return (
        pl.DataFrame({"CustomerID": ids})
        .join(grid, on="CustomerID", how="left", maintain_order="left")
        .select(
            pl.col("CustomerID"),
            pl.col("rf_cell")
            .replace_strict(list(rfm.RF_NAMES), list(range(len(rfm.RF_NAMES))))
            .cast(pl.Int64)
            .alias("segment"),
            pl.col("rf_cell").alias("segment_name"),
            pl.col("rf_cell").replace_strict(rfm.RF_ACTIVITY).alias("activity"),
        )
    )


def kmeans_matrix(frame: pl.DataFrame) -> np.ndarray:
    """The reference K-Means' matrix: one column per ``KMEANS_FEATURES`` entry, logged
    with log1p (negative values clipped to 0 first) where listed in ``LOGGED``, then
    z-scored (a constant column stays 0)."""
    columns = []
    for name in KMEANS_FEATURES:
        values = frame.get_column(name).cast(pl.Float64).fill_null(0.0).to_numpy()
        if name in LOGGED:
            values = np.log1p(np.clip(values, 0.0, None))
        sd = values.std()
        columns.append((values - values.mean()) / sd if sd > 0 else np.zeros_like(values))
    return np.column_stack(columns)


def kmeans4_labels(frame: pl.DataFrame, ids: pl.Series, seed: int) -> pl.DataFrame:
    """CustomerID, segment (0 = highest mean total spend), segment_name, activity (null:
    the reference names nothing) of plain K-Means at k = 4 for the customers ``ids``."""
    from sklearn.cluster import KMeans

    rows = pl.DataFrame({"CustomerID": ids}).join(
        frame, on="CustomerID", how="left", maintain_order="left"
    )
    X = kmeans_matrix(rows)
    k = min(KMEANS_K, len(np.unique(X, axis=0)))
    labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(X)
    spend = rows.get_column("total_spend").cast(pl.Float64).fill_null(0.0).to_numpy()
    means = [spend[labels == s].mean() for s in range(k)]
    order = sorted(range(k), key=lambda s: (-means[s], s))
    remap = np.empty(k, dtype=np.int64)
    remap[order] = np.arange(k)
    segment = remap[labels]
    return pl.DataFrame(
        {
            "CustomerID": ids,
            "segment": segment,
            "segment_name": [f"K-Means cluster {s + 1}" for s in segment.tolist()],
            "activity": pl.Series([None] * ids.len(), dtype=pl.String),
        }
    )

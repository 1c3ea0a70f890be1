"""RFM as a method (``--method rfm``): the R x F grid's named cells as segments, and, for
every run, where each segment sits in that grid (the segment x cell table).

The cells and their scores are ``features/rfm.py``'s (``rf_grid``); this module turns them
into labels the finishing steps profile like K-Means labels, and gives each cell its
description, action and activity word.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from segtui.engine.clustering.kmeans import Clustering
from segtui.engine.errors import InputError, OptionError
from segtui.engine.features import rfm

# (description, action) of each cell, in rfm.RF_NAMES order.
CELL_TEXT: dict[str, tuple[str, str]] = {
    "Champions": (
        "Bought most recently and most often (recency score 5, frequency 4-5).",
        "Reward them: early access, loyalty perks and referral asks; they need no discount.",
    ),
    "Loyal customers": (
        "Buy often (frequency 4-5) and not long ago (recency 3-4).",
        "Keep them close: a loyalty tier, cross-sell in their categories, ask for reviews.",
    ),
    "Potential loyalists": (
        "Recent buyers (recency 4-5) with a few purchases (frequency 2-3).",
        "Build the habit: a loyalty invitation and recommendations from what they bought.",
    ),
    "New customers": (
        "Bought very recently (recency 5) and rarely so far (frequency 1).",
        "Onboard: a welcome series and a second-purchase incentive soon after the first.",
    ),
    "Promising": (
        "Fairly recent (recency 4) with one of the fewest purchase counts (frequency 1).",
        "Give them a reason to come back: a time-limited offer on a related product.",
    ),
    "Need attention": (
        "In the middle on both recency and frequency (scores 3 and 3).",
        "Re-engage before they drift: a personal, limited-time offer.",
    ),
    "About to sleep": (
        "Middling recency (3) and few purchases (frequency 1-2).",
        "Wake them with best-sellers and a modest discount; watch the cost per response.",
    ),
    "At risk": (
        "Bought fairly often (frequency 3-4) but long ago (recency 1-2).",
        "Win them back personally: reminders of what they bought and a strong offer.",
    ),
    "Can't lose them": (
        "Among the most frequent buyers (frequency 5) but long gone (recency 1-2).",
        "Reach out directly with the best win-back offer and ask why they stopped.",
    ),
    "Hibernating": (
        "Few purchases (frequency 1-2), long ago (recency 1-2).",
        "Reactivate at low cost only; stop paid spend on those who do not respond.",
    ),
}


def rfm_clustering(clustered: pl.DataFrame, X: np.ndarray) -> tuple[Clustering, list[str]]:
    """Labels from the R x F grid for the clustered customers (rows of ``clustered`` and
    ``X``), numbered 0… in the grid's order over the cells in use, their centres in the
    clustering space, and the cells' names (index = label). InputError when all customers
    fall in one cell (nothing to segment)."""
    grid = rfm.rf_grid(clustered.select("CustomerID", "recency_days", "frequency"))
    cells = (
        clustered.select("CustomerID")
        .join(grid, on="CustomerID", how="left", maintain_order="left")
        .get_column("rf_cell")
    )
    used = [name for name in rfm.RF_NAMES if name in set(cells.to_list())]
    if len(used) < 2:
        raise InputError(
            f"the RFM grid puts every customer in one cell ({used[0] if used else 'none'})",
            hint="use --method kmeans",
        )
    labels = cells.replace_strict(used, list(range(len(used))), return_dtype=pl.Int64).to_numpy()
    centers = np.vstack([X[labels == s].mean(axis=0) for s in range(len(used))])
    inertia = float(np.sum((X - centers[labels]) ** 2))
    return Clustering(labels=labels, centers=centers, inertia=inertia, n_iter=0), used


def name_cells(profiles: list[Any], segments: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Give each profile (label = index into ``names``) its cell's name, description,
    action and activity word; return ``segments`` with segment_name to match."""
    for p in profiles:
        name = names[p.id]
        p.name = name
        p.description, p.action = CELL_TEXT[name]
        p.activity = rfm.RF_ACTIVITY[name]
        p.archetype = "rfm_cell"
    ids = list(range(len(names)))
    return segments.with_columns(
        pl.when(pl.col("segment") >= 0)
        .then(pl.col("segment").replace_strict(ids, names, default=None, return_dtype=pl.String))
        .otherwise(pl.col("segment_name"))
        .alias("segment_name")
    )


def segment_cells(frame: pl.DataFrame, clustered_ids: pl.Series, labels: np.ndarray) -> dict:
    """Where each segment sits in the R x F grid: ``{"cells": [the ten names],
    "segments": {segment id: {cell: customers}}}`` over the clustered customers, the grid
    scored among them (the segment x cell table of every report)."""
    # Only the grid's columns: filtering the whole feature table would copy every column
    # of every buyer (about 1 GB at ten million customers) to read three of them.
    grid_columns = ["CustomerID", "recency_days", "frequency"]
    if "has_purchases" in frame.columns:
        buyers = frame.select(*grid_columns, "has_purchases").filter(pl.col("has_purchases"))
    else:
        buyers = frame.select(grid_columns)
    ids = buyers.get_column("CustomerID")
    if ids.len() == clustered_ids.len() and ids.is_sorted() and ids.equals(clustered_ids):
        # The usual case: the clustered customers are the buyers in id order, so the
        # scores come from numpy ranks by position (1.9 s -> 0.2 s at a million).
        # The cell of each customer: segment x 25 + (R - 1) x 5 + (F - 1), summed in place
        # on one int64 array beside the two int8 score arrays.
        pairs = np.asarray(labels, dtype=np.int64) * 25
        pairs += (5 - rank_scores(buyers.get_column("recency_days").to_numpy())) * 5
        pairs += rank_scores(buyers.get_column("frequency").to_numpy()) - 1
        k = int(np.max(labels)) + 1 if len(labels) else 0
        counts = np.bincount(pairs, minlength=25 * k).reshape(k, 5, 5)
        table = {}
        for segment in range(k):
            if not counts[segment].sum():
                continue
            row = dict.fromkeys(rfm.RF_NAMES, 0)
            for ri in range(5):
                for fi in range(5):
                    row[rfm.rf_cell(ri + 1, fi + 1)] += int(counts[segment, ri, fi])
            table[str(segment)] = row
        return {"cells": list(rfm.RF_NAMES), "segments": table}
    grid = rfm.rf_grid(buyers.filter(pl.col("CustomerID").is_in(clustered_ids.implode())))
    joined = pl.DataFrame({"CustomerID": clustered_ids, "segment": labels}).join(
        grid.select("CustomerID", "rf_cell"), on="CustomerID", how="left"
    )
    grouped = joined.group_by("segment", "rf_cell").len().sort("segment", "rf_cell")
    rows: dict[int, dict[str, int]] = {}
    for segment, cell, n in grouped.iter_rows():
        rows.setdefault(int(segment), dict.fromkeys(rfm.RF_NAMES, 0))[cell] = int(n)
    return {"cells": list(rfm.RF_NAMES), "segments": {str(k): v for k, v in sorted(rows.items())}}


def rank_scores(values: np.ndarray) -> np.ndarray:
    """``rfm.rank_quintile`` in numpy: ranks 1..n in value order, ties in row order, and
    rank r scores 1 + floor(5 (r - 1) / n). Returns int8 scores (1..5), row-aligned.

    The scores in rank order are five runs (rank r is in run q when q n <= 5 (r - 1) <
    (q + 1) n), so they are scattered as runs instead of computed from an int64 rank
    array and its products (five arrays of eight bytes per customer, ~0.4 GB at ten
    million)."""
    n = values.shape[0]
    order = np.argsort(values, kind="stable")
    starts = [-((-q * n) // 5) for q in range(6)]  # ceil(q n / 5): each run's first rank - 1
    scores = np.empty(n, dtype=np.int8)
    scores[order] = np.repeat(np.arange(1, 6, dtype=np.int8), np.diff(starts))
    return scores


def check_modelable(method: str) -> None:
    """Raise OptionError unless a run of ``method`` can be saved as a model: a model
    assigns customers to the nearest segment centre, and the grid's cells are not centres
    (assigning them would need the quintile cut-offs)."""
    if method != "kmeans":
        raise OptionError(
            f"--save-model needs --method kmeans (got --method {method})",
            hint="a saved model assigns customers to the nearest segment centre",
        )

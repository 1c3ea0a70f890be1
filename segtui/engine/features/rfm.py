"""RFM: recency, frequency and monetary quintile scores and the R x F grid's ten named cells.

One grid serves every RFM figure segtui gives: the ``--rfm`` columns of the segments file,
``--method rfm``'s segments, the backtest's reference and every report's segment x cell
table, so a customer has one RFM cell wherever it is shown.

Scores are computed among the clustered customers (those with purchases, net returners
left out), in CustomerID order. Each of recency, frequency and spend is ranked 1..n with
ties broken by rank (``rank("ordinal")``: equal values in CustomerID order, pandas'
``rank(method="first")``, the convention of the RFM tutorials the grid comes from), and
rank r scores 1 + floor(5 (r - 1) / n):

* ``r_score``: 5 for the most recent fifth (recency_days reversed);
* ``f_score``: 5 for the most frequent fifth;
* ``m_score``: 5 for the top fifth of spenders (shown, not used by the cell);
* ``rfm_cell``: the three scores, e.g. "545";
* ``rfm_segment``: the R x F grid's cell (``RF_CELLS``) for r_score and f_score.

Customers without purchases get no scores and the label "No purchases"; net returners
(segment -2) none and "Net returners".
"""

from __future__ import annotations

import polars as pl

from segtui.engine.features.compute import NET_RETURNER, NET_RETURNERS, NO_PURCHASES

COLUMNS = ("r_score", "f_score", "m_score", "rfm_cell", "rfm_segment")


def rfm_scores(frame: pl.DataFrame, clustered: pl.DataFrame) -> pl.DataFrame:
    """``CustomerID`` plus r_score, f_score, m_score, rfm_cell ("545") and rfm_segment for
    every customer of a feature frame, scored among the ``clustered`` customers (needs
    recency_days, frequency, total_spend there)."""
    grid = rf_grid(clustered.select("CustomerID", "recency_days", "frequency"))
    spend = (
        clustered.select("CustomerID", "total_spend")
        .sort("CustomerID")
        .select("CustomerID", rank_quintile(pl.col("total_spend")).alias("m_score"))
    )
    scored = grid.join(spend, on="CustomerID").select(
        "CustomerID",
        pl.col("rf_r").alias("r_score"),
        pl.col("rf_f").alias("f_score"),
        "m_score",
        pl.concat_str(
            pl.col("rf_r").cast(pl.String),
            pl.col("rf_f").cast(pl.String),
            pl.col("m_score").cast(pl.String),
        ).alias("rfm_cell"),
        pl.col("rf_cell").alias("rfm_segment"),
    )
    # the customers without scores: no purchases, or net returners (segment -2)
    net = pl.col(NET_RETURNER).fill_null(False) if NET_RETURNER in frame.columns else pl.lit(False)
    outside = pl.when(pl.col("_net")).then(pl.lit(NET_RETURNERS)).otherwise(pl.lit(NO_PURCHASES))
    return (
        frame.select("CustomerID", net.alias("_net"))
        .join(scored, on="CustomerID", how="left", maintain_order="left")
        .with_columns(pl.col("rfm_segment").fill_null(outside))
        .drop("_net")
    )


def add_rfm(segments: pl.DataFrame, frame: pl.DataFrame, clustered: pl.DataFrame) -> pl.DataFrame:
    """``segments`` (the segments file) with the RFM columns appended, same row order."""
    scores = rfm_scores(frame, clustered)
    return segments.join(scores, on="CustomerID", how="left", maintain_order="left")


# The R x F grid: the common ten-cell map of the RFM tutorials that score recency and
# frequency 1-5 by quintiles of the customers' ranks (docs/backtest.md cites it). Each row:
# (cell name, recency scores, frequency scores, activity the name claims).
RF_CELLS: tuple[tuple[str, tuple[int, ...], tuple[int, ...], str], ...] = (
    ("Champions", (5,), (4, 5), "active"),
    ("Loyal customers", (3, 4), (4, 5), "active"),
    ("Potential loyalists", (4, 5), (2, 3), "active"),
    ("New customers", (5,), (1,), "active"),
    ("Promising", (4,), (1,), "active"),
    ("Need attention", (3,), (3,), "lapsing"),
    ("About to sleep", (3,), (1, 2), "lapsing"),
    ("At risk", (1, 2), (3, 4), "lapsed"),
    ("Can't lose them", (1, 2), (5,), "lapsed"),
    ("Hibernating", (1, 2), (1, 2), "lapsed"),
)
RF_NAMES: tuple[str, ...] = tuple(row[0] for row in RF_CELLS)
RF_ACTIVITY: dict[str, str] = {row[0]: row[3] for row in RF_CELLS}


def rf_cell(r: int, f: int) -> str:
    """The R x F grid's cell name for recency score ``r`` and frequency score ``f`` (1-5)."""
    for name, rs, fs, _activity in RF_CELLS:
        if r in rs and f in fs:
            return name
    raise ValueError(f"scores out of range: r={r}, f={f}")


def rank_quintile(values: pl.Expr) -> pl.Expr:
    """Quintile score 1-5 of ``values`` with ties broken by rank: the rows are ranked
    1..n in value order, equal values in row order (``rank("ordinal")``, pandas'
    ``rank(method="first")``), and rank r scores 1 + floor(5 (r - 1) / n)."""
    rank = values.rank("ordinal")
    return (1 + (5 * (rank - 1)) // values.count()).cast(pl.Int8)


def rf_grid(frame: pl.DataFrame) -> pl.DataFrame:
    """``CustomerID``, ``rf_r``, ``rf_f`` and ``rf_cell`` (the R x F grid's cell name) of
    the customers with purchases in a feature frame (needs has_purchases, recency_days,
    frequency), scored among them in CustomerID order so ties break the same way every
    run. Recency scores 5 for the most recent fifth; frequency 5 for the most frequent."""
    if "has_purchases" in frame.columns:  # a feature frame; clustered rows all bought
        frame = frame.filter(pl.col("has_purchases"))
    buyers = frame.sort("CustomerID")
    scored = buyers.select(
        pl.col("CustomerID"),
        (6 - rank_quintile(pl.col("recency_days"))).cast(pl.Int8).alias("rf_r"),
        rank_quintile(pl.col("frequency")).alias("rf_f"),
    )
    pairs = [(r, f) for r in range(1, 6) for f in range(1, 6)]
    return scored.with_columns(
        (pl.col("rf_r").cast(pl.Int32) * 10 + pl.col("rf_f").cast(pl.Int32))
        .replace_strict([10 * r + f for r, f in pairs], [rf_cell(r, f) for r, f in pairs])
        .alias("rf_cell")
    )

"""The RFM view: recency, frequency and monetary quintile scores and the classic RFM labels.

Scores are computed among the customers with purchases (n of them). For a value v with
rank r (1 = smallest; tied values share the smallest rank of their tie, so a tie is never
split across scores): score = 1 + floor(5 * (r - 1) / n), i.e. quintiles 1…5.

* ``m_score``: from ``total_spend`` (5 = the top fifth of spenders).
* ``f_score``: from ``frequency`` (5 = the most frequent buyers).
* ``r_score``: from ``recency_days`` reversed (5 = bought most recently).

The label comes from R and FM = round-half-up((F + M) / 2) on this grid (rows R, columns FM):

=====  ==============  ==================  ==================  ===============  ===============
R\\FM   1               2                   3                   4                5
=====  ==============  ==================  ==================  ===============  ===============
5      New Customers   Potential Loyalist  Potential Loyalist  Champions        Champions
4      Promising       Potential Loyalist  Potential Loyalist  Loyal Customers  Champions
3      About To Sleep  About To Sleep      Need Attention      Loyal Customers  Loyal Customers
2      Hibernating     Hibernating         At Risk             At Risk          Can't Lose Them
1      Lost            Hibernating         At Risk             Can't Lose Them  Can't Lose Them
=====  ==============  ==================  ==================  ===============  ===============

Customers without purchases get no scores and the label "No purchases"; net returners
(segment -2) none and "Net returners".
"""

from __future__ import annotations

import polars as pl

from segtui.engine.features.compute import NET_RETURNER, NET_RETURNERS, NO_PURCHASES

COLUMNS = ("r_score", "f_score", "m_score", "rfm_cell", "rfm_segment")
LABELS = (
    "Champions",
    "Loyal Customers",
    "Potential Loyalist",
    "New Customers",
    "Promising",
    "Need Attention",
    "About To Sleep",
    "At Risk",
    "Can't Lose Them",
    "Hibernating",
    "Lost",
)
# GRID[r - 1][fm - 1]: the label for recency score r and frequency/monetary score fm.
GRID: tuple[tuple[str, ...], ...] = (
    ("Lost", "Hibernating", "At Risk", "Can't Lose Them", "Can't Lose Them"),
    ("Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
    ("About To Sleep", "About To Sleep", "Need Attention", "Loyal Customers", "Loyal Customers"),
    ("Promising", "Potential Loyalist", "Potential Loyalist", "Loyal Customers", "Champions"),
    ("New Customers", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"),
)


def label(r: int, f: int, m: int) -> str:
    """The RFM label for scores ``r``, ``f``, ``m`` (each 1…5)."""
    fm = (f + m + 1) // 2
    return GRID[r - 1][fm - 1]


def quintile(values: pl.Expr, *, descending: bool = False) -> pl.Expr:
    """Quintile score 1…5 of ``values`` among non-null rows (ties share a score)."""
    rank = values.rank("min", descending=descending)
    n = values.count()
    return (1 + (5 * (rank - 1)) // n).cast(pl.Int8)


def rfm_scores(frame: pl.DataFrame) -> pl.DataFrame:
    """``CustomerID`` plus r_score, f_score, m_score, rfm_cell ("545") and rfm_segment for
    every customer of a feature frame (needs has_purchases, recency_days, frequency,
    total_spend)."""
    buyers = frame.filter(pl.col("has_purchases")).select(
        pl.col("CustomerID"),
        quintile(pl.col("recency_days"), descending=True).alias("r_score"),
        quintile(pl.col("frequency")).alias("f_score"),
        quintile(pl.col("total_spend")).alias("m_score"),
    )
    cells = [f"{r}{f}{m}" for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)]
    names = [label(int(c[0]), int(c[1]), int(c[2])) for c in cells]
    cell = pl.concat_str(
        pl.col("r_score").cast(pl.String),
        pl.col("f_score").cast(pl.String),
        pl.col("m_score").cast(pl.String),
    )
    buyers = buyers.with_columns(cell.alias("rfm_cell")).with_columns(
        pl.col("rfm_cell").replace_strict(cells, names, return_dtype=pl.String).alias("rfm_segment")
    )
    # the customers without scores: no purchases, or net returners (segment -2)
    net = pl.col(NET_RETURNER).fill_null(False) if NET_RETURNER in frame.columns else pl.lit(False)
    outside = pl.when(pl.col("_net")).then(pl.lit(NET_RETURNERS)).otherwise(pl.lit(NO_PURCHASES))
    return (
        frame.select("CustomerID", net.alias("_net"))
        .join(buyers, on="CustomerID", how="left")
        .with_columns(pl.col("rfm_segment").fill_null(outside))
        .drop("_net")
    )


def add_rfm(segments: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """``segments`` (the segments file) with the RFM columns appended, same row order."""
    return segments.join(rfm_scores(frame), on="CustomerID", how="left", maintain_order="left")


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

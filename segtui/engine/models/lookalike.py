"""Lookalikes: the customers most similar to given customers in a model's feature space.

Similarity is measured in the model's clustering space (stored scaling, categorical block
weighting), where every feature counts in standard-deviation units; on unscaled features
a cosine similarity is ~1.0 for nearly everyone because total_spend dwarfs the rest.

``score = 1 / (1 + d)`` with ``d`` the Euclidean distance in that space: 1.0 only for an
identical profile, 0.5 at one standard deviation's worth of distance, falling towards 0.
Ties in distance are broken by CustomerID so results are deterministic. Customers without
purchases have no features and are neither queried nor offered as lookalikes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from segtui.engine.errors import OptionError, plural

if TYPE_CHECKING:
    from segtui.engine.result import SegmentationResult

SCORE_DEFINITION = "1 / (1 + Euclidean distance in the model's scaled feature space)"
QUERY_CHUNK = 4096
# Up to this many query customers, an exact vectorised pass each beats building a tree.
BRUTE_FORCE_QUERIES = 16
# The segments frame's columns shown beside each lookalike in the workbench.
SHOWN_COLUMNS = ("CustomerName", "segment", "segment_name")
RANGE = re.compile(r"^(?P<a>.*?)(?P<an>\d+)\.\.(?P<b>.*?)(?P<bn>\d+)$")
Progress = Callable[[str], None]


def expand_ids(tokens: Sequence[str]) -> list[str]:
    """Customer ids from command-line tokens; ``C0001..C0020`` is an inclusive range.

    A range needs the same prefix and digit count on both ends (zero padding is kept).
    Returns the ids in the order given, duplicates removed.
    """
    out: list[str] = []
    for token in tokens:
        token = token.strip()
        if not token:
            continue
        match = RANGE.match(token)
        if match is None:
            out.append(token)
            continue
        prefix, start, end = match["a"], match["an"], match["bn"]
        if match["b"] not in ("", prefix) or len(start) != len(end) or int(start) > int(end):
            raise OptionError(
                "a range of ids needs the same prefix and digit count on both ends, smallest first",
                value=token,
                hint="for example C0001..C0020",
            )
        width = len(start)
        out.extend(f"{prefix}{n:0{width}d}" for n in range(int(start), int(end) + 1))
    seen: set[str] = set()
    return [i for i in out if not (i in seen or seen.add(i))]  # type: ignore[func-returns-value]


@dataclass
class Lookalikes:
    """Long-format table ``CustomerID, rank, LookalikeID, score`` and what was skipped."""

    table: pl.DataFrame
    top: int
    skipped_no_purchases: list[str]

    def summary(self) -> dict[str, Any]:
        """JSON-ready form: the definition of the score and every row."""
        return {
            "top": self.top,
            "score": SCORE_DEFINITION,
            "n_customers": self.table.get_column("CustomerID").n_unique(),
            "skipped_no_purchases": self.skipped_no_purchases,
            "lookalikes": self.table.to_dicts(),
        }


def _brute_force_neighbours(
    X: np.ndarray, queries: np.ndarray, top: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-``top`` for a few queries: one vectorised distance pass over all rows
    and a partial sort (numpy argpartition), with every row tied at the cut kept, so the
    order (distance, then row index) is exact. Building a tree over a million rows for
    one customer cost seconds; one pass costs tens of milliseconds."""
    out_idx = np.empty((len(queries), top), dtype=np.int64)
    out_dist = np.empty((len(queries), top), dtype=np.float64)
    for i, row in enumerate(queries):
        diff = X - X[row]
        squared = np.einsum("ij,ij->i", diff, diff)
        squared[row] = np.inf  # a customer is not its own lookalike
        cut = np.partition(squared, top - 1)[top - 1]
        candidates = np.flatnonzero(squared <= cut)
        order = np.lexsort((candidates, squared[candidates]))[:top]
        out_idx[i] = candidates[order]
        out_dist[i] = np.sqrt(squared[candidates[order]])
    return out_idx, out_dist


def nearest_neighbours(
    X: np.ndarray, queries: np.ndarray, top: int, progress: Progress | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """For each row index in ``queries``: the ``top`` nearest other rows of ``X``.

    Returns (indices, distances), each of shape (len(queries), top), sorted by distance
    then row index. Up to BRUTE_FORCE_QUERIES queries (the UI asks for one): one exact
    vectorised pass each. More: scikit-learn's NearestNeighbors (a k-d or ball tree in the low
    dimensions used here) proposes candidates in chunks; distances are then recomputed
    exactly and re-sorted so ties do not depend on the tree.
    """
    n = X.shape[0]
    top = min(top, n - 1)
    if len(queries) <= BRUTE_FORCE_QUERIES:
        return _brute_force_neighbours(X, queries, top)
    from sklearn.neighbors import NearestNeighbors

    # One spare candidate besides self, so exact ties at the cut are still seen.
    fetch = min(top + 2, n)
    index = NearestNeighbors(n_neighbors=fetch).fit(X)
    out_idx = np.empty((len(queries), top), dtype=np.int64)
    out_dist = np.empty((len(queries), top), dtype=np.float64)
    for start in range(0, len(queries), QUERY_CHUNK):
        if progress is not None and len(queries) > QUERY_CHUNK:
            progress(f"Lookalikes {start:,}/{len(queries):,}")
        rows = queries[start : start + QUERY_CHUNK]
        _, candidates = index.kneighbors(X[rows], n_neighbors=fetch)
        dist = np.sqrt(((X[candidates] - X[rows][:, None, :]) ** 2).sum(axis=2))
        dist[candidates == rows[:, None]] = np.inf  # a customer is not its own lookalike
        order = np.lexsort((candidates, dist), axis=1)[:, :top]
        out_idx[start : start + len(rows)] = np.take_along_axis(candidates, order, axis=1)
        out_dist[start : start + len(rows)] = np.take_along_axis(dist, order, axis=1)
    return out_idx, out_dist


def _positions(ids: pl.Series, queries: list[str]) -> list[int | None]:
    """Row of each query id in ``ids`` (None when absent). A few queries (the UI asks for
    one) scan the column in Polars; a Python dict of a million ids cost a second."""
    if len(queries) <= BRUTE_FORCE_QUERIES:
        found = []
        for query in queries:
            hits = (ids == query).arg_true()
            found.append(int(hits[0]) if hits.len() else None)
        return found
    position = {cid: i for i, cid in enumerate(ids.to_list())}
    return [position.get(query) for query in queries]


def _unknown(missing: list[str], all_ids: Sequence[str] | pl.Series) -> list[str]:
    """The ids of ``missing`` that are not in ``all_ids`` either."""
    if not missing:
        return []
    every = all_ids if isinstance(all_ids, pl.Series) else pl.Series(list(all_ids))
    present = set(every.filter(every.is_in(pl.Series(missing).implode())).to_list())
    return [q for q in missing if q not in present]


def lookalikes(
    ids: pl.Series,
    X: np.ndarray,
    query_ids: Sequence[str] | None,
    *,
    top: int = 3,
    all_ids: Sequence[str] | pl.Series = (),
    progress: Progress | None = None,
) -> Lookalikes:
    """Top-``top`` lookalikes for ``query_ids`` (None = every customer with purchases).

    ``ids``/``X`` are the customers with purchases and their rows in the model space;
    ``all_ids`` lists every customer of the snapshot, to tell "no purchases" (skipped,
    reported) from "unknown id" (OptionError).
    """
    if top < 1:
        raise OptionError(f"--top must be at least 1 (got {top})")
    if X.shape[0] < 2:
        raise OptionError("lookalikes need at least 2 customers with purchases")
    skipped: list[str] = []
    if query_ids is None:
        rows = np.arange(ids.len())
    else:
        queries = list(query_ids)
        positions = _positions(ids, queries)
        missing = [q for q, pos in zip(queries, positions, strict=True) if pos is None]
        unknown = _unknown(missing, all_ids)
        if unknown:
            raise OptionError(
                f"{plural(len(unknown), 'customer id')} not in the source: "
                + ", ".join(unknown[:5])
                + (" …" if len(unknown) > 5 else "")
            )
        skipped = missing
        rows = np.array([pos for pos in positions if pos is not None], dtype=np.int64)
    if rows.size == 0:
        raise OptionError("none of the given customers has purchases; nothing to compare")
    neighbours, distances = nearest_neighbours(X, rows, top, progress)
    width = neighbours.shape[1]
    text_ids = ids.cast(pl.String)
    table = pl.DataFrame(
        {
            "CustomerID": text_ids.gather(np.repeat(rows, width)),
            "rank": np.tile(np.arange(1, width + 1), len(rows)),
            "LookalikeID": text_ids.gather(neighbours.ravel()),
            "score": 1.0 / (1.0 + distances.ravel()),
        },
        schema={
            "CustomerID": pl.String,
            "rank": pl.Int64,
            "LookalikeID": pl.String,
            "score": pl.Float64,
        },
    )
    return Lookalikes(table=table, top=width, skipped_no_purchases=skipped)


def result_lookalikes(
    result: SegmentationResult, customer_ids: Sequence[str] | None, *, top: int = 3
) -> Lookalikes:
    """Lookalikes in a finished run's space, without a model file (for the UI).

    Same as a saved model of ``result`` applied to the same source: ``result.matrix`` rows
    are the customers with purchases in CustomerID order.
    """
    frame = result.feature_table.frame
    buyers = frame.filter(pl.col("has_purchases")).get_column("CustomerID")
    return lookalikes(
        buyers,
        result.matrix,
        customer_ids,
        top=top,
        all_ids=frame.get_column("CustomerID"),
    )


def lookalike_rows(result: SegmentationResult, customer_id: str, top: int) -> pl.DataFrame:
    """``rank, LookalikeID, score`` plus the lookalike's name and segment (from the result's
    segments frame). Raises OptionError for a customer without purchases."""
    table = result_lookalikes(result, [customer_id], top=top).table
    extra = [c for c in SHOWN_COLUMNS if c in result.segments.columns]
    details = result.segments.select(
        pl.col("CustomerID").alias("LookalikeID"), *[pl.col(c) for c in extra]
    )
    return (
        table.join(details, on="LookalikeID", how="left", maintain_order="left")
        .with_columns(pl.col("score").round(3))
        # The score is the key number: right after the id, visible at 80 columns.
        .select("rank", "LookalikeID", "score", *extra)
    )

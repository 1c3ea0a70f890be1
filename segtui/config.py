"""One settings object for a segmentation run. The defaults and ranges a user can set
are rows of :mod:`segtui.settings_table`; the internal constants live here.

Both faces build a :class:`Settings` (from flags, later also from a TOML file) and hand it
to :func:`segtui.engine.pipeline.run`. It is a frozen dataclass of plain values so it can
be compared, hashed, written into the summary and replayed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segtui.settings_table import ROW, ROWS, default, keys

# The default clustering space (and k = auto, a row of the table): the ones that beat both
# references of the backtest (RFM R x F grid, K-Means k = 4) on the next period of every
# real log measured (docs/backtest-measurements.md, issue 28). Order value is left out: it
# is spend over frequency and separates big-basket one-timers from small regulars, not the
# future.
# Every default and range below that a user can set is a row of segtui/settings_table.py.
DEFAULT_FEATURES: tuple[str, ...] = default("features")
SCALINGS: tuple[str, ...] = ROW["scaling"].choices
# Silhouette is O(n^2): above this many customers it is computed on a seeded sample. The
# sweep uses the same rows (its 5,000 x 5,000 distance matrix is 200 MB), so `sweep` and
# `run` report the same silhouette for the same k.
SILHOUETTE_SAMPLE = 5_000
# --log: "auto" log1p-transforms the money and count features whose skewness exceeds
# LOG_AUTO_SKEW (see engine/clustering/space.py and docs/features.md); "on" all of them;
# "off" none. Recency and tenure (days) are never transformed.
LOG_MODES: tuple[str, ...] = ROW["log"].choices
LOG_AUTO_SKEW = 1.0
# How a single transaction log's columns are named: the keys of the `[mapping]` table and
# of the `--customer-col`... flags (flag = key with dashes). Values are column names, a
# strftime date format, a customers file path, a one-character delimiter, or (cancelled_ids)
# auto|on|off: whether order ids C + digits are cancelled orders (engine/io/returns.py).
MAPPING_KEYS: tuple[str, ...] = keys("mapping")
# Returns and cancellations: "net" (reduce spend and quantity, not frequency) or "drop".
RETURNS_RULES: tuple[str, ...] = ROW["returns"].choices
DEFAULT_RETURNS: str = default("returns")
# `k = "auto"`: choose k from a sweep of AUTO_K_MIN..AUTO_K_MAX (see engine/sweep.py).
AUTO_K = "auto"
AUTO_K_MIN = 2
AUTO_K_MAX = 10
# Auto-k: the lowest Davies-Bouldin among k whose stability is at least this.
AUTO_K_MIN_STABILITY = 0.9
# Auto-k never picks a k whose smallest segment holds under this share of the clustered
# customers (at least one customer: below 100 clustered customers the rule relaxes to
# "no empty segment"). See engine/clustering/sweep.py and docs/choosing-k.md.
AUTO_K_MIN_SEGMENT_SHARE = 0.01
# Sweep: above this many customers K-Means is fitted on a seeded sample of this size and
# every customer is then assigned to the nearest centre; at or below, on all of them.
SWEEP_FIT_SAMPLE = 25_000
# --k auto's inner split fits each candidate k with at most this many K-Means restarts
# (fewer when --n-init asks for fewer). 3 and 10 chose the same k with the same backtest
# eta squared on the five real logs of docs/backtest-measurements.md (docs/performance.md);
# the inner eta squared of some k moved by up to 0.02. The sweep's own fits and the
# stability resamples keep --n-init: 3 restarts there changed Online Retail II's k.
INNER_N_INIT = 3
# Stability (engine/stability.py): subsamples, their share and cap, the common sample.
STABILITY_RESAMPLES = 5
STABILITY_SHARE = 0.8
STABILITY_MAX_SAMPLE = 10_000
STABILITY_EVAL_SAMPLE = 5_000
# UI: lookalikes shown for a customer, and how far before the current as-of date the
# migration dialog's "before" snapshot starts.
UI_LOOKALIKES_TOP = 5
UI_MIGRATION_DAYS_BEFORE = 90
# Large inputs (see bench/ and README "Performance"): above KMEANS_SAMPLE_ABOVE clustered
# customers, the n_init k-means++ restarts run on a seeded sample of KMEANS_SAMPLE rows and
# one full-data Lloyd run refines the best start (50,000 rows: inertia within 1e-9 of the
# 100,000-row sample's at 1e7 transactions, 0.2 s faster). SEGTUI_PLAIN_PATH=1 turns
# every such shortcut off (the reference path the fast one is tested against).
KMEANS_SAMPLE_ABOVE = 200_000
KMEANS_SAMPLE = 50_000
# --method: how customers become segments: "kmeans" (clustering, the default) or "rfm" (the
# RFM R x F grid's named cells, engine/features/rfm.py; k is then the cells in use).
METHODS: tuple[str, ...] = ROW["method"].choices
# --engine: polars (one machine) or spark (segtui[spark]).
ENGINES: tuple[str, ...] = ROW["engine"].choices
DEFAULT_ENGINE: str = default("engine")
DEFAULT_SPARK_MASTER: str = default("spark_master")
# Spark engine: at or below this many customers with purchases, the per-customer table is
# clustered on the driver with scikit-learn; above it with MLlib K-Means.
DEFAULT_SPARK_DRIVER_LIMIT: int = default("spark_driver_limit")
# Customer value (--clv, engine/value/): the step (days) at which expected purchases are
# discounted (the horizon and the discount rate are rows of the settings table).
CLV_STEP_DAYS = 30
# Fewer repeat customers than this cannot support the value models: --clv exits 2.
MIN_REPEAT_CUSTOMERS = 20
# Lifecycle stages (engine/value/lifecycle.py): lapsed after this many typical gaps without
# a purchase; at risk below this P(alive).
LAPSE_GAP_MULTIPLE = 2.0
AT_RISK_P_ALIVE = 0.5


@dataclass(frozen=True)
class Settings:
    """Everything that determines a segmentation result: one field per top-level row of
    the settings table (its default comes from the row; ``horizon`` is ``horizon_days``).

    ``categorical_weight`` is a float (the one-hot block carries that many numeric
    features' worth of variance) or ``"raw"`` (every one-hot column scaled to unit
    variance like a numeric one, as notebooks do).
    """

    source: Path | None = default("source")
    k: int | str = default("k")  # a number, or AUTO_K ("auto") to choose it by a sweep
    features: tuple[str, ...] = default("features")
    scaling: str = default("scaling")
    log: str = default("log")  # one of LOG_MODES; True/False are read as "on"/"off"
    seed: int = default("seed")
    n_init: int = default("n_init")
    as_of: dt.date | None = default("as_of")
    categorical_weight: float | str = default("categorical_weight")
    silhouette_sample: int = SILHOUETTE_SAMPLE
    # (key, value) pairs sorted by key, keys from MAPPING_KEYS: a tuple so Settings hashes.
    mapping: tuple[tuple[str, str], ...] = ()
    returns: str = default("returns")
    rfm: bool = default("rfm")  # add RFM scores and labels to the segments file (engine/rfm.py)
    method: str = default("method")  # one of METHODS
    # --clv: P(alive), expected purchases, order value, CLV and stage (engine/value/);
    # holdout_end: compare predictions with the purchases from as_of to that day.
    clv: bool = default("clv")
    horizon_days: int = default("horizon")
    discount_rate: float = default("discount_rate")
    holdout_end: dt.date | None = default("holdout_end")
    # A saved model whose segment ids and names persisting segments keep (run --like).
    like: Path | None = default("like")
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        # Settings files, model files and older callers say log = true/false.
        object.__setattr__(self, "log", log_mode(self.log))

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    def params(self) -> dict[str, Any]:
        """The settings as plain JSON-ready values (for the summary, and what --replay
        restores): every top-level key of the settings table but ``source``, in the
        table's order, the mapping after the clustering group, and the customer-value
        keys only with --clv (so other summaries are unchanged)."""
        params: dict[str, Any] = {}
        for row in ROWS:
            if row.table != "" or row.key == "source" or (row.group == "value" and not self.clv):
                continue
            if row.key == "returns":  # the first key after the clustering group
                params["mapping"] = self.mapping_dict()
            params[row.key] = _plain(getattr(self, row.field or row.key))
        return params

    def mapping_dict(self) -> dict[str, str]:
        """The column mapping as a plain dict (empty when nothing was given)."""
        return dict(self.mapping)


def _plain(value: Any) -> Any:
    """A Settings value as JSON holds it: a list, an ISO date, a path as text."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value) if isinstance(value, Path) else value


def log_mode(value: object) -> str:
    """The --log mode of ``value``: "auto", "on" or "off" (True/False -> "on"/"off").

    Anything else is returned unchanged as text, for the pipeline's option check to reject
    with the allowed values.
    """
    if isinstance(value, bool):
        return "on" if value else "off"
    text = str(value).strip().lower()
    return {"true": "on", "false": "off"}.get(text, text)

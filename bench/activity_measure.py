"""Measure activity rules against the next period on real logs (issue 28).

For each log: the default backtest run, then each candidate chance rule applied to the
same customers and labels (the default segments, K-Means k = 4 and the RFM cells as
segments); prints per segment the mean chance, the share who bought again, the words and
how many the next period contradicts. Run: PYTHONPATH=. python bench/activity_measure.py
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

LOGS: dict[str, tuple[str, str, int, dict[str, Any]]] = {
    "cdnow": ("/work/data/cdnow_master.csv", "1997-10-01", 90, {}),
    "uci": ("/work/data/online_retail.csv", "2011-09-01", 90, {}),
    "uci_noinv": ("/work/data/online_retail_no_invoice.parquet", "2011-09-01", 90, {}),
    "ii": ("/work/data/online_retail_ii_2009_2010.csv", "2010-09-01", 90, {}),
    "cj42": (
        "/work/data/completejourney_transactions.parquet",
        "2017-10-01",
        42,
        {"order_col": "basket_id"},
    ),
    "cj90": (
        "/work/data/completejourney_transactions.parquet",
        "2017-10-01",
        90,
        {"order_col": "basket_id"},
    ),
}


def captured(path: str, at: str, horizon: int, mapping: dict[str, Any], k: Any) -> dict[str, Any]:
    """The backtest of ``path`` with the tables, the future and the inner split's frames."""
    import segtui
    import segtui.engine as engine
    from segtui.engine.backtest.future import next_period
    from segtui.engine.clustering.inner_split import inner_window
    from segtui.engine.features.compute import compute_features
    from segtui.engine.features.load import load_features

    original = engine.run_backtest
    box: dict[str, Any] = {}

    def wrapper(settings: Any, cut: dt.date, days: int, progress: Any = None) -> Any:
        tables, table = load_features(settings.replace(as_of=cut))
        done = original(settings, cut, days, progress=progress, tables=tables)
        box.update(tables=tables, done=done, future=next_period(tables, cut, days)[0])
        window = inner_window(done.result.feature_table)
        if window is not None:
            inner_cut, inner_h = window
            inner = compute_features(tables, done.result.feature_table.features, inner_cut)
            box.update(
                inner=inner.frame.filter(pl.col("has_purchases")),
                inner_future=next_period(tables, inner_cut, inner_h)[0],
                inner_h=inner_h,
            )
        return done

    engine.run_backtest = wrapper  # type: ignore[assignment]
    try:
        segtui.backtest(path, at=at, horizon=horizon, mapping=mapping, k=k, progress=False)
    finally:
        engine.run_backtest = original  # type: ignore[assignment]
    return box


def bought(frame: pl.DataFrame, future: pl.DataFrame) -> np.ndarray:
    """1.0 for the customers of ``frame`` with a purchase in ``future``."""
    return (
        frame.select("CustomerID")
        .join(future, on="CustomerID", how="left", maintain_order="left")
        .get_column("next_purchase_days")
        .fill_null(0)
        .to_numpy()
        > 0
    ).astype(float)


def judge(
    name: str,
    labels: pl.DataFrame,
    clustered: pl.DataFrame,
    chance: np.ndarray,
    actual: np.ndarray,
    gap: float,
    quiet: bool = False,
) -> int:
    """Print the words ``chance`` gives to ``labels`` and return the contradicted count."""
    from segtui.engine.segments import tiers

    seg = (
        clustered.select("CustomerID")
        .join(labels, on="CustomerID", how="left", maintain_order="left")
        .get_column("segment")
        .to_numpy()
    )
    recency = clustered.get_column("recency_days").cast(pl.Float64).to_numpy()
    base_c, base_a = float(np.nanmean(chance)), float(actual.mean())
    bad = 0
    lines = []
    for s in np.unique(seg):
        m = seg == s
        c = float(np.nanmean(chance[m]))
        word = tiers.activity(c, base_c, float(np.median(recency[m])), gap)
        rate = float(actual[m].mean())
        # As the backtest judges (backtest/score.py): active above the base, else below.
        wrong = not (rate > base_a if word == "active" else rate < base_a)
        bad += wrong
        lines.append(
            f"  {s:>3} n={int(m.sum()):>6} chance={c:.3f} ({c / base_c:.2f}) "
            f"bought={rate:.3f} ({rate / base_a:.2f}) {word:8}{'  WRONG' if wrong else ''}"
        )
    if not quiet:
        print(f" {name}: base chance {base_c:.3f} bought {base_a:.3f}; contradicted {bad}")
        print("\n".join(lines))
    return bad


def main(keys: list[str], rules: dict[str, Callable[..., np.ndarray]]) -> None:
    from segtui.engine.backtest.references import kmeans4_labels, rfm_grid_labels
    from segtui.engine.segments import tiers

    totals: dict[str, int] = {}
    for key in keys:
        path, at, horizon, mapping = LOGS[key]
        box = captured(path, at, horizon, mapping, "auto")
        result = box["done"].result
        frame = result.feature_table.frame
        clustered = frame.filter(pl.col("has_purchases"))
        seg = result.segments.filter(pl.col("segment") >= 0).select("CustomerID", "segment")
        clustered = clustered.join(seg.select("CustomerID"), on="CustomerID", how="semi")
        ids = clustered.get_column("CustomerID")
        actual = bought(clustered, box["future"])
        gap = tiers.typical_gap(clustered)
        inner = box.get("inner")
        inner_actual = bought(inner, box["inner_future"]) if inner is not None else None
        from segtui.engine.pipeline import run

        labelings = {"default": seg}
        for k in (4, 6, 10):
            fixed = run(
                result.settings.replace(k=k),
                tables=box["tables"],
                feature_table=result.feature_table,
            )
            labelings[f"k{k}"] = fixed.segments.filter(pl.col("segment") >= 0).select(
                "CustomerID", "segment"
            )
        labelings |= {
            "kmeans4": kmeans4_labels(frame, ids, 42).select("CustomerID", "segment"),
            "rfm": rfm_grid_labels(frame, ids).select("CustomerID", "segment"),
        }
        score = box["done"].scores["segtui"]
        print(
            f"== {key}: {clustered.height} customers, G {gap:.1f} days; the run: k "
            f"{len(score.segments)}, eta2 {score.eta_squared:.4f}, contradicted "
            f"{score.contradicted}, rfm grid {box['done'].scores['rfm_grid'].contradicted}",
            flush=True,
        )
        from segtui.engine.clustering.inner_split import learned_states

        states = learned_states(result.feature_table)
        for rule_name, rule in rules.items():
            if rule_name == "learned":
                chance = tiers.repeat_chance(clustered, gap, states)[0]
            else:
                chance = rule(clustered, gap, inner, inner_actual, box.get("inner_h"))
            for lab_name, labels in labelings.items():
                bad = judge(
                    f"{rule_name} / {lab_name}",
                    labels,
                    clustered,
                    chance,
                    actual,
                    gap,
                    quiet=lab_name != "default",
                )
                totals[f"{rule_name}/{lab_name}"] = totals.get(f"{rule_name}/{lab_name}", 0) + bad
                if lab_name != "default":
                    print(f" {rule_name} / {lab_name}: contradicted {bad}")
    print(json.dumps(totals, indent=1))


def bgnbd_rule(clustered: pl.DataFrame, gap: float, *_: Any) -> np.ndarray:
    from segtui.engine.segments import tiers

    return tiers.repeat_chance(clustered, gap)[0]


REPEAT_EDGES = (2, 3, 4, 6, 10)  # frequency buckets: 1, 2, 3, 4-5, 6-9, 10+
RHYTHM_EDGES = (0.5, 1.0, 2.0, 4.0, 8.0)


def states(frame: pl.DataFrame, gap: float, r_edges: Any, h_edges: Any) -> np.ndarray:
    from segtui.engine.segments import tiers

    freq = frame.get_column("frequency").cast(pl.Float64).to_numpy()
    rb = np.searchsorted(np.asarray(r_edges, float), freq, side="right")
    rh = tiers.rhythm(frame, gap)
    hb = np.searchsorted(np.asarray(h_edges, float), rh, side="left")
    return rb * (len(h_edges) + 1) + hb, rb


def state_rule(r_edges: Any = REPEAT_EDGES, h_edges: Any = RHYTHM_EDGES, m: float = 20.0) -> Any:
    def rule(clustered: pl.DataFrame, gap: float, inner: Any, inner_actual: Any, _h: Any) -> Any:
        from segtui.engine.segments import tiers

        if inner is None:
            return tiers.repeat_chance(clustered, gap)[0]
        g_in = tiers.typical_gap(inner)
        s_in, r_in = states(inner, g_in, r_edges, h_edges)
        s, r = states(clustered, gap, r_edges, h_edges)
        overall = inner_actual.mean()
        n_r = np.bincount(r_in, minlength=len(r_edges) + 1)
        b_r = np.bincount(r_in, inner_actual, minlength=len(r_edges) + 1)
        rate_r = (b_r + m * overall) / (n_r + m)
        size = (len(r_edges) + 1) * (len(h_edges) + 1)
        n_s = np.bincount(s_in, minlength=size)
        b_s = np.bincount(s_in, inner_actual, minlength=size)
        parent = rate_r[np.arange(size) // (len(h_edges) + 1)]
        rate_s = (b_s + m * parent) / (n_s + m)
        return rate_s[s]

    return rule


RULES = {
    "learned": bgnbd_rule,  # replaced by the run's own rule in main()
    "bgnbd": bgnbd_rule,
    "state_6x6": state_rule(),
}

if __name__ == "__main__":
    main(sys.argv[1:] or list(LOGS), RULES)

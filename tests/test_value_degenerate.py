"""A BG/NBD fit whose P(alive) says nothing is said to say nothing: in the summary, the
report, the terminal and the Value view, and the stages' disagreement is counted (UCI
Online Retail's fit had a = 0.0034, mean P(alive) 1.00 in every segment, 774 customers
"lapsed", and the output said "fits converged")."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import polars as pl
import pytest
from rich.console import Console

from segtui.config import Settings
from segtui.engine.output.value_report import value_section
from segtui.engine.pipeline import run
from segtui.engine.value import bgnbd, lifecycle

AS_OF = dt.date(2025, 1, 1)


def steady_log(path, customers: int = 800, seed: int = 4):
    """A year of customers who never leave: each buys on Poisson days at their own rate
    (Gamma across customers) until the last day. The BG/NBD's best description is a -> 0,
    no dropout, where P(alive) is 1 for everyone."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(customers):
        n = max(1, int(rng.poisson(rng.gamma(2.0, 0.02) * 365)))
        for day in np.sort(rng.integers(0, 366, n)):
            when = dt.date(2024, 1, 1) + dt.timedelta(days=int(day))
            rows.append((f"K{c:04d}", when.isoformat(), round(float(rng.gamma(4, 10)), 2)))
    frame = pl.DataFrame(rows, schema=["customer", "date", "amount"], orient="row")
    frame.write_csv(path)
    return path


@pytest.fixture(scope="module")
def steady(tmp_path_factory):
    log = steady_log(tmp_path_factory.mktemp("steady") / "steady.csv")
    return run(Settings(source=log, clv=True, k=3, as_of=AS_OF))


def test_a_fit_without_dropout_is_flagged_as_saying_nothing(steady):
    clv = steady.summary()["clv"]
    assert clv["params"]["bgnbd"]["a"] < 1e-3  # the calibration set gives a ~ 0
    assert clv["converged"] is True  # the optimizer did its job ...
    check = clv["p_alive"]
    assert check["informative"] is False  # ... and P(alive) still says nothing
    assert check["spread"] < lifecycle.P_ALIVE_MIN_SPREAD
    assert clv["verdict"] == "fits converged, but P(alive) is nearly constant"
    # the stages follow recency: lapsed customers whom P(alive) calls alive, counted
    segments = steady.segments
    lapsed_alive = segments.filter((pl.col("stage") == "lapsed") & (pl.col("p_alive") >= 0.5))
    assert check["lapsed_but_alive"] == lapsed_alive.height > 0
    warning = next(w for w in steady.warnings if "P(alive) nearly the same" in w)
    assert f"{lapsed_alive.height:,} customers are 'lapsed'" in warning


def test_the_report_terminal_and_value_view_qualify_converged(steady):
    from segtui.cli.render import render_value
    from segtui.tui.widgets.value_view import value_facts

    clv = steady.summary()["clv"]
    report = "\n".join(value_section(clv))
    assert "converged, **but P(alive) is nearly constant**" in report
    out = io.StringIO()
    render_value(clv, Console(file=out, width=200))
    assert "(fits converged, but P(alive) is nearly constant)" in out.getvalue()
    assert "P(alive) is nearly constant" in value_facts(clv).plain


def test_a_spread_under_the_threshold_is_flagged_without_an_edge():
    # UCI Online Retail's fit (a = 4.5e-05, b = 1,879: inside the search range): P(alive)
    # of repeat customers with histories like that log's is 1 to within 1e-4.
    # Histories of customers who keep buying: Poisson purchases over their T weeks (the
    # last repeat is the latest of x uniform times).
    rng = np.random.default_rng(2)
    T = rng.uniform(1, 53, 3000)
    x = rng.poisson(rng.gamma(0.8, 0.1, T.size) * T).astype(float)
    t_x = np.where(x > 0, T * rng.uniform(0, 1, T.size) ** (1 / np.maximum(x, 1)), 0.0)
    params = {"r": 0.83, "alpha": 9.97, "a": 4.5e-05, "b": 1879.0}
    p_alive = bgnbd.p_alive(params, x, t_x, T)
    stage = pl.Series(["lapsed"] * T.size)
    check = lifecycle.p_alive_check(p_alive, x, stage, params, edge=[])
    assert check["at_edge"] == [] and check["informative"] is False
    assert check["spread"] < 1e-3
    # the same histories under CDNOW's published fit: P(alive) tells customers apart
    cdnow = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    spread = lifecycle.p_alive_check(bgnbd.p_alive(cdnow, x, t_x, T), x, stage, cdnow, [])
    assert spread["informative"] is True and spread["spread"] > 0.5

"""The value models on their own: gradients, recovery of known parameters, and the
properties every prediction must have (Hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from segtui.engine.value import bgnbd, gamma_gamma
from segtui.engine.value.predict import horizon_steps


def numeric_gradient(f, params: np.ndarray, step: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(params)
    for i in range(params.size):
        up, down = params.copy(), params.copy()
        up[i] += step * params[i]
        down[i] -= step * params[i]
        grad[i] = (f(up) - f(down)) / (2 * step * params[i])
    return grad


def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, seed: int = 0):
    """Purchase histories drawn from the BG/NBD story, observed for 52 weeks after each
    customer's first purchase (ages spread over a quarter)."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    T = 52 + rng.uniform(0, 13, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T[i]:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < p[i]:
                break
    return x, t_x, T


def test_bgnbd_gradient_matches_finite_differences():
    x, t_x, T = simulate_bgnbd(300, 0.5, 5.0, 0.8, 2.5)
    params = np.array([0.7, 3.0, 1.1, 2.0])
    _, grad = bgnbd.log_likelihood(params, x, t_x, T)
    numeric = numeric_gradient(lambda p: bgnbd.log_likelihood(p, x, t_x, T)[0], params)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5)


def test_gamma_gamma_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    x = rng.integers(1, 10, 200).astype(float)
    m = rng.gamma(5, 8, 200)
    params = np.array([4.0, 3.0, 12.0])
    _, grad = gamma_gamma.log_likelihood(params, x, m)
    numeric = numeric_gradient(lambda p: gamma_gamma.log_likelihood(p, x, m)[0], params)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5)


def test_bgnbd_recovers_the_parameters_it_simulated():
    truth = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}
    fit = bgnbd.fit(*simulate_bgnbd(20_000, **truth, seed=2))
    assert fit.converged
    # r/alpha (the purchase rate) and a/(a+b) (dropout) are what the data pin down best
    assert fit.params["r"] / fit.params["alpha"] == pytest.approx(0.1, rel=0.05)
    assert fit.params["a"] / (fit.params["a"] + fit.params["b"]) == pytest.approx(
        0.8 / 3.3, rel=0.1
    )


def test_gamma_gamma_recovers_the_parameters_it_simulated():
    rng = np.random.default_rng(3)
    n, p, q, gamma = 20_000, 6.0, 4.0, 15.0
    x = rng.integers(1, 8, n).astype(float)
    nu = rng.gamma(q, 1 / gamma, n)
    m = rng.gamma(p * x, 1 / (nu * x))  # mean of x Gamma(p, nu) spends
    fit = gamma_gamma.fit(x, m)
    assert fit.converged
    for name, value in {"p": p, "q": q, "gamma": gamma}.items():
        assert fit.params[name] == pytest.approx(value, rel=0.1)


def test_fit_reports_log_likelihood_iterations_and_gradient():
    fit = bgnbd.fit(*simulate_bgnbd(2_000, 0.5, 5.0, 0.8, 2.5, seed=4))
    facts = fit.to_dict()
    assert facts["log_likelihood"] < 0
    assert facts["iterations"] > 0
    assert facts["gradient_norm"] < 1e-3
    assert facts["at_bound"] == []


params_bgnbd = st.fixed_dictionaries(
    {
        "r": st.floats(0.05, 20),
        "alpha": st.floats(0.1, 200),
        "a": st.floats(0.05, 20),
        "b": st.floats(0.05, 50),
    }
)
histories = st.tuples(st.integers(0, 60), st.floats(0, 1), st.floats(0.1, 200)).map(
    lambda h: (float(h[0]), h[1] * h[2] if h[0] > 0 else 0.0, h[2])
)


@settings(max_examples=examples(300), deadline=None)
@given(params_bgnbd, st.lists(histories, min_size=1, max_size=20))
def test_p_alive_lies_between_zero_and_one(params, rows):
    x, t_x, T = (np.array(c) for c in zip(*rows, strict=True))
    p = bgnbd.p_alive(params, x, t_x, T)
    assert np.all((p >= 0) & (p <= 1))


@settings(max_examples=examples(200), deadline=None)
@given(params_bgnbd, histories, st.floats(0.1, 50), st.floats(0.1, 50))
def test_expected_purchases_do_not_decrease_with_the_horizon(params, history, t1, extra):
    x, t_x, T = (np.array([v]) for v in history)
    shorter = bgnbd.expected_purchases(params, t1, x, t_x, T)
    longer = bgnbd.expected_purchases(params, t1 + extra, x, t_x, T)
    assert longer[0] >= shorter[0] - 1e-9 * max(1.0, shorter[0])
    assert shorter[0] >= 0


def predict_rows(bg, gg, rows, horizon, rate):
    """``predict`` on (history (x, t_x, T), average spend) rows; one-timers get no spend."""
    import polars as pl

    from segtui.engine.value.predict import predict

    calibration = pl.DataFrame(
        {
            "x": [int(h[0]) for h, _ in rows],
            "t_x": [h[1] for h, _ in rows],
            "T": [h[2] for h, _ in rows],
            "m": [m if h[0] > 0 else None for h, m in rows],
        },
        schema={"x": pl.Int64, "t_x": pl.Float64, "T": pl.Float64, "m": pl.Float64},
    )
    population, _ = gamma_gamma.population_order_value(gg, np.array([m for _, m in rows]))
    return predict(bg, gg, calibration, horizon, rate, population)


@settings(max_examples=examples(200), deadline=None)
@given(
    params_bgnbd,
    st.fixed_dictionaries(
        {"p": st.floats(0.1, 50), "q": st.floats(0.2, 50), "gamma": st.floats(0.1, 1000)}
    ),
    st.lists(st.tuples(histories, st.floats(0.01, 1e4)), min_size=1, max_size=20),
    st.integers(1, 730),
    st.floats(0, 5),
)
def test_clv_is_never_negative(bg, gg, rows, horizon, rate):
    values = predict_rows(bg, gg, rows, horizon, rate)
    assert np.all(values["clv"] >= 0)
    assert np.all(values["expected_order_value"] > 0)


def test_horizon_steps_end_at_the_horizon():
    assert horizon_steps(90) == [30.0, 60.0, 90.0]
    assert horizon_steps(45) == [30.0, 45.0]
    assert horizon_steps(1) == [1.0]


def test_expected_order_value_shrinks_towards_the_population_mean():
    params = {"p": 6.25, "q": 3.74, "gamma": 15.44}
    population, source = gamma_gamma.population_order_value(params, np.array([1.0]))
    assert source == "model"
    value = gamma_gamma.expected_order_value(
        params, np.array([0.0, 1.0, 50.0]), np.array([0.0, 100.0, 100.0]), population
    )
    assert value[0] == pytest.approx(population)
    assert population < value[1] < value[2] < 100.0


def test_heavy_tailed_spend_falls_back_to_the_observed_mean():
    value, source = gamma_gamma.population_order_value(
        {"p": 80.0, "q": 0.9, "gamma": 0.5}, np.array([10.0, 30.0])
    )
    assert (value, source) == (20.0, "observed")


def test_bgnbd_equals_pymc_marketing_on_shared_data():
    """pymc-marketing 0.19.2's MAP fit of the shared million-customer data set, recorded
    in bench/results_clv_pymc.txt (pymc-marketing is not a dependency)."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "bench" / "clv_vs_pymc.py"
    spec = importlib.util.spec_from_file_location("clv_vs_pymc", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fit = bgnbd.fit(*module.shared_histories())
    recorded = {"r": 0.231, "alpha": 4.150, "a": 1.225, "b": 3.499}
    for name, value in recorded.items():
        assert fit.params[name] == pytest.approx(value, rel=0.005), name


# Extreme histories: no repeat purchase, the last purchase on the last day observed
# (t_x = T), customers observed for a lifetime, compulsive buyers, and fortunes per order.
# Only histories a calibration period can produce: x repeat purchases fall on x distinct
# later days, so t_x >= x days, and T >= t_x (x = 10,000 repeats "at time 0" made the
# hypergeometric term ill-conditioned, a case no data can reach).


def _possible(h: tuple[int, float, float]) -> tuple[float, float, float]:
    x, share, T = h
    if x == 0:
        return 0.0, 0.0, T
    t_x = max(share * T, x / 7.0)
    return float(x), t_x, max(T, t_x)


extreme_histories = st.tuples(
    st.sampled_from([0, 1, 2, 50, 10_000]),
    st.sampled_from([0.0, 0.5, 1.0]),  # t_x as a share of T: first day, midway, last day
    st.sampled_from([1e-3, 1 / 7, 52.0, 5_000.0, 1e6]),
).map(_possible)


@settings(max_examples=examples(300), deadline=None)
@given(params_bgnbd, st.lists(extreme_histories, min_size=1, max_size=10))
def test_p_alive_lies_between_zero_and_one_for_extreme_histories(params, rows):
    x, t_x, T = (np.array(c) for c in zip(*rows, strict=True))
    p = bgnbd.p_alive(params, x, t_x, T)
    assert np.all(np.isfinite(p))
    assert np.all((p >= 0) & (p <= 1))


@settings(max_examples=examples(300), deadline=None)
@given(params_bgnbd, extreme_histories, st.sampled_from([1 / 7, 1.0, 13.0, 52.0, 520.0]))
def test_expected_purchases_are_finite_and_grow_with_the_horizon_for_extreme_histories(
    params, history, t1
):
    x, t_x, T = (np.array([v]) for v in history)
    shorter = bgnbd.expected_purchases(params, t1, x, t_x, T)
    longer = bgnbd.expected_purchases(params, 2 * t1, x, t_x, T)
    assert np.isfinite(shorter[0]) and np.isfinite(longer[0])
    assert 0 <= shorter[0] <= longer[0] + 1e-9 * max(1.0, longer[0])


@settings(max_examples=examples(200), deadline=None)
@given(
    params_bgnbd,
    st.fixed_dictionaries(
        {"p": st.floats(0.1, 50), "q": st.floats(0.2, 50), "gamma": st.floats(0.1, 1000)}
    ),
    st.lists(
        st.tuples(extreme_histories, st.sampled_from([1e-6, 1.0, 1e6, 1e12])),
        min_size=1,
        max_size=10,
    ),
    st.sampled_from([1, 90, 3650]),
)
def test_clv_is_finite_and_never_negative_for_extreme_histories_and_spends(bg, gg, rows, horizon):
    values = predict_rows(bg, gg, rows, horizon, 0.1)
    for name in ("p_alive", "expected_purchases", "expected_order_value", "clv"):
        assert np.all(np.isfinite(values[name])), name
    assert np.all(values["clv"] >= 0)
    assert np.all(values["expected_order_value"] > 0)


@settings(max_examples=examples(300), deadline=None)
@given(params_bgnbd, extreme_histories)
def test_expected_purchases_over_an_instant_are_p_alive_times_the_purchase_rate(params, history):
    # Over a short t, E[Y(t)] = P(alive) E[lambda | alive] t with lambda | alive ~
    # Gamma(r + x, alpha + T): a check of eq. 10 for every history, including the frequent
    # buyers for whom the paper's form of the hypergeometric term overflowed to 0.
    x, t_x, T = (np.array([v]) for v in history)
    r, alpha = params["r"], params["alpha"]
    t = 1e-4 * (alpha + T[0]) / (r + x[0] + 1)
    rate = (r + x[0]) / (alpha + T[0])
    expected = bgnbd.p_alive(params, x, t_x, T)[0] * rate * t
    assert bgnbd.expected_purchases(params, t, x, t_x, T)[0] == pytest.approx(expected, rel=1e-2)


@pytest.mark.parametrize("raw", ["ABNORMAL: ", "ABNORMAL", "ABNORMAL_TERMINATION_IN_LNSRCH"])
def test_an_abnormal_stop_is_explained(raw):
    from segtui.engine.value.fitting import stop_message

    assert stop_message(raw) == (
        "ABNORMAL: the line search found no step that raises the likelihood"
    )


def test_other_stop_messages_pass_through():
    from segtui.engine.value.fitting import stop_message

    assert stop_message("CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH") == (
        "CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH"
    )


def test_a_fit_stopped_by_its_line_search_says_why():
    # Every repeat customer bought on exactly two days: the likelihood has no interior
    # maximum and L-BFGS-B stops with a bare "ABNORMAL: ", which the warning showed as is.
    from segtui.engine.value.fitting import distinct_rows

    rng = np.random.default_rng(1)
    x = np.where(rng.random(2000) < 0.4, 1.0, 0.0)
    T = rng.uniform(10, 52, 2000)
    t_x = np.where(x > 0, rng.uniform(0, 1, 2000) * T, 0.0)
    fit = bgnbd.fit(x, t_x, T, distinct_rows(x, t_x, T))
    assert not fit.converged
    assert fit.message == "ABNORMAL: the line search found no step that raises the likelihood"

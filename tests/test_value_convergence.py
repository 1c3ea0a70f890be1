"""The value fits converge, and say so honestly: on data drawn from known models (heavy
tails, a nearly flat likelihood), on the generated samples, and whatever the money unit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import gammaln

from segtui.config import Settings
from segtui.engine.pipeline import run
from segtui.engine.value import gamma_gamma
from segtui.engine.value.fitting import (
    IMPROVEMENT_TOLERANCE,
    Fit,
    _Counted,
    maximise,
    newton_check,
    polish,
)
from segtui.engine.value.predict import fit_warnings


def simulate_gamma_gamma(n: int, p: float, q: float, gamma: float, seed: int):
    """Repeat counts (geometric, mean 5) and average spends drawn from the Gamma-Gamma
    story: each customer's transactions are Gamma(p, nu), nu ~ Gamma(q, rate gamma)."""
    rng = np.random.default_rng(seed)
    x = rng.geometric(0.2, n).astype(float)
    nu = rng.gamma(q, 1 / gamma, n)
    m = rng.gamma(p * x, 1 / (nu * x))  # the mean of x Gamma(p, nu) spends
    return x, m


# q < 1: spend so heavy-tailed its population mean is infinite; p = 100: little spread
# within a customer, where the likelihood is a long, nearly flat ridge (p up, gamma down).
# Before the likelihood was rearranged, this draw ended "ABNORMAL", converged false, at
# p = 2,860 and 10 log-likelihood units below the maximum.
HEAVY = {"p": 100.0, "q": 0.9, "gamma": 50.0}


@pytest.fixture(scope="module")
def heavy_fit() -> Fit:
    return gamma_gamma.fit(*simulate_gamma_gamma(1_000_000, **HEAVY, seed=3))


def test_gamma_gamma_converges_on_a_million_heavy_tailed_spends(heavy_fit):
    assert heavy_fit.converged
    assert heavy_fit.improvement_left < IMPROVEMENT_TOLERANCE
    assert heavy_fit.at_bound == []


@pytest.mark.parametrize("name", list(HEAVY))
def test_gamma_gamma_recovers_the_generating_parameters_within_four_standard_errors(
    heavy_fit, name
):
    # The tolerance is the sampling error of a million customers, from the observed
    # information: q is pinned to 0.1%, while p (how alike one customer's orders are)
    # is known to ~20% only, because the likelihood is so flat along the ridge.
    error = heavy_fit.std_errors[name]
    assert 0 < error < 0.3 * HEAVY[name]
    assert abs(heavy_fit.params[name] - HEAVY[name]) < 4 * error


def test_gamma_gamma_standard_error_of_q_shrinks_with_the_sample_size(heavy_fit):
    small = gamma_gamma.fit(*simulate_gamma_gamma(10_000, **HEAVY, seed=3))
    # a hundred times fewer customers: ten times the standard error (within 30%)
    ratio = small.std_errors["q"] / heavy_fit.std_errors["q"]
    assert 7 < ratio < 13


def far_out_on_the_ridge(seed: int):
    """A heavy-tailed draw, its usual fit, and the search on the geometric-mean scale
    (as :func:`gamma_gamma.fit` runs it), for starts far out on the ridge."""
    x, m = simulate_gamma_gamma(200_000, **HEAVY, seed=seed)
    scale = float(np.exp(np.mean(np.log(m))))
    spends = gamma_gamma.Spends(x, m / scale)
    near = gamma_gamma.fit(x, m)

    def loglik(params):
        return gamma_gamma.log_likelihood(params, spends.x, spends.m, spends)

    return x, scale, near, loglik


def assert_same_maximum(fit: Fit, near: Fit, scale: float, n: int) -> None:
    """Both fits at the one maximum, to the precision convergence promises: each is within
    IMPROVEMENT_TOLERANCE log-likelihood units of it, i.e. (to second order) within
    sqrt(2 x 0.01) = 0.14 standard errors along any direction, so the two are within 0.3
    standard errors of each other in every parameter. Not digits: along the ridge p's
    standard error is half of p, and where on that flat top the search stops depends on
    the last bits of numpy's log for the CPU it runs on (AVX-512 or not)."""
    near_ll = near.log_likelihood + n * np.log(scale)  # the scaled data's log-likelihood
    assert abs(fit.log_likelihood - near_ll) < 2 * IMPROVEMENT_TOLERANCE
    for name, unit in (("p", 1.0), ("q", 1.0), ("gamma", scale)):
        assert abs(fit.params[name] * unit - near.params[name]) < 0.3 * near.std_errors[name]


def test_gamma_gamma_converges_from_far_out_on_the_ridge():
    x, scale, near, loglik = far_out_on_the_ridge(seed=5)
    # start at p = 10,000 with gamma 100 times too small: where the likelihood is flattest
    start = np.array([1e4, 1.5, near.params["gamma"] / scale / 100])
    far = maximise(gamma_gamma.NAMES, loglik, start, x.size, basis=gamma_gamma.RIDGE_BASIS)
    assert far.converged
    assert far.at_bound == []
    assert_same_maximum(far, near, scale, x.size)


def test_newton_steps_climb_out_of_the_convex_stretch_of_the_ridge():
    # Where L-BFGS-B's line search stopped without AVX-512 (numpy 2.4, scipy 1.17): p ~ 1e4,
    # q and gamma at their best given p. The likelihood is convex in log p there (the
    # Hessian is not negative definite), so Newton's method has no step of its own, and
    # the three restarts began from this same point, ending "ABNORMAL", 2.3 units below.
    x, scale, near, loglik = far_out_on_the_ridge(seed=5)
    function = _Counted(loglik, gamma_gamma.RIDGE_BASIS)
    stuck = np.linalg.solve(gamma_gamma.RIDGE_BASIS, np.log([9999.82, 0.898773, 4.6895e-5]))
    at_stuck = newton_check(function, stuck)
    assert not np.isfinite(at_stuck.improvement_left)  # not concave: no Newton estimate
    assert near.log_likelihood + x.size * np.log(scale) - at_stuck.value > 2
    log_params, check = polish(function, stuck)
    assert check.improvement_left < IMPROVEMENT_TOLERANCE
    params = np.exp(gamma_gamma.RIDGE_BASIS @ log_params)
    fit = Fit(
        dict(zip(gamma_gamma.NAMES, params, strict=True)), check.value, x.size, True, 0, 0.0, ""
    )
    assert_same_maximum(fit, near, scale, x.size)


def test_gamma_gamma_fit_does_not_depend_on_the_money_unit():
    x, m = simulate_gamma_gamma(50_000, 6.25, 3.74, 15.44, seed=6)
    euros, cents = gamma_gamma.fit(x, m), gamma_gamma.fit(x, 100 * m)
    assert cents.params["p"] == pytest.approx(euros.params["p"], rel=1e-5)
    assert cents.params["q"] == pytest.approx(euros.params["q"], rel=1e-5)
    assert cents.params["gamma"] == pytest.approx(100 * euros.params["gamma"], rel=1e-5)
    # the density of m in cents is the density in euros / 100, per customer
    shift = -x.size * np.log(100)
    assert cents.log_likelihood == pytest.approx(euros.log_likelihood + shift, abs=1e-3)


def test_gamma_gamma_log_likelihood_equals_the_textbook_density():
    x, m = simulate_gamma_gamma(500, 6.0, 4.0, 15.0, seed=7)
    p, q, g = 5.0, 3.5, 12.0
    textbook = (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(g)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(g + m * x)
    ).sum()
    value, _ = gamma_gamma.log_likelihood(np.array([p, q, g]), x, m)
    assert value == pytest.approx(textbook, rel=1e-12)


def test_gamma_gamma_gradient_is_right_far_out_on_the_ridge():
    # at p = 1e5 the textbook form loses its last digits to cancellation; this one not
    x, m = simulate_gamma_gamma(2_000, **HEAVY, seed=8)
    params = np.array([1e5, 0.9, 0.05])
    _, grad = gamma_gamma.log_likelihood(params, x, m)
    for i in range(3):
        up, down = params.copy(), params.copy()
        up[i] *= 1 + 1e-5
        down[i] *= 1 - 1e-5
        slope = (
            gamma_gamma.log_likelihood(up, x, m)[0] - gamma_gamma.log_likelihood(down, x, m)[0]
        ) / (2e-5 * params[i])
        assert grad[i] == pytest.approx(slope, rel=1e-4, abs=1e-6 / params[i])


def test_a_fit_that_did_not_converge_says_how_much_it_could_still_gain():
    stopped = Fit(
        params={"p": 2860.0, "q": 0.9, "gamma": 1.7},
        log_likelihood=-1.0,
        n=10,
        success=False,
        iterations=6,
        gradient_norm=1e-6,
        message="ABNORMAL",
        improvement_left=10.3,
    )
    assert not stopped.converged
    assert stopped.usable  # near-zero gradient: predictions are made, with the warning
    bg = Fit({"r": 1.0}, -1.0, 10, True, 5, 0.0, "ok", improvement_left=0.0)
    (warning,) = fit_warnings(bg, stopped, 0.0, "model")
    assert "Gamma-Gamma fit did not converge" in warning
    assert "could still rise by 10.3" in warning


def generated(folder, profile: str):
    if profile == "planted":
        from segtui.engine.sample import generate

        generate(20_000, 200_000, seed=7, groups=4).write(folder)
    else:
        from segtui.engine.sample_realistic import generate_realistic

        generate_realistic(20_000, seed=11).write(folder)
    return folder


@pytest.mark.parametrize("profile", ["planted", "realistic"])
def test_both_fits_converge_on_the_generated_samples(tmp_path, profile):
    result = run(Settings(source=generated(tmp_path / profile, profile), k=4, clv=True))
    assert result.value is not None
    fits = result.value["fits"]
    for model in ("bgnbd", "gamma_gamma"):
        assert fits[model]["converged"], (model, fits[model])
        assert fits[model]["improvement_left"] < IMPROVEMENT_TOLERANCE
    assert result.value["converged"] is True


def test_gamma_gamma_on_identical_orders_converges_and_shows_p_is_not_pinned_down():
    # Every order of a customer worth exactly the same: the model's limit p = inf is the
    # truth, and the likelihood is flat in p from ~1e3 on. The fit converges, fits q, and
    # either stops at the edge for p or says through its standard error that p is unknown.
    rng = np.random.default_rng(9)
    x = rng.geometric(0.2, 50_000).astype(float)
    m = 50.0 / rng.gamma(2.5, 1.0, x.size)  # 1/m ~ Gamma(q = 2.5): an inverse-gamma spend
    fit = gamma_gamma.fit(x, m)
    assert fit.converged
    assert abs(fit.params["q"] - 2.5) < 4 * fit.std_errors["q"]
    assert fit.params["p"] > 100
    assert fit.at_bound == ["p"] or fit.std_errors["p"] > fit.params["p"]


def test_gamma_gamma_converges_at_the_limit_whatever_the_row_order(tmp_path):
    # The planted sample's spend is best fitted by the limit p -> inf, which the likelihood
    # approaches ever more slowly: the optimizer stopped anywhere on the way (Polars'
    # group_by order decides where) and one order in eight ended "not converged" before
    # such stops were moved onto the edge of the range.
    import datetime as dt

    import polars as pl

    from segtui.engine.io.sources import load_source
    from segtui.engine.value.summary import calibration_summary

    tables = load_source(generated(tmp_path / "planted", "planted"), {})
    repeat = (
        calibration_summary(tables, dt.date(2025, 1, 1))
        .filter((pl.col("x") > 0) & (pl.col("m") > 0))
        .sort("CustomerID")  # then the seeds alone decide the order
    )
    x = repeat.get_column("x").to_numpy().astype(float)
    m = repeat.get_column("m").to_numpy()
    for seed in range(8):
        order = np.random.default_rng(seed).permutation(x.size)
        fit = gamma_gamma.fit(x[order], m[order])
        assert fit.converged, (seed, fit.to_dict())
        assert fit.at_bound == ["p"]
        assert fit.params["q"] == pytest.approx(0.8969, abs=1e-3)

"""The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV:
Using Iso-Value Curves for Customer Base Analysis", JMR 42(4); Fader & Hardie 2013, "The
Gamma-Gamma Model of Monetary Value").

A customer's transactions are worth Gamma(p, nu) each, with nu ~ Gamma(q, gamma) across
customers. It is fitted on repeat customers only: x repeat transactions averaging m_x
(the first purchase is left out, as in the paper). It assumes a customer's average spend
does not depend on how often they buy; :func:`spend_frequency_correlation` checks that.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.special import digamma, gammaln, poch

from segtui.engine.value.fitting import Fit, count_values, maximise

NAMES = ("p", "q", "gamma")
P_START_MAX = 10.0
# The search runs over (log p, log q, log(p gamma)): log gamma = log(p gamma) - log p.
# p gamma / nu is a customer's mean spend, which the data pin down; along the ridge of
# nearly equal likelihood (p -> inf, gamma -> 0, no spread within a customer) only log p
# moves, so that limit is p at its bound with q and the spend scale still free.
RIDGE_BASIS = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 1.0]])


class Spends:
    """The repeat customers' (x, m_x), with what every likelihood evaluation reuses: the
    distinct x and their counts (the gamma-function terms depend on x alone), x m_x, the
    sums that do not depend on the parameters, and two work buffers (a fresh 8 MB array
    per operation costs more than the arithmetic at a million customers)."""

    def __init__(self, x: np.ndarray, m: np.ndarray) -> None:
        self.x = np.asarray(x, dtype=np.float64)
        self.m = np.asarray(m, dtype=np.float64)
        self.n = self.x.size
        self.ux, self.counts, _ = count_values(self.x)
        self.xm = self.x * self.m
        self.inv_xm = 1.0 / self.xm
        self.sum_log_xm = float(np.log(self.xm).sum())
        self.sum_log_m = float(np.log(self.m).sum())
        self.work = np.empty(self.n)
        self.work2 = np.empty(self.n)


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    # einsum, not np.dot: BLAS threads contend on a shared machine for no gain here
    return float(np.einsum("i,i->", a, b))


def log_rising(a: np.ndarray, b: float) -> np.ndarray:
    """log Gamma(a + b) - log Gamma(a), accurate for large a: the log of Pochhammer's
    symbol where that is finite (gammaln's difference, and scipy's betaln, keep only the
    first ~9 digits when a ~ 1e6), the gammaln difference where it overflows."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        rising = np.log(poch(a, b))
    ok = np.isfinite(rising)
    if ok.all():
        return rising
    return np.where(ok, rising, gammaln(a + b) - gammaln(a))


def log_likelihood(
    params: np.ndarray, x: np.ndarray, m: np.ndarray, spends: Spends | None = None
) -> tuple[float, np.ndarray]:
    """Total log-likelihood of the average spends ``m`` of ``x`` repeat transactions, and
    its gradient in (p, q, gamma). ``spends``: :class:`Spends` of (x, m), built once per
    fit rather than per evaluation.

    Written so that no term is a difference of large numbers: with r = gamma / (x m),
    log f = R(px, q) - lgamma(q) - px log(1 + r) - q log(1 + 1/r) - log m (Fader & Hardie
    2013's density rearranged; R = :func:`log_rising`). The textbook form subtracts terms of size
    p x log m, which at p ~ 1e5 leaves rounding noise larger than the optimizer's tolerance,
    and its line search then fails (the old "converged: false after 5 iterations").
    """
    s = spends if spends is not None else Spends(x, m)
    p, q, g = params
    pux = p * s.ux
    # log(1 + r), and log(1 + 1/r) = log(1 + r) - log(g) + log(x m), summed in closed form
    log1p_r = np.log1p(np.multiply(s.inv_xm, g, out=s.work), out=s.work)
    sum_log1p_r = float(log1p_r.sum())
    sum_x_log1p_r = _dot(s.x, log1p_r)
    sum_log1p_inv_r = sum_log1p_r - s.n * np.log(g) + s.sum_log_xm
    ll = (
        _dot(s.counts, log_rising(pux, q))
        - s.n * float(gammaln(q))
        - p * sum_x_log1p_r
        - q * sum_log1p_inv_r
        - s.sum_log_m
    )
    psi_sum = digamma(pux + q)
    d_p = _dot(s.counts * s.ux, psi_sum - digamma(pux)) - sum_x_log1p_r
    d_q = _dot(s.counts, psi_sum) - s.n * digamma(q) - sum_log1p_inv_r
    # d/dg = sum (q x m / g - p x) / (g + x m) = q n / g - q sum(u) - p sum(x u)
    u = np.reciprocal(np.add(s.xm, g, out=s.work2), out=s.work2)
    d_g = q * s.n / g - q * float(u.sum()) - p * _dot(s.x, u)
    return ll, np.array([d_p, d_q, d_g])


def moment_start(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Starting (p, q, gamma) from the moments of log m_x, which exist however heavy the
    tail: given nu, x m_x is Gamma(px, nu), so Var(log m_x | x) = trigamma(q) +
    trigamma(p x) ~ trigamma(q) + 1/(p x), a line in 1/x whose slope is 1/p and whose
    intercept gives q; the mean of log m_x then gives gamma. Returns (p, q, gamma)."""
    log_m = np.log(m)
    ux, counts, index = count_values(x)
    means = np.bincount(index, log_m) / counts
    variances = np.bincount(index, (log_m - means[index]) ** 2) / counts
    keep = counts >= 10
    slope, intercept = 0.0, float(np.var(log_m))
    if keep.sum() >= 2:
        slope, intercept = np.polyfit(1 / ux[keep], variances[keep], 1, w=np.sqrt(counts[keep]))
    # At most P_START_MAX: towards large p the likelihood flattens into a ridge (p -> inf,
    # gamma -> 0 with p gamma fixed: no spread within a customer), so a search started out
    # there crawls; from the steep side it climbs to a large p when the data want one.
    p = float(np.clip(1 / slope if slope > 1 / P_START_MAX else P_START_MAX, 0.1, P_START_MAX))
    v = max(float(intercept), 1e-3)
    q = float(np.clip((1 + np.sqrt(1 + 2 * v)) / (2 * v), 1e-2, 1e4))  # 1/q + 1/2q^2 = v
    # gamma from the clipped p and q, unclipped: p gamma is the scale the data fix
    log_gamma = float(np.mean(log_m)) - np.log(p) + float(digamma(q))
    return np.array([p, q, np.exp(log_gamma)])


def fit(x: np.ndarray, m: np.ndarray) -> Fit:
    """Maximum-likelihood Gamma-Gamma parameters; ``x`` > 0 and ``m`` > 0. Returns the Fit.

    Fitted on spends divided by their geometric mean: gamma is in money and p, q are not,
    so on the raw scale gamma may be 1e4 times the others and the search is badly
    conditioned (the geometric mean, because the arithmetic one of heavy-tailed spend is
    at the mercy of a few customers). The model is scale-free (m -> m/s maps gamma ->
    gamma/s exactly), so gamma and its standard error are multiplied back and the
    log-likelihood is shifted by -n log s.
    """
    x = np.asarray(x, dtype=np.float64)
    m = np.asarray(m, dtype=np.float64)
    money = float(np.exp(np.mean(np.log(m))))
    spends = Spends(x, m / money)
    start = moment_start(x, m / money)
    scaled = maximise(
        NAMES,
        lambda p: log_likelihood(p, spends.x, spends.m, spends),
        start,
        int(x.size),
        basis=RIDGE_BASIS,
    )
    params = dict(scaled.params, gamma=scaled.params["gamma"] * money)
    errors = dict(scaled.std_errors, gamma=scaled.std_errors.get("gamma", np.nan) * money)
    return replace(
        scaled,
        params=params,
        std_errors=errors,
        log_likelihood=scaled.log_likelihood - x.size * np.log(money),
    )


def population_order_value(params: dict[str, float], observed: np.ndarray) -> tuple[float, str]:
    """The model's mean spend per transaction p*gamma/(q-1) and "model"; when q <= 1 that
    mean is infinite (spend too heavy-tailed for the model), so the observed mean of the
    repeat customers' averages is used instead, with "observed"."""
    p, q, g = (params[n] for n in NAMES)
    if q > 1:
        return p * g / (q - 1), "model"
    return float(np.mean(observed)), "observed"


def expected_order_value(
    params: dict[str, float], x: np.ndarray, m: np.ndarray, population: float
) -> np.ndarray:
    """E[spend per transaction | x, m_x] (Fader, Hardie & Lee 2005, eq. 5): the weighted
    mean p*(gamma + x*m)/(p*x + q - 1) of the population mean and the customer's own
    average ``m`` over x repeat transactions. Customers with x = 0 (and any whose
    expectation is not finite) get ``population``."""
    p, q, g = (params[n] for n in NAMES)
    denominator = p * x + q - 1
    own = np.where(x > 0, np.nan_to_num(m), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = p * (g + x * own) / denominator
    return np.where((x > 0) & (denominator > 0), value, population)


def spend_frequency_correlation(x: np.ndarray, m: np.ndarray) -> float:
    """Pearson correlation of repeat count and average spend among repeat customers: the
    model assumes it is near zero (the paper found 0.11 on CDNOW)."""
    if x.size < 3 or np.std(x) == 0 or np.std(m) == 0:
        return float("nan")
    return float(np.corrcoef(x, m)[0, 1])

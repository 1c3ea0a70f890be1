"""The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV:
Using Iso-Value Curves for Customer Base Analysis", JMR 42(4); Fader & Hardie 2013, "The
Gamma-Gamma Model of Monetary Value").

A customer's transactions are worth Gamma(p, nu) each, with nu ~ Gamma(q, gamma) across
customers. It is fitted on repeat customers only: x repeat transactions averaging m_x
(the first purchase is left out, as in the paper). It assumes a customer's average spend
does not depend on how often they buy; :func:`spend_frequency_correlation` checks that.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln

from segtui.engine.value.fitting import Fit, maximise, warm_start

NAMES = ("p", "q", "gamma")


def log_likelihood(
    params: np.ndarray,
    x: np.ndarray,
    m: np.ndarray,
    by_x: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[float, np.ndarray]:
    """Total log-likelihood of the average spends ``m`` of ``x`` repeat transactions, and
    its gradient in (p, q, gamma). ``by_x``: the distinct x and each customer's index into
    them (the gamma-function terms depend on x alone, so they are computed once per x)."""
    p, q, g = params
    ux, idx = by_x if by_x is not None else _by_x(x)
    pux = p * ux
    log_gamma_terms = (gammaln(pux + q) - gammaln(pux) - gammaln(q))[idx]
    psi_sum = digamma(pux + q)
    psi_px = digamma(pux)
    px = p * x
    log_m, log_x, log_gxm = np.log(m), np.log(x), np.log(g + x * m)
    ll = log_gamma_terms + q * np.log(g) + (px - 1) * log_m + px * log_x - (px + q) * log_gxm
    d_p = x * ((psi_sum - psi_px)[idx] + log_m + log_x - log_gxm)
    d_q = psi_sum[idx] - digamma(q) + np.log(g) - log_gxm
    d_g = q / g - (px + q) / (g + x * m)
    return float(ll.sum()), np.array([d_p.sum(), d_q.sum(), d_g.sum()])


def _by_x(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, index = np.unique(x, return_inverse=True)
    return values.astype(np.float64), index


def fit(x: np.ndarray, m: np.ndarray) -> Fit:
    """Maximum-likelihood Gamma-Gamma parameters; ``x`` > 0 and ``m`` > 0. Returns the Fit."""
    x = np.asarray(x, dtype=np.float64)
    m = np.asarray(m, dtype=np.float64)
    start = warm_start(lambda pick: fit(x[pick], m[pick]).params, x.size, NAMES)
    if start is None:
        start = np.array([1.0, 1.0, float(np.mean(m))])
    by_x = _by_x(x)
    return maximise(NAMES, lambda p: log_likelihood(p, x, m, by_x), start, int(x.size))


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

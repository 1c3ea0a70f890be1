"""The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "Counting Your
Customers the Easy Way", Marketing Science 24(2)).

While alive, a customer buys at a Poisson rate lambda ~ Gamma(r, alpha); after each purchase
they drop out with probability p ~ Beta(a, b). Each customer is summarised by x (repeat
purchases), t_x (time of the last purchase since the first) and T (time since the first
purchase to the end of observation), all in the same unit (weeks in segtui).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1

from segtui.engine.value.fitting import Fit, count_values, distinct_rows, maximise

NAMES = ("r", "alpha", "a", "b")


def _by_x(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique repeat counts and each customer's index into them: terms that depend only on
    x (gammaln, digamma) are computed once per distinct x instead of once per customer."""
    values, _, index = count_values(x)
    return values, index


def _wsum(weights: np.ndarray, values: np.ndarray) -> float:
    # einsum, not np.dot: BLAS threads only add overhead (and contend) on these vectors
    return float(np.einsum("i,i->", weights, values))


def log_likelihood(
    params: np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    by_x: tuple[np.ndarray, np.ndarray] | None = None,
    weights: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """Total log-likelihood (paper, eq. 6) and its gradient in (r, alpha, a, b).
    ``by_x``: :func:`_by_x` of ``x``, computed once per fit rather than per evaluation;
    ``weights``: how many customers share each (x, t_x, T) row (default 1 each).

    Per row: L = A1 + A2 (depend on x alone: computed once per distinct x and weighted by
    the customers with that x) + log(e^A3 + e^A4). With d = A4 - A3, the last term is
    A3 + max(d, 0) + log1p(e^-|d|), and the weight of the "dropped out" term e^A4 / (e^A3
    + e^A4) is the logistic function of d from the same exponential: four transcendental
    functions per row instead of six."""
    r, alpha, a, b = params
    ux, idx = by_x if by_x is not None else _by_x(x)
    w_rows = np.ones_like(x, dtype=np.float64) if weights is None else weights
    per_x = np.bincount(idx, w_rows, minlength=ux.size)  # customers per distinct x
    customers = float(per_x.sum())
    const = gammaln(r + ux) - gammaln(r) + betaln(a, b + ux) - betaln(a, b)
    total = _wsum(per_x, const) + customers * r * np.log(alpha)
    repeat = x > 0
    log_T = np.log(alpha + T)
    log_t = np.log(alpha + t_x)
    rx = r + x
    with np.errstate(divide="ignore", invalid="ignore"):
        log_b = np.log(b + ux - 1)[idx]
        d = np.where(repeat, np.log(a) - log_b + rx * (log_T - log_t), -np.inf)
    e = np.exp(-np.abs(d))
    total += _wsum(w_rows, np.maximum(d, 0.0) + np.log1p(e) - rx * log_T)
    drop = np.where(d >= 0, 1.0, e) / (1.0 + e)  # e^A4 / (e^A3 + e^A4), 0 when x = 0
    w_drop = w_rows * drop
    w_stay = w_rows - w_drop
    d_r = (
        _wsum(per_x, digamma(r + ux) - digamma(r))
        + customers * np.log(alpha)
        - _wsum(w_stay, log_T)
        - _wsum(w_drop, log_t)
    )
    d_alpha = (
        customers * r / alpha - _wsum(w_stay, rx / (alpha + T)) - _wsum(w_drop, rx / (alpha + t_x))
    )
    drop_per_x = np.bincount(idx, w_drop, minlength=ux.size)
    d_a = _wsum(per_x, digamma(a + b) - digamma(a + b + ux)) + drop_per_x.sum() / a
    with np.errstate(divide="ignore", invalid="ignore"):
        d_b_tail = np.where(ux > 0, drop_per_x / (b + ux - 1), 0.0)
    d_b = _wsum(per_x, digamma(a + b) + digamma(b + ux) - digamma(b) - digamma(a + b + ux))
    d_b -= float(d_b_tail.sum())
    return float(total), np.array([d_r, d_alpha, d_a, d_b])


def fit(
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    rows: tuple[np.ndarray, ...] | None = None,
) -> Fit:
    """Maximum-likelihood BG/NBD parameters for customers (x, t_x, T). Returns the Fit.

    The likelihood is summed over the distinct histories, weighted by how many customers
    share each (histories are in whole days, so there are far fewer than customers): an
    evaluation costs milliseconds at a million customers, so the search starts directly
    from moments. ``rows``: :func:`distinct_rows` of (x, t_x, T) when the caller has it.
    """
    x = np.asarray(x, dtype=np.float64)
    t_x = np.asarray(t_x, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    # the method-of-moments rate for r/alpha, a dropout probability of about 1/3
    rate = max(float(x.sum() / max(T.sum(), 1e-9)), 1e-3)
    start = np.array([1.0, 1.0 / rate, 1.0, 2.0])
    ux, ut, uT, counts, _ = rows if rows is not None else distinct_rows(x, t_x, T)
    by_x = _by_x(ux)
    weights = counts.astype(np.float64)
    return maximise(
        NAMES, lambda p: log_likelihood(p, ux, ut, uT, by_x, weights), start, int(x.size)
    )


def p_alive(params: dict[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(still a customer at T | x, t_x, T) (paper, eq. 13); 1 for customers without repeat
    purchases, whom the model cannot yet have seen drop out."""
    r, alpha, a, b = (params[n] for n in NAMES)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_ratio = (
            np.log(a) - np.log(b + x - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        )
        out = 1.0 / (1.0 + np.exp(log_ratio))
    return np.where(x > 0, out, 1.0)


def _growth(a: float, b: float, r: float, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """(a+b+x-1)/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)], the growth term of
    eq. 10 (and of eq. 9 with x = 0), evaluated after Euler's transformation
    2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z) as
    (a+b+x-1)/(a-1) [1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)]. Exactly equal, but
    the paper's form overflows for frequent buyers (r+x, b+x in the thousands gave NaN,
    and such a customer was predicted 0 purchases); here the upper parameters stay small.
    scipy's hyp2f1 returns inf near z = 1 when C-A-B is a whole number; those rows take
    the paper's form, or failing that a nudged by 1e-8 (the function is smooth in a).
    At a = 1 the ratio is 0/0: a is moved by 1e-7."""
    if abs(a - 1) < 1e-7:
        a = 1 + 1e-7

    def euler(a: float, x: np.ndarray, z: np.ndarray) -> np.ndarray:
        tail = np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        return (a + b + x - 1) / (a - 1) * (1 - tail)

    def paper(a: float, x: np.ndarray, z: np.ndarray) -> np.ndarray:
        tail = np.exp((r + x) * np.log1p(-z)) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        return (a + b + x - 1) / (a - 1) * (1 - tail)

    x, z = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(z, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.array(euler(a, x, z), dtype=np.float64)
        for form, a_used in ((paper, a), (euler, a * (1 + 1e-8))):
            bad = ~np.isfinite(out)
            if not bad.any():
                break
            out[bad] = form(a_used, x[bad], z[bad])
    return out


def expected_purchases(
    params: dict[str, float], t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """E[purchases in the next ``t`` time units | x, t_x, T] (paper, eq. 10)."""
    r, alpha, a, b = (params[n] for n in NAMES)
    if t <= 0:
        return np.zeros(np.shape(x))
    z = t / (alpha + T + t)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        denom = 1 + np.where(
            x > 0,
            a / (b + x - 1) * np.exp((r + x) * np.log((alpha + T) / (alpha + t_x))),
            0.0,
        )
        out = _growth(a, b, r, x, z) / denom
    return np.maximum(np.nan_to_num(out, nan=0.0, posinf=0.0), 0.0)


def expected_unconditional(params: dict[str, float], t: np.ndarray) -> np.ndarray:
    """E[X(t)]: expected repeat purchases of a new customer in ``t`` units (paper, eq. 9,
    Euler-transformed as in :func:`_growth` with x = 0)."""
    r, alpha, a, b = (params[n] for n in NAMES)
    t = np.asarray(t, dtype=np.float64)
    return _growth(a, b, r, np.zeros_like(t), t / (alpha + t))

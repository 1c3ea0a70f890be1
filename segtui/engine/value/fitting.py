"""Maximum likelihood on log-parameters, shared by BG/NBD and Gamma-Gamma.

Both models have closed-form log-likelihoods with closed-form gradients, so L-BFGS-B on the
log of each (positive) parameter converges in tens of iterations; every evaluation is a
handful of vectorised numpy operations over the customers, so a million customers fit in
seconds. Results are plain data: parameters, log-likelihood and how the optimizer ended.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

# Parameters are searched in log space within these bounds (1e-6 .. 1e6): wide enough for
# any data set in weeks or days, narrow enough that exp() never overflows.
LOG_BOUND = 6 * np.log(10)
# A fit "converged" when the optimizer says so and the gradient of the mean log-likelihood
# (per customer, in log-parameters) is this small.
GRADIENT_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Fit:
    """A fitted model: named parameters, total log-likelihood and convergence facts."""

    params: dict[str, float]
    log_likelihood: float
    n: int
    success: bool
    iterations: int
    gradient_norm: float
    message: str

    @property
    def converged(self) -> bool:
        """Optimizer success and a near-zero gradient (a boundary stop is not convergence)."""
        return self.success and self.gradient_norm < GRADIENT_TOLERANCE

    @property
    def usable(self) -> bool:
        """Finite parameters at a (near-)stationary point: the optimizer said so, or its
        line search gave up where the gradient is already near zero (flat likelihood near
        a limit of the model)."""
        finite = all(np.isfinite(v) for v in self.params.values())
        return finite and (self.success or self.gradient_norm < GRADIENT_TOLERANCE)

    @property
    def at_bound(self) -> list[str]:
        """Parameters at the edge of the search range: the likelihood keeps improving
        towards a limit of the model (e.g. no dropout at all), whose predictions are used."""
        edge = LOG_BOUND - np.log(10)  # within a factor 10 of 1e-6 or 1e6
        return [k for k, v in self.params.items() if abs(np.log(v)) > edge]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (for the summary)."""
        return {
            "params": {k: round(v, 6) for k, v in self.params.items()},
            "log_likelihood": round(self.log_likelihood, 4),
            "n": self.n,
            "converged": self.converged,
            "optimizer_success": self.success,
            "iterations": self.iterations,
            "gradient_norm": float(f"{self.gradient_norm:.3g}"),
            "at_bound": self.at_bound,
            "message": self.message,
        }


def maximise(
    names: tuple[str, ...],
    loglik_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    n: int,
) -> Fit:
    """Maximise ``loglik_and_grad(params) -> (total log-likelihood, gradient in params)``
    over log-parameters from ``start`` (natural scale). Returns the :class:`Fit`."""
    from scipy.optimize import minimize

    scale = max(n, 1)  # the mean log-likelihood keeps the optimizer's tolerances meaningful

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        value, grad = loglik_and_grad(params)
        if not np.isfinite(value):
            return np.inf, np.zeros_like(log_params)
        return -value / scale, -(grad * params) / scale

    result = minimize(
        objective,
        np.log(start),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-LOG_BOUND, LOG_BOUND)] * len(names),
        options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-8},
    )
    params = np.exp(result.x)
    value, grad = loglik_and_grad(params)
    return Fit(
        params={name: float(v) for name, v in zip(names, params, strict=True)},
        log_likelihood=float(value),
        n=n,
        success=bool(result.success),
        iterations=int(result.nit),
        gradient_norm=float(np.linalg.norm(grad * params / scale)),
        message=str(result.message),
    )


# Above this many customers a fit starts from the fit of a seeded sample of WARM_SAMPLE:
# the full-data optimizer then needs a few iterations instead of dozens. The result is the
# full data's maximum (the sample only chooses where the search begins).
WARM_START_ABOVE = 200_000
WARM_SAMPLE = 50_000


def warm_start(
    fit_sample: Callable[[np.ndarray], dict[str, float]], n: int, names: tuple[str, ...]
) -> np.ndarray | None:
    """Starting parameters from ``fit_sample(indices)`` on a seeded sample when ``n`` is
    large, else None."""
    if n <= WARM_START_ABOVE:
        return None
    pick = np.random.default_rng(0).choice(n, WARM_SAMPLE, replace=False)
    params = fit_sample(pick)
    return np.array([params[name] for name in names])


def distinct_rows(
    x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (x, t_x, T) rows, their counts and each customer's index into them.
    Histories are in whole days, so a million customers share far fewer distinct rows:
    the likelihood and the hypergeometric function run once per distinct row."""
    codes, sizes = [], []
    for column in (x, t_x, T):
        values, inverse = np.unique(column, return_inverse=True)
        codes.append(inverse.reshape(-1).astype(np.int64))
        sizes.append(values.size)
    if float(sizes[0]) * sizes[1] * sizes[2] < 2.0**62:
        # one int64 key per row: 1-D unique is ten times faster than unique(axis=0)
        key = (codes[0] * sizes[1] + codes[1]) * sizes[2] + codes[2]
        _, first, index, counts = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
    else:  # pragma: no cover - needs more than ~1.6 million distinct values per column
        rows = np.column_stack([x, t_x, T])
        _, first, index, counts = np.unique(
            rows, axis=0, return_index=True, return_inverse=True, return_counts=True
        )
    return x[first], t_x[first], T[first], counts, index.reshape(-1)

"""Maximum likelihood on log-parameters, shared by BG/NBD and Gamma-Gamma.

Both models have closed-form log-likelihoods with closed-form gradients. L-BFGS-B on the log
of each (positive) parameter does the search; every evaluation is a handful of vectorised
numpy operations, so a million customers fit in well under a second.

Convergence is then *checked*, not taken from the optimizer's word: the Hessian of the total
log-likelihood (central differences of the analytic gradient, 2k evaluations for k
parameters) gives the Newton estimate of how much the log-likelihood could still rise,
``improvement_left`` = g' (-H)^-1 g / 2. A fit converged when that is below
IMPROVEMENT_TOLERANCE log-likelihood units, far below the 1.92 units of a 95% confidence
interval, so the remaining error is statistically negligible at any sample size. When
L-BFGS-B stops short (its line search fails where the likelihood is nearly flat, as along
the Gamma-Gamma ridge of large p and small gamma), damped Newton steps finish the job. The
same Hessian gives each parameter's standard error (inverse observed information).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Parameters are searched in log space within these bounds (1e-6 .. 1e6): wide enough for
# any data set in weeks or days, narrow enough that exp() never overflows.
LOG_BOUND = 6 * np.log(10)
# A fit converged when the log-likelihood (total, not per customer) cannot rise by more
# than this: a hundredth of a unit is ~1/200 of a 95% confidence interval's half-width.
IMPROVEMENT_TOLERANCE = 1e-2
# Kept for the report and for `usable`: the gradient of the mean log-likelihood (per
# customer, in log-parameters) at a stationary point.
GRADIENT_TOLERANCE = 1e-3
NEWTON_STEPS = 20
RESTARTS = 3

LogLikelihood = Callable[[np.ndarray], tuple[float, np.ndarray]]


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
    improvement_left: float = float("inf")
    std_errors: dict[str, float] = field(default_factory=dict)
    evaluations: int = 0

    # Parameters at the edge of the search range (within a factor 10 of 1e-6 or 1e6 on the
    # scale searched): the likelihood keeps improving towards a limit of the model (e.g. no
    # dropout at all), whose predictions are used.
    at_bound: list[str] = field(default_factory=list)

    @property
    def converged(self) -> bool:
        """Finite parameters where the log-likelihood cannot rise by more than
        IMPROVEMENT_TOLERANCE over the parameters inside the search range."""
        finite = all(np.isfinite(v) for v in self.params.values())
        return finite and self.improvement_left < IMPROVEMENT_TOLERANCE

    @property
    def usable(self) -> bool:
        """Finite parameters at a (near-)stationary point: converged, the optimizer said
        so, or the gradient is already near zero (flat likelihood near a limit)."""
        finite = all(np.isfinite(v) for v in self.params.values())
        return finite and (
            self.converged or self.success or self.gradient_norm < GRADIENT_TOLERANCE
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (for the summary)."""
        return {
            "params": {k: round(v, 6) for k, v in self.params.items()},
            "std_errors": {k: _rounded(v) for k, v in self.std_errors.items()},
            "log_likelihood": round(self.log_likelihood, 4),
            "n": self.n,
            "converged": self.converged,
            "improvement_left": _rounded(self.improvement_left),
            "optimizer_success": self.success,
            "iterations": self.iterations,
            "evaluations": self.evaluations,
            "gradient_norm": _rounded(self.gradient_norm),
            "at_bound": self.at_bound,
            "message": self.message,
        }


def _rounded(value: float) -> float | None:
    """Three significant digits; None for what JSON cannot hold (inf, nan)."""
    return float(f"{value:.3g}") if np.isfinite(value) else None


class _Counted:
    """The log-likelihood over the search coordinates s, where log(params) = basis @ s,
    counting evaluations."""

    def __init__(self, loglik_and_grad: LogLikelihood, basis: np.ndarray) -> None:
        self.function = loglik_and_grad
        self.basis = basis
        self.calls = 0

    def __call__(self, search: np.ndarray) -> tuple[float, np.ndarray]:
        self.calls += 1
        params = np.exp(self.basis @ search)
        value, grad = self.function(params)
        # chain rule: d/dlog(theta) = theta d/dtheta, then through the basis
        return value, self.basis.T @ (grad * params)


def hessian(function: _Counted, log_params: np.ndarray) -> np.ndarray:
    """Hessian of the total log-likelihood in log-parameters: central differences of the
    analytic gradient (2k evaluations), symmetrised."""
    k = log_params.size
    out = np.empty((k, k))
    step = 1e-4
    for i in range(k):
        up, down = log_params.copy(), log_params.copy()
        up[i] += step
        down[i] -= step
        out[:, i] = (function(up)[1] - function(down)[1]) / (2 * step)
    return (out + out.T) / 2


@dataclass
class _Check:
    """The Newton check at one point (log-parameters)."""

    value: float  # total log-likelihood
    hessian: np.ndarray  # of the free parameters
    free: np.ndarray  # not held at a bound by a gradient pointing outside the range
    improvement_left: float  # inf where the Hessian is not negative definite
    step: np.ndarray  # the Newton step (zero for held parameters)


def newton_check(function: _Counted, log_params: np.ndarray) -> _Check:
    """The log-likelihood, Hessian, Newton step and the improvement it promises over the
    free parameters at ``log_params``."""
    value, grad = function(log_params)
    outside = np.abs(log_params) >= LOG_BOUND - 1e-6
    # Held on the edge: a coordinate whose gradient points out of the range, or along
    # which the likelihood curves upwards (an approach to a limit, not a maximum: its
    # gradient there is rounding noise around zero)
    held = outside & (np.sign(grad) == np.sign(log_params))
    step = np.zeros_like(log_params)
    if held.all():
        return _Check(value, np.zeros((0, 0)), ~held, 0.0, step)
    full = hessian(function, log_params)
    held |= outside & (np.diag(full) >= 0)
    free = ~held
    if not free.any():
        return _Check(value, np.zeros((0, 0)), free, 0.0, step)
    H = full[np.ix_(free, free)]
    try:
        chol = np.linalg.cholesky(-H)
    except np.linalg.LinAlgError:
        step[free] = ascent_step(H, grad[free])
        return _Check(value, H, free, float("inf"), step)
    solved = np.linalg.solve(chol.T, np.linalg.solve(chol, grad[free]))
    step[free] = solved
    return _Check(value, H, free, float(grad[free] @ solved / 2), step)


def ascent_step(H: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """An uphill step where the Hessian ``H`` is not negative definite: the Newton step
    with each curvature replaced by its absolute value (floored at 1e-8 of the largest),
    so it climbs along every direction, and along one where the likelihood curves upwards
    it moves by gradient / curvature instead of jumping to the minimum a Newton step
    seeks. Far out on the Gamma-Gamma ridge (p = 1e4 with the maximum at p ~ 100) the
    likelihood is convex in log p; L-BFGS-B's line search can stop there, and a plain
    Newton check had no step to offer, so the restarts began from the same point."""
    curvature, vectors = np.linalg.eigh(-H)
    size = np.abs(curvature)
    size = np.maximum(size, 1e-8 * max(float(size.max()), 1e-300))
    return vectors @ ((vectors.T @ grad) / size)


def polish(function: _Counted, log_params: np.ndarray) -> tuple[np.ndarray, _Check]:
    """Damped Newton steps from ``log_params`` until the improvement left is below
    IMPROVEMENT_TOLERANCE (or NEWTON_STEPS). Returns the log-parameters and their check."""
    check = newton_check(function, log_params)
    for _ in range(NEWTON_STEPS):
        if check.improvement_left < IMPROVEMENT_TOLERANCE or not check.step.any():
            break
        scale = 1.0
        while scale > 1e-4:  # halve the step until the log-likelihood rises
            trial = np.clip(log_params + scale * check.step, -LOG_BOUND, LOG_BOUND)
            value = function(trial)[0]
            if value > check.value:
                break
            scale /= 2
        else:
            break  # no rise along the Newton direction: as good as it gets
        if not np.isfinite(check.improvement_left) and scale == 1.0:
            # not concave here: the curvature-scaled step is no estimate of the distance
            # to the maximum, so keep doubling it while the likelihood keeps rising
            for _ in range(10):
                longer = np.clip(log_params + 2 * scale * check.step, -LOG_BOUND, LOG_BOUND)
                rise = function(longer)[0]
                if not rise > value:
                    break
                trial, value, scale = longer, rise, 2 * scale
        log_params = trial
        check = newton_check(function, log_params)
    return log_params, check


def snap_to_edge(function: _Counted, log_params: np.ndarray) -> np.ndarray:
    """Move coordinates that are within a factor 10 of the edge of the range, with the
    likelihood still rising towards it, onto the edge, if the likelihood is no lower
    there. When the best fit is a limit of the model (p -> inf), the likelihood creeps up
    to it ever more slowly and curves upwards on the way, so the optimizer stops anywhere
    along the approach and no Newton check there can call it a maximum; on the edge the
    coordinate is held and the check runs over the others."""
    value, grad = function(log_params)
    near = np.abs(log_params) > LOG_BOUND - np.log(10)
    rising = np.sign(grad) == np.sign(log_params)
    if not (near & rising).any():
        return log_params
    snapped = np.where(near & rising, np.sign(log_params) * LOG_BOUND, log_params)
    return snapped if function(snapped)[0] >= value - IMPROVEMENT_TOLERANCE else log_params


def std_errors(
    names: tuple[str, ...], params: np.ndarray, check: _Check, basis: np.ndarray
) -> dict[str, float]:
    """Standard errors from the inverse observed information of the free search
    coordinates (delta method back to the parameters); nan where there is none (a
    coordinate held at a bound, or a Hessian that is not negative definite)."""
    variance = np.full(len(names), np.nan)
    if np.isfinite(check.improvement_left) and check.free.any():
        free = check.free
        covariance = np.zeros((len(names), len(names)))
        covariance[np.ix_(free, free)] = np.linalg.inv(-check.hessian)
        variance = np.diag(basis @ covariance @ basis.T).copy()
        variance[~free] = np.nan
    return {
        name: float(value * np.sqrt(v))
        for name, value, v in zip(names, params, variance, strict=True)
    }


def maximise(
    names: tuple[str, ...],
    loglik_and_grad: LogLikelihood,
    start: np.ndarray,
    n: int,
    basis: np.ndarray | None = None,
) -> Fit:
    """Maximise ``loglik_and_grad(params) -> (total log-likelihood, gradient in params)``
    from ``start`` (natural scale), then check (and if needed finish) convergence with
    Newton steps. The search runs over s with log(params) = ``basis`` @ s (default: the
    identity, i.e. the log of each parameter), bounded to LOG_BOUND. Returns the Fit."""
    from scipy.optimize import minimize
    from threadpoolctl import threadpool_limits

    A = np.eye(len(names)) if basis is None else np.asarray(basis, dtype=np.float64)
    with threadpool_limits(limits=1, user_api="blas"):
        # the vectors are long but the algebra is 4 x 4: idle BLAS threads only busy-wait
        return _maximise(names, loglik_and_grad, start, n, A, minimize)


def _maximise(
    names: tuple[str, ...],
    loglik_and_grad: LogLikelihood,
    start: np.ndarray,
    n: int,
    basis: np.ndarray,
    minimize: Callable[..., Any],
) -> Fit:
    function = _Counted(loglik_and_grad, basis)
    scale = max(n, 1)  # the mean log-likelihood keeps the optimizer's tolerances meaningful

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = function(log_params)
        if not np.isfinite(value):
            return np.inf, np.zeros_like(log_params)
        return -value / scale, -grad / scale

    log_params = np.clip(np.linalg.solve(basis, np.log(start)), -LOG_BOUND, LOG_BOUND)
    iterations = 0
    for _ in range(RESTARTS):
        # L-BFGS-B's line search may give up on a nearly flat ridge with a stale curvature
        # estimate; Newton steps finish from there, and if even they cannot (the Hessian
        # is not negative definite that far out), a fresh L-BFGS-B run starts from the point
        result = minimize(
            objective,
            log_params,
            jac=True,
            method="L-BFGS-B",
            bounds=[(-LOG_BOUND, LOG_BOUND)] * len(names),
            options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-8},
        )
        iterations += int(result.nit)
        log_params, check = polish(function, snap_to_edge(function, result.x))
        if check.improvement_left < IMPROVEMENT_TOLERANCE:
            break
    params = np.exp(basis @ log_params)
    value, grad = function(log_params)
    edge = [
        name for name, v in zip(names, log_params, strict=True) if abs(v) > LOG_BOUND - np.log(10)
    ]
    errors = std_errors(names, params, check, basis)
    # no standard error at the edge of the range: the maximum is not a stationary point there
    errors.update({name: float("nan") for name in edge})
    return Fit(
        params={name: float(v) for name, v in zip(names, params, strict=True)},
        log_likelihood=float(value),
        n=n,
        success=bool(result.success),
        iterations=iterations,
        gradient_norm=float(np.linalg.norm(grad / scale)),
        message=stop_message(result.message),
        improvement_left=check.improvement_left,
        std_errors=errors,
        evaluations=function.calls,
        at_bound=edge,
    )


def count_values(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct values of ``x``, their counts and each element's index into them, as
    np.unique returns them. Repeat counts are small whole numbers, so a bincount does it
    in one linear pass instead of np.unique's sort (a quarter of a second at 1e6)."""
    x = np.asarray(x, dtype=np.float64)
    whole = x.size > 0 and x.min() >= 0 and x.max() < 1e7 and bool(np.all(x == np.floor(x)))
    if not whole:
        values, index, counts = np.unique(x, return_inverse=True, return_counts=True)
        return values, counts, index.reshape(-1)
    as_int = x.astype(np.int64)
    every = np.bincount(as_int)
    present = every > 0
    position = np.cumsum(present) - 1
    return np.flatnonzero(present).astype(np.float64), every[present], position[as_int]


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: spreads every input bit over the 64-bit hash."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def distinct_rows(
    x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (x, t_x, T) rows, their counts and each customer's index into them.
    Histories are in whole days, so a million customers share far fewer distinct rows:
    the likelihood and the hypergeometric function run once per distinct row.

    Rows are grouped by one sort of a 64-bit hash of their bits (one sort instead of one
    per column and one of the combined codes: 0.6 -> 0.15 s at 1e6), and the grouping is
    then verified exactly: every row must equal its group's first row. A hash collision
    (never seen; odds ~1e-8 at 1e6 distinct rows) falls back to sorting the rows.
    """
    columns = [np.ascontiguousarray(c, dtype=np.float64) for c in (x, t_x, T)]
    h = np.zeros(columns[0].size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in columns:
            h = _mix(h ^ column.view(np.uint64))
    _, first, index, counts = np.unique(
        h, return_index=True, return_inverse=True, return_counts=True
    )
    index = index.reshape(-1)
    exact = all(np.array_equal(c[first][index], c, equal_nan=True) for c in columns)
    if not exact:  # pragma: no cover - a 64-bit hash collision
        rows = np.column_stack(columns)
        _, first, index, counts = np.unique(
            rows, axis=0, return_index=True, return_inverse=True, return_counts=True
        )
        index = index.reshape(-1)
    return columns[0][first], columns[1][first], columns[2][first], counts, index


def stop_message(message: object) -> str:
    """scipy's reason for stopping, readable: recent L-BFGS-B versions say only
    "ABNORMAL: " when the line search finds no step that raises the likelihood, which the
    warnings showed as "(ABNORMAL: )"."""
    text = str(message).strip()
    if text.rstrip(":").strip().upper() in ("ABNORMAL", "ABNORMAL_TERMINATION_IN_LNSRCH"):
        return "ABNORMAL: the line search found no step that raises the likelihood"
    return text

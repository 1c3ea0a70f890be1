"""Independent fits side by side (clustering/threads.fit_pool): the same results as one
thread, to the bit; warnings, errors and nesting handled in the caller's thread."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

from segtui.engine.clustering import stability, sweep, threads


def heavy_tailed(n: int = 3_000, seed: int = 0) -> np.ndarray:
    """A Pareto-like matrix (log spend, log frequency, recency) with many one-timers."""
    rng = np.random.default_rng(seed)
    spend = np.log1p(rng.pareto(1.2, n) * 30)
    frequency = np.log1p(np.where(rng.random(n) < 0.6, 1, 1 + rng.poisson(3, n)))
    recency = rng.exponential(90, n)
    X = np.column_stack([spend, frequency, recency])
    return (X - X.mean(axis=0)) / X.std(axis=0)


def as_tuples(result: sweep.SweepResult) -> list[tuple[str, ...]]:
    """Every figure of every row as its repr (NaN equals NaN, floats to the bit)."""
    return [tuple(repr(v) for v in vars(row).values()) for row in result.rows]


@pytest.fixture
def cpus(monkeypatch):
    """Pretend the process may run on ``n`` CPUs."""

    def set_cpus(n: int) -> None:
        monkeypatch.setattr(threads.os, "sched_getaffinity", lambda _pid: set(range(n)))
        monkeypatch.setattr(threads, "POOL_MIN_ROWS", 100)  # small test data on threads too

    return set_cpus


def test_the_sweep_on_threads_equals_the_sweep_on_one(cpus, monkeypatch):
    X = heavy_tailed()
    names: set[str] = set()
    fit = stability.fit_centers

    def recording(*args, **kwargs):
        names.add(threading.current_thread().name)
        return fit(*args, **kwargs)

    monkeypatch.setattr(stability, "fit_centers", recording)
    cpus(1)
    alone = sweep.sweep_matrix(X, 2, 8, seed=7, n_init=4)
    assert names == {threading.current_thread().name}
    names.clear()
    cpus(3)
    side_by_side = sweep.sweep_matrix(X, 2, 8, seed=7, n_init=4)
    assert {name.startswith("segtui-fit") for name in names} == {True}
    assert len(names) == 3
    assert as_tuples(side_by_side) == as_tuples(alone)
    assert side_by_side.recommended_k == alone.recommended_k


def test_stability_on_threads_equals_stability_on_one(cpus):
    X = heavy_tailed(2_000, seed=3)
    plan = stability.make_plan(X.shape[0], seed=11, n_init=3)
    cpus(1)
    alone = [stability.stability(X, k, plan) for k in (2, 4, 6)]
    cpus(2)
    assert [stability.stability(X, k, plan) for k in (2, 4, 6)] == alone


def test_rows_arrive_in_order_of_k(cpus):
    cpus(2)
    seen: list[int] = []
    sweep.sweep_matrix(heavy_tailed(800), 2, 7, seed=1, n_init=2, on_row=lambda r: seen.append(r.k))
    assert seen == [2, 3, 4, 5, 6, 7]


def test_few_distinct_profiles_warn_nobody_and_leave_the_filters_alone(cpus):
    cpus(2)
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), 40, axis=0)
    X = X + np.repeat(np.arange(120)[:, None] % 2, 2, axis=1) * 1e-3
    before = list(warnings.filters)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = sweep.sweep_matrix(X, 2, 9, seed=0, n_init=2)
        inside = list(warnings.filters)
    assert [str(w.message) for w in caught if "distinct clusters" in str(w.message)] == []
    assert inside[0][0] == "always"  # the pool's own filter is gone once it returns
    assert list(warnings.filters) == before
    assert min(row.n_segments for row in result.rows) <= 6  # the fits did meet duplicates


def test_an_error_in_a_task_reaches_the_caller_and_no_fit_thread_outlives_it(cpus):
    cpus(2)

    def boom() -> int:
        raise ValueError("from a fit thread")

    pool = threads.fit_pool(5, rows=10_000)
    with pytest.raises(ValueError, match="from a fit thread"), pool as submit:
        tasks = [submit(boom)] + [submit(lambda: 1) for _ in range(4)]
        [task.result() for task in tasks]
    assert not [t for t in threading.enumerate() if t.name.startswith("segtui-fit")]


def test_no_pool_inside_a_fit_thread(cpus):
    cpus(4)
    with threads.fit_pool(4, rows=10_000) as submit:
        inner = submit(threads.fit_threads).result()
        marked = submit(threads.in_fit_thread).result()
    assert (inner, marked) == (1, True)
    assert threads.fit_threads() == 4 and not threads.in_fit_thread()


def test_small_fits_stay_on_the_callers_thread(cpus, monkeypatch):
    cpus(4)
    monkeypatch.setattr(threads, "POOL_MIN_ROWS", 5_000)
    with threads.fit_pool(9, rows=4_999) as submit:
        assert submit(threads.in_fit_thread).result() is False
    with threads.fit_pool(9, rows=5_000) as submit:
        assert submit(threads.in_fit_thread).result() is True

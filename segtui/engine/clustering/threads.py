"""One thread for BLAS and OpenMP during small K-Means fits, without a library scan each
time; independent fits side by side on a small pool of threads.

``threadpoolctl.threadpool_limits`` looks up every loaded shared library on each call
(about 15 ms); the sweep behind ``--k auto`` makes some 60 small fits, so the scans alone
cost about a second of CPU. One controller, made once after scikit-learn's OpenMP runtime
is loaded, sets the same limits in microseconds. Results do not depend on it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@functools.cache
def _controller() -> Any:
    import sklearn.cluster  # noqa: F401  (loads the OpenMP runtime the controller must see)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_thread(user_api: str | None = None) -> Any:
    """A context manager limiting ``user_api`` ("blas", "openmp"; None: both) to one
    thread, like ``threadpool_limits(limits=1, user_api=...)``."""
    return _controller().limit(limits=1, user_api=user_api)


# Independent seeded fits (the sweep's candidate k, a stability check's resamples) run on
# this many threads at most. scikit-learn's Lloyd iterations release the GIL, so two fits
# overlap on two cores; each keeps OpenMP at one thread, so results do not change.
MAX_FIT_THREADS = 4
# ... and only when each fit has this many rows: below it the fits are short and mostly
# Python (the GIL), and two threads cost more than they save. The sweep of k = 2..10 on a
# Pareto-like matrix, one thread against two, idle 2-core machine (wall s): 1,000 rows
# 0.55 / 0.90; 2,500 rows 0.93 / 1.20; 4,000 rows 1.40 / 1.38; 5,000 rows 1.79 / 1.43;
# 20,000 rows 2.95 / 2.03; 100,000 rows 3.20 / 2.20. The 200-customer reference run took
# 1.87 s on one thread and 2.05 s on two.
POOL_MIN_ROWS = 5_000

_local = threading.local()


def fit_threads() -> int:
    """Threads for independent fits: the CPUs this process may run on, at most
    ``MAX_FIT_THREADS``; 1 inside a fit thread (no nested pools)."""
    if in_fit_thread():
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_FIT_THREADS))


def _mark_fit_thread() -> None:
    _local.fit_thread = True


class _Now(Generic[T]):
    """A finished-on-demand stand-in for a Future: sequential runs keep the same loop."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn

    def result(self) -> T:
        return self._fn()


@contextlib.contextmanager
def fit_pool(tasks: int, rows: int) -> Iterator[Callable[[Callable[[], T]], Any]]:
    """A ``submit(fn)`` that runs ``fn`` on up to :func:`fit_threads` threads; its
    ``.result()`` returns ``fn()``. Read results in submission order: each task must be
    independent of the others (seeded, reads shared arrays only). ``rows``: the rows each
    task fits on (one thread below ``POOL_MIN_ROWS``).

    On one thread (one CPU, small fits, or already inside a fit thread) ``fn`` runs when
    its result is asked for, as a plain loop would. Leaving the block on an error cancels
    the tasks not yet started and waits for the running ones, so no fit outlives the caller.
    Warnings are process-global and ``warnings.catch_warnings`` is not thread-safe:
    scikit-learn's "fewer distinct clusters than k" warning (expected on data with few
    distinct profiles) is silenced here, in the caller's thread, for the whole pool.
    """
    threads = min(fit_threads(), tasks) if rows >= POOL_MIN_ROWS else 1
    if threads <= 1:
        yield _Now
        return
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pool = ThreadPoolExecutor(
            threads, thread_name_prefix="segtui-fit", initializer=_mark_fit_thread
        )
        try:
            yield pool.submit
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def in_fit_thread() -> bool:
    """True on a :func:`fit_pool` thread (whose caller already silenced fit warnings)."""
    return bool(getattr(_local, "fit_thread", False))

"""One thread for BLAS and OpenMP during small K-Means fits, without a library scan each time.

``threadpoolctl.threadpool_limits`` looks up every loaded shared library on each call
(about 15 ms); the sweep behind ``--k auto`` makes some 60 small fits, so the scans alone
cost about a second of CPU. One controller, made once after scikit-learn's OpenMP runtime
is loaded, sets the same limits in microseconds. Results do not depend on it.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _controller() -> Any:
    import sklearn.cluster  # noqa: F401  (loads the OpenMP runtime the controller must see)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_thread(user_api: str | None = None) -> Any:
    """A context manager limiting ``user_api`` ("blas", "openmp"; None: both) to one
    thread, like ``threadpool_limits(limits=1, user_api=...)``."""
    return _controller().limit(limits=1, user_api=user_api)

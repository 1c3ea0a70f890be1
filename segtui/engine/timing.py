"""The step timer: wall seconds per step of a run, kept in ``result.timings``.

Steps add to a plain dict (``timed``); the CLI prints them when ``SEGTUI_TIMINGS=1``
(``segtui.cli.timings``). Stdlib only: every step may import it at no cost.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def timed(timings: dict[str, float] | None, name: str) -> Iterator[None]:
    """Add the block's wall seconds to ``timings[name]`` (when given): the steps of a
    run (``result.timings``, never the summary, so outputs stay byte-identical)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        if timings is not None:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - started

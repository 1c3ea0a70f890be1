"""Progress for Python callers: a tqdm bar (notebook widget or text) when tqdm is installed.

The engine reports stages as short texts ("Reading data", "Clustering"...). ``progress=True``
shows them on a ``tqdm.auto`` bar, which is a widget in Jupyter and text elsewhere; without
tqdm it stays quiet (tqdm is never a dependency). ``progress=False`` is always quiet, and a
callable receives the stage texts itself.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator
from typing import Any

Progress = Callable[[str], None]
ProgressOption = bool | Progress


def _tqdm() -> Any | None:
    """``tqdm.auto.tqdm`` when tqdm is installed, else None."""
    try:
        return importlib.import_module("tqdm.auto").tqdm
    except ImportError:
        return None


@contextlib.contextmanager
def progress_callback(option: ProgressOption, title: str) -> Iterator[Progress]:
    """Yield the callback the engine calls with each stage; close the bar on exit."""
    if callable(option):
        yield option
        return
    bar_class = _tqdm() if option else None
    if bar_class is None:
        yield lambda _stage: None
        return
    # The number of stages depends on the options (k = "auto" adds a sweep), so the bar
    # counts stages and names the current one instead of pretending to know a total.
    bar = bar_class(total=None, desc=title, unit="step", leave=False)
    try:

        def step(stage: str) -> None:
            bar.set_description_str(f"{title}: {stage}")
            bar.update(1)

        yield step
    finally:
        bar.close()

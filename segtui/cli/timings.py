"""``SEGTUI_TIMINGS=1``: where a ``segtui run`` spent its time, printed to stderr.

The engine's steps come from ``result.timings`` (``segtui.engine.timing``); this face
adds start-up (process start, imports and options) and the writing and report steps.
Steps are listed in run order and do not overlap, so they sum to at most the wall time;
work done beside a step (the manifest's hashing, the value models with ``--clv``) is in
no line of its own. The interpreter's exit comes after the last line and is not in it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping

ENV = "SEGTUI_TIMINGS"

# (key, label) in run order: only these keys are printed, so nested or parallel parts
# (``clustering``, ``total``, ``value_*``) are never counted twice.
STEPS = [
    ("startup", "start-up (interpreter, imports, options)"),
    ("checks", "option checks (their imports)"),
    ("inspection", "inspection (find and check the source)"),
    ("features", "reading + features/aggregation"),
    ("sklearn_import", "waiting for scikit-learn's import"),
    ("inner_split", "inner time split (k rule, activity states)"),
    ("space", "clustering space"),
    ("k_choice", "choice of k"),
    ("kmeans", "k-means"),
    ("scores_profiles", "scores, stability and profiles"),
    ("explanation", "explanation"),
    ("value", "value models (after clustering)"),
    ("writing", "summary and writing outputs"),
    ("report", "summary on screen"),
]


def enabled() -> bool:
    """True when ``SEGTUI_TIMINGS`` asks for the step timings (1, true, yes, on)."""
    return os.environ.get(ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def process_age() -> float | None:
    """Seconds since this process started (Linux: /proc/self/stat against the boot
    clock, 10 ms resolution); None where that cannot be read."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        ticks = int(fields[19])  # field 22 of proc(5), counted after the ")" of comm
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class StepClock:
    """The face's own steps around the engine's: start-up from the process start to the
    engine's call, then each ``mark``ed step from the previous mark."""

    def __init__(self) -> None:
        now = time.perf_counter()
        age = process_age()
        # Without /proc the clock starts when the command starts: start-up reads 0.
        self.origin = now - age if age is not None else now
        self.last = self.origin
        self.steps: dict[str, float] = {}

    def mark(self, name: str) -> None:
        """Close step ``name`` now (its time is from the previous mark)."""
        now = time.perf_counter()
        self.steps[name] = self.steps.get(name, 0.0) + now - self.last
        self.last = now

    def skip(self) -> None:
        """Restart the face's clock now: the time since the last mark was the engine's,
        timed by its own steps."""
        self.last = time.perf_counter()

    def report(self, engine: Mapping[str, float]) -> str:
        """The step table: one line per step that ran, then the wall time so far."""
        measured = {**engine, **self.steps}
        wall = time.perf_counter() - self.origin
        lines = ["segtui timings (seconds, wall clock):"]
        for key, label in STEPS:
            if key in measured:
                lines.append(f"  {key:<16} {measured[key]:8.3f}  {label}")
        listed = sum(measured[key] for key, _label in STEPS if key in measured)
        lines.append(f"  {'other':<16} {max(0.0, wall - listed):8.3f}  not in a step above")
        lines.append(f"  {'wall':<16} {wall:8.3f}  process start to here (exit not included)")
        return "\n".join(lines)


def print_report(clock: StepClock, engine: Mapping[str, float]) -> None:
    """Print ``clock``'s report to stderr."""
    print(clock.report(engine), file=sys.stderr, flush=True)

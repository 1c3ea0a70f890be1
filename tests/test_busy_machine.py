"""A busy machine slows a run down in proportion, never stalls it (issue 29, item 1).

The scikit-learn import runs in a background thread while Polars reads, and the main
thread waits for it on the module's import lock. At niceness 19 that thread got almost
no CPU while anything else ran: with two CPU-bound processes on a 2-core machine a
60-customer run took 76 s instead of 3 s. These tests run each kind of run with a
CPU-bound process on every core and hold it to 3x its idle time, and check that the
thread holding the import lock runs at the main thread's priority.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX scheduling")

# What the child processes see: the default thread pools (not the test workers' one
# Polars thread), so the run is the one a user starts.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "POLARS_MAX_THREADS"}
CHILD_ENV["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])


@contextmanager
def every_core_busy() -> Iterator[None]:
    """One CPU-bound process per core (in this session, as `yes > /dev/null` from the
    same shell would be), stopped on exit."""
    hogs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        time.sleep(0.3)  # let them start spinning before the run begins
        yield
    finally:
        for hog in hogs:
            hog.kill()
        for hog in hogs:
            hog.wait()


def timed_segtui(argv: list[str], cwd: Path, timeout: float) -> float:
    """Wall seconds of ``segtui argv`` in a fresh interpreter; fails on exit != 0."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "segtui", *argv],
        cwd=cwd,
        env=CHILD_ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    return elapsed


@pytest.fixture(scope="module")
def sample_60(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The issue's case: `segtui sample --customers 60 --transactions 600`, and a model
    saved from it for --like."""
    from segtui.engine.sample import generate

    folder = tmp_path_factory.mktemp("busy")
    generate(60, 600).write(folder / "data")
    timed_segtui(["run", "data", "-q", "--save-model", "model.json"], folder, timeout=120)
    return folder


RUNS = {
    "run": ["run", "data", "-q"],
    "like": ["run", "data", "-q", "--like", "model.json"],
    "clv": ["run", "data", "-q", "--clv"],
    "k-auto": ["run", "data", "-q", "--k", "auto"],
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(RUNS))
def test_a_run_on_a_busy_machine_takes_at_most_three_times_its_idle_time(
    kind: str, sample_60: Path
) -> None:
    # The bound is the brief's 3x. On an idle 2-core machine the run gets 2/3 of a core
    # beside two spinning processes (1.5x); on a machine already shared with other
    # sessions (Linux autogroups) its share drops to about a third, so the bound is
    # tight there and one measurement pair may be repeated. The stall this guards
    # against was 25x (76 s against 3 s), and fails both.
    argv = [*RUNS[kind], "--out", f"{kind}.csv", "--force"]
    figures = []
    for _attempt in range(2):
        idle = min(timed_segtui(argv, sample_60, timeout=120) for _ in range(2))
        with every_core_busy():
            try:
                busy = timed_segtui(argv, sample_60, timeout=3 * idle)
            except subprocess.TimeoutExpired:
                busy = float("inf")
        figures.append(f"idle {idle:.2f} s, every core busy {busy:.2f} s")
        print(f"{kind}: {figures[-1]}")
        if busy <= 3 * idle:
            return
    pytest.fail(f"{kind} took more than 3x its idle time on a busy machine: {figures}")


PROBE = textwrap.dedent(
    """
    import os, time
    from segtui.engine.features import fastpath

    fastpath.preload_sklearn()
    thread = fastpath._preload
    seen = []
    # While the preload thread is alive it holds (or is about to take) scikit-learn's
    # import locks: sample its priority the whole time.
    while thread.is_alive():
        try:
            seen.append(os.getpriority(os.PRIO_PROCESS, thread.native_id))
        except OSError:
            break  # the thread ended between the check and the call
        time.sleep(0.005)
    import sklearn.cluster
    import json
    print(json.dumps({"samples": len(seen), "levels": sorted(set(seen)),
                      "main": os.getpriority(os.PRIO_PROCESS, 0)}))
    """
)


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="thread priority is POSIX-only")
def test_the_preload_thread_holds_the_import_lock_at_the_main_threads_priority() -> None:
    # A fresh interpreter, so the import really happens in the preload thread.
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=CHILD_ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["samples"] > 0, "the import finished before it could be observed"
    assert seen["levels"] == [seen["main"]], seen

"""Benchmark: what `--clv` adds to `segtui run` (target: at most +50% on 1,000,000 customers).

Usage: python bench/bench_clv.py [--customers N] [--transactions M] [--repeats R] [--out FILE]

Generates the planted dataset (segtui.engine.sample.generate, seed 7, as `segtui sample`
does) as Parquet in a temporary folder, then times `python -m segtui run DIR -q` with and
without `--clv` as child processes, alternating the two so both see the same machine load,
R times each. Prints (and with --out appends to FILE) the medians, the ratio, the value
step's own time and its parts (calibration pass, distinct histories, each fit, predictions,
stages, attaching the columns) from one in-process run, and the load average. Since the
fits run in a thread beside the clustering, "after the clustering" is the wall time the
value step adds there; the parts are each part's own wall time, wherever it ran.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(args: list[str]) -> float:
    """Wall seconds of one child process (it must succeed)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "segtui", *args], check=True)
    return time.perf_counter() - started


def each(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from segtui.config import Settings
    from segtui.engine.pipeline import run
    from segtui.engine.sample import generate

    with tempfile.TemporaryDirectory() as folder:
        generate(args.customers, args.transactions, seed=7, groups=4).write(
            Path(folder), fmt="parquet"
        )
        loads = [os.getloadavg()[0]]
        plain: list[float] = []
        value: list[float] = []
        for _ in range(args.repeats):
            plain.append(timed(["run", folder, "-q"]))
            value.append(timed(["run", folder, "-q", "--clv"]))
            loads.append(os.getloadavg()[0])
        result = run(Settings(source=Path(folder), clv=True))
    assert result.value is not None
    fits = result.value["fits"]
    lines = [
        f"# bench_clv {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
        f"{platform.python_version()}; load average (1 min) during the runs: "
        f"{min(loads):.1f}..{max(loads):.1f}",
        f"data: {args.customers:,} customers, {args.transactions:,} transactions (Parquet)",
        f"run:        median {statistics.median(plain):.2f} s ({each(plain)})",
        f"run --clv:  median {statistics.median(value):.2f} s ({each(value)})",
        f"--clv adds {statistics.median(value) / statistics.median(plain) - 1:+.0%} "
        f"(target: at most +50%); the value step after the clustering (in process): "
        f"{result.timings['value']:.2f} s",
        "value step by part (s; all but stages and attach run beside the clustering): "
        + ", ".join(
            f"{name.removeprefix('value_')} {seconds:.2f}"
            for name, seconds in result.timings.items()
            if name.startswith("value_")
        ),
        *(
            f"fit {model}: {fit['iterations']} iterations, {fit['evaluations']} evaluations, "
            f"converged {fit['converged']} (log-likelihood still to gain "
            f"{fit['improvement_left']}), at bound {fit['at_bound']}"
            for model, fit in fits.items()
        ),
    ]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        with args.out.open("a", encoding="utf-8") as handle:
            handle.write(text + "\n\n")


if __name__ == "__main__":
    main()

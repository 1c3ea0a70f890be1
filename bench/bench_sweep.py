"""Benchmark: `segtui sweep` k = 2..10 on 1,000,000 customers (target: <= 15 s).

Usage: python bench/bench_sweep.py [--customers N] [--transactions M] [--repeats R]

Generates the planted dataset in memory (segtui.engine.sample.generate, seed 7, 4 groups),
computes the default features once (timed separately: it is the same work `segtui run`
does), then times `segtui.engine.clustering.sweep.sweep(feature_table, Settings(), 2, 10)`, which
includes building the clustering space, R times, and prints the median and each stage.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--transactions", type=int, default=5_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--k-min", type=int, default=2)
    parser.add_argument("--k-max", type=int, default=10)
    args = parser.parse_args()

    from segtui.config import Settings
    from segtui.engine.clustering.sweep import sweep
    from segtui.engine.features.compute import compute_features
    from segtui.engine.io.sources import load_source
    from segtui.engine.sample import generate

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        generate(args.customers, args.transactions, seed=7, groups=4).write(
            Path(folder), fmt="parquet"
        )
        generated = time.perf_counter() - started
        settings = Settings(source=Path(folder))
        started = time.perf_counter()
        table = compute_features(load_source(settings.source), settings.features)
        featured = time.perf_counter() - started

    timings: list[float] = []
    cpu_times: list[float] = []
    stage_times: dict[str, list[float]] = {}
    result = None
    for _ in range(args.repeats):
        last = [time.perf_counter(), "start"]

        def progress(stage: str, last: list = last) -> None:
            now = time.perf_counter()
            key = "k" if str(last[1]).startswith("k = ") else str(last[1])
            stage_times.setdefault(key, []).append(now - float(last[0]))
            last[0], last[1] = now, stage

        started, cpu = time.perf_counter(), time.process_time()
        result = sweep(table, settings, args.k_min, args.k_max, progress=progress)
        progress("end")
        timings.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu)
    assert result is not None
    load = os.getloadavg()[0]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
        f"{platform.python_version()}, load average {load:.1f} at the end"
    )
    print(
        f"data: {args.customers:,} customers, {args.transactions:,} transactions "
        f"(generated in {generated:.1f} s, features in {featured:.1f} s, not in the sweep time)"
    )
    print(
        f"sweep k={args.k_min}..{args.k_max}: median {statistics.median(timings):.2f} s "
        f"over {args.repeats} runs ({', '.join(f'{t:.2f}' for t in timings)}); "
        f"CPU time median {statistics.median(cpu_times):.2f} s (single-threaded by design, "
        "so on an idle machine wall time ~ CPU time)"
    )
    print(
        f"  fit sample {result.fit_sample_size:,}, silhouette sample "
        f"{result.silhouette_sample_size:,}, {result.stability_method}"
    )
    n_k = args.k_max - args.k_min + 1
    for stage, values in stage_times.items():
        per_run = sum(values) / args.repeats
        label = f"all {n_k} k (fit, assign, scores, stability)" if stage == "k" else stage
        print(f"  {label}: {per_run:.2f} s per run")
    print(f"recommended k = {result.recommended_k}")
    for row in result.rows:
        print(
            f"  k={row.k:2d} DB {row.davies_bouldin:.3f} sil {row.silhouette:.3f} "
            f"CH {row.calinski_harabasz:,.0f} inertia {row.inertia:,.0f} "
            f"stability {row.stability:.3f}"
        )


if __name__ == "__main__":
    main()

"""Time the saved-model commands on generated data (not a test: run it by hand).

    .venv/bin/python bench/bench_models.py --customers 100000 --transactions 1000000

Prints one line per step (seconds, peak RSS so far) and checks that assigning the training
data reproduces the run's segments exactly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

from segtui.engine.models.assign import assign
from segtui.engine.models.build import build_model
from segtui.engine.models.integrity import hash_files
from segtui.engine.models.lookalike import lookalikes
from segtui.engine.models.migration import migrate_sources
from segtui.engine.models.model import load_model, save_model
from segtui.engine.pipeline import segment
from segtui.engine.sample import generate


def main() -> None:
    """Generate data, then time run+save, load, hash, assign, lookalike --all, migrate."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        generate(args.customers, args.transactions, seed=7, groups=4).write(folder)
        steps: list[tuple[str, float]] = []

        def timed(label, func):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            value = func()
            steps.append((label, time.perf_counter() - started))
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{label:<28} {steps[-1][1]:7.2f} s   peak RSS {rss:,.0f} MB", flush=True)
            return value

        result = timed("run (k=4)", lambda: segment(folder))
        path = Path(tmp) / "model.json"
        timed(
            "build + save model", lambda: save_model(build_model(result, result.input_files), path)
        )
        model = timed("load model", lambda: load_model(path))
        timed("hash input files", lambda: hash_files(result.input_files))
        assigned = timed("assign (training data)", lambda: assign(model, folder))
        snap = assigned.snapshot
        timed(
            "lookalike --all --top 3",
            lambda: lookalikes(snap.customer_ids, snap.matrix, None, top=3),
        )
        timed(
            "migrate (two as-of dates)",
            lambda: migrate_sources(model, folder, as_of_before=dt.date(2024, 7, 1)),
        )
        same = assigned.segments.drop("distance").equals(result.segments)
        print(f"assign reproduces the run exactly: {same}")


if __name__ == "__main__":
    main()

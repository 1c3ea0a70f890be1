"""Benchmark: ``--engine spark`` in local mode at 1e6 and 1e7 transactions.

For each size the data is made once with
``segtui sample DIR --customers N/10 --transactions N --format parquet``; then, in one
Python process and one Spark session:

- the Polars engine (``pipeline.run``) as the single-machine reference,
- the Spark engine with its default rule (driver path: scikit-learn on the collected
  per-customer table, because N/10 customers is under the 1,000,000 driver limit),
- the Spark engine forced onto MLlib (``driver_limit=0``).

Every run uses the default features and k=4; ``--n-init`` applies to all three (MLlib
runs one full fit per seed). Figures are wall-clock seconds on this machine and are
written to ``bench/results_spark.json``.

    python bench/bench_spark.py --sizes 1000000 10000000 --master 'local[2]'
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def make_data(root: Path, n: int) -> Path:
    """The parquet dataset for ``n`` transactions (made once, then reused)."""
    folder = root / f"n{n}"
    if not (folder / "Transactions.parquet").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "segtui",
                "sample",
                str(folder),
                "--customers",
                str(n // 10),
                "--transactions",
                str(n),
                "--format",
                "parquet",
                "--quiet",
            ],
            check=True,
        )
    return folder


def timed(label: str, func: Any, *args: Any) -> tuple[Any, float]:
    """``func(*args)`` and its wall-clock seconds (printed)."""
    started = time.perf_counter()
    result = func(*args)
    seconds = time.perf_counter() - started
    print(f"  {label}: {seconds:.1f} s", flush=True)
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--data", type=Path, default=Path("/tmp/segtui-bench-spark"))
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--n-init", type=int, default=3)
    parser.add_argument("--skip-mllib-above", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, default=HERE / "results_spark.json")
    args = parser.parse_args()

    from sklearn.metrics import adjusted_rand_score

    from segtui.config import Settings
    from segtui.engine.pipeline import run
    from segtui.engine.spark import SparkOptions
    from segtui.engine.spark.pipeline import run_spark
    from segtui.engine.spark.session import get_session

    conf = (("spark.driver.memory", "6g"), ("spark.sql.shuffle.partitions", "8"))
    options = SparkOptions(master=args.master, conf=conf)
    _, start_seconds = timed("Spark session start", get_session, options)
    rows: list[dict[str, Any]] = []
    for n in args.sizes:
        folder = make_data(args.data, n)
        print(f"{n:,} transactions ({folder})", flush=True)
        settings = Settings(source=folder, n_init=args.n_init)
        polars, polars_s = timed("polars engine", run, settings)
        driver, driver_s = timed("spark engine, driver path", run_spark, settings, options)
        row: dict[str, Any] = {
            "transactions": n,
            "customers": polars.n_customers,
            "polars_s": round(polars_s, 1),
            "spark_driver_s": round(driver_s, 1),
            "spark_driver_features_s": round(driver.timings["features"], 1),
            "spark_driver_same_segments": driver.segments.equals(polars.segments),
        }
        if n <= args.skip_mllib_above:
            mllib_options = SparkOptions(master=args.master, conf=conf, driver_limit=0)
            mllib, mllib_s = timed("spark engine, MLlib path", run_spark, settings, mllib_options)
            row |= {
                "spark_mllib_s": round(mllib_s, 1),
                "spark_mllib_clustering_s": round(mllib.timings["clustering"], 1),
                "mllib_vs_sklearn_ari": round(
                    float(adjusted_rand_score(mllib.labels, polars.labels)), 4
                ),
                "mllib_davies_bouldin": round(mllib.metrics.davies_bouldin, 4),
                "sklearn_davies_bouldin": round(polars.metrics.davies_bouldin, 4),
            }
        rows.append(row)
        print(json.dumps(row), flush=True)
    report = {
        "machine": f"{platform.machine()}, {platform.python_version()}, "
        f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores",
        "master": args.master,
        "n_init": args.n_init,
        "spark_session_start_s": round(start_seconds, 1),
        "runs": rows,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

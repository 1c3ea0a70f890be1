"""The bare baselines of issue 18 and a step-timed ``segtui run``, each run as its own process.

    python bench/perf_probe.py read DIR REPORT.json        # bare Polars read of the columns
    python bench/perf_probe.py agg DIR REPORT.json         # bare streaming aggregation
    python bench/perf_probe.py agg-lines DIR REPORT.json   # same, line counts (no distinct)
    python bench/perf_probe.py run DIR REPORT.json OUT [--no-preload]
    python bench/perf_probe.py import-sklearn - REPORT.json

``run`` is ``segtui run DIR --out OUT --force -q`` (the CLI's own entry point) with
timestamps around the engine's steps: the bench wraps module attributes from outside,
engine code is unchanged. It records when each step started and ended, the CPU of the
scikit-learn preload thread at each step boundary, process CPU (getrusage) and RSS
sampled every 20 ms. ``--no-preload`` replaces the preload by a no-op (scikit-learn is
then imported on the main thread when clustering needs it). A step whose function the
engine no longer has is reported missing, not guessed.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # before the heavy imports: the process's own clock starts here

import functools  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

# The columns `segtui run` reads with its default features (features/compute.py: ProductID
# only for distinct_products, which is not a default feature).
COLUMNS = ["CustomerID", "TransactionID", "TransactionDate", "TotalValue", "Quantity"]
TEXT_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"  # what make_shaped.py and `segtui sample` write

# (module, attribute, step): functions wrapped by the step timer. ``join`` marks the end
# of the aggregation (compute_features joins the customers right after collecting it).
HOOKS = [
    ("segtui.engine.features.load", "load_source", "inspect"),
    ("segtui.engine.features.load", "compute_features", "features"),
    ("segtui.engine.features.compute", "join_customers", "join"),
    ("segtui.engine.features.compute", "derive", "derive"),
    ("segtui.engine.pipeline", "cluster", "cluster"),
    ("segtui.engine.cluster_run", "fit_space", "space"),
    ("segtui.engine.clustering.kmeans", "kmeans", "kmeans"),
    ("segtui.engine.cluster_run", "profile", "profile"),
    ("segtui.engine.cluster_run", "_scores_and_stability", "scores"),
    ("segtui.engine.cluster_run", "finish", "finish"),
    ("segtui.engine.cluster_run", "explain", "explain"),
    ("segtui.engine.output.manifest", "build_manifest", "manifest"),
    ("segtui.engine.output.plan", "OutputPlan.commit", "write"),
    ("segtui.engine.features.fastpath", "_import_sklearn", "sklearn_import"),
]


def now() -> float:
    """Seconds since this process's clock started (T0)."""
    return time.perf_counter() - T0


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def date_expr(parquet: bool) -> Any:
    """TransactionDate parsed by segtui's own date function (io/dates.py)."""
    from segtui.engine.io.dates import NATIVE, parse_expr

    return parse_expr("TransactionDate", NATIVE if parquet else TEXT_DATE_FORMAT)


def scan(folder: Path) -> Any:
    """The transactions' needed columns, typed the way segtui's reader types them."""
    import polars as pl

    csv = folder / "Transactions.csv"
    parquet = not csv.exists()
    if parquet:
        lf = pl.scan_parquet(folder / "Transactions.parquet")
    else:
        kinds = {
            c: pl.Float64() if c in ("TotalValue", "Quantity") else pl.String() for c in COLUMNS
        }
        lf = pl.scan_csv(csv, schema_overrides=kinds, infer_schema_length=0)
    return lf.select(
        pl.col("CustomerID").cast(pl.String),
        pl.col("TransactionID").cast(pl.String),
        date_expr(parquet).alias("TransactionDate"),
        pl.col("TotalValue").cast(pl.Float64),
        pl.col("Quantity").cast(pl.Float64),
    )


def bare_read(folder: Path) -> dict[str, Any]:
    frame = scan(folder).collect()
    return {"rows": frame.height}


def bare_agg(folder: Path, distinct: bool) -> dict[str, Any]:
    """Per-customer sums, transaction count, first/last date: the streaming engine."""
    import polars as pl

    count = pl.col("TransactionID").n_unique() if distinct else pl.len()
    agg = (
        scan(folder)
        .group_by("CustomerID")
        .agg(
            pl.col("TotalValue").sum().alias("total_spend"),
            pl.col("Quantity").sum().alias("total_quantity"),
            count.alias("frequency"),
            pl.col("TransactionDate").min().alias("first_purchase"),
            pl.col("TransactionDate").max().alias("last_purchase"),
        )
        .collect(engine="streaming")
    )
    return {"customers": agg.height}


class StepTimer:
    """Records (step, start, end, thread) of every wrapped call, the preload thread's CPU
    at each boundary, process CPU, and RSS samples."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.missing: list[str] = []
        self.preload: dict[str, Any] = {}
        self.rss: list[tuple[float, float]] = []
        self._stop = threading.Event()

    def preload_cpu(self) -> float | None:
        """CPU seconds the scikit-learn preload thread has used so far (None: none ran)."""
        if "cpu_end" in self.preload:
            return float(self.preload["cpu_end"])
        ident = self.preload.get("ident")
        if ident is None:
            return None
        try:
            return time.clock_gettime(time.pthread_getcpuclockid(ident))
        except OSError:  # the thread ended between the check and the read
            return self.preload.get("cpu_end")

    def wrap(self, fn: Any, step: str) -> Any:
        timer = self

        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            thread = threading.current_thread().name
            if step == "sklearn_import":
                timer.preload.update(ident=threading.get_ident(), start=now())
            record = {"step": step, "thread": thread, "start": now(), "cpu_start": process_cpu()}
            record["preload_cpu_start"] = timer.preload_cpu()
            timer.calls.append(record)
            try:
                return fn(*args, **kwargs)
            finally:
                if step == "sklearn_import":
                    timer.preload.update(cpu_end=time.thread_time(), end=now())
                record.update(end=now(), cpu_end=process_cpu())
                record["preload_cpu_end"] = timer.preload_cpu()

        return wrapped

    def install(self, no_preload: bool) -> None:
        for module_name, attribute, step in HOOKS:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                self.missing.append(f"{module_name}.{attribute}")
                continue
            owner: Any = module
            *path, name = attribute.split(".")
            for part in path:
                owner = getattr(owner, part, None)
            if owner is None or not hasattr(owner, name):
                self.missing.append(f"{module_name}.{attribute}")
                continue
            setattr(owner, name, self.wrap(getattr(owner, name), step))
        if no_preload:
            for module_name in ("segtui.engine.pipeline", "segtui.engine.features.fastpath"):
                module = importlib.import_module(module_name)
                if hasattr(module, "preload_sklearn"):
                    module.preload_sklearn = lambda: None  # type: ignore[attr-defined]

    def sample_rss(self) -> None:
        page = resource.getpagesize()
        while not self._stop.wait(0.02):
            try:
                pages = int(Path("/proc/self/statm").read_text().split()[1])
            except (OSError, ValueError):
                return
            self.rss.append((now(), pages * page / 2**20))

    def report(self) -> dict[str, Any]:
        self._stop.set()
        return {
            "calls": self.calls,
            "missing": self.missing,
            "preload": self.preload,
            "rss": self.rss,
            "end": now(),
            "cpu": process_cpu(),
        }


def step_run(folder: Path, out: Path, no_preload: bool, report: Path) -> int:
    """``segtui run`` through the CLI's entry point, step-timed; returns its exit code."""
    import segtui.cli

    # What the CLI sets before Polars is loaded; the hooks below import the engine first.
    if hasattr(segtui.cli, "bound_peak_memory"):
        segtui.cli.bound_peak_memory()
    timer = StepTimer()
    timer.install(no_preload)
    threading.Thread(target=timer.sample_rss, name="bench-rss", daemon=True).start()
    from segtui.cli import main

    sys.argv = ["segtui", "run", str(folder), "--out", str(out), "--force", "-q"]
    code: Any = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    report.write_text(json.dumps(timer.report()))
    return code if isinstance(code, int) else (0 if code is None else 1)


def main() -> None:
    mode, folder, report = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    if mode == "run":
        sys.exit(step_run(folder, Path(sys.argv[4]), "--no-preload" in sys.argv[5:], report))
    if mode == "read":
        figures = bare_read(folder)
    elif mode in ("agg", "agg-lines"):
        figures = bare_agg(folder, distinct=mode == "agg")
    elif mode == "import-sklearn":
        import sklearn.cluster  # noqa: F401
        import sklearn.metrics  # noqa: F401

        figures = {}
    else:
        raise SystemExit(f"unknown mode {mode}")
    figures["seconds_in_process"] = now()
    report.write_text(json.dumps(figures))


if __name__ == "__main__":
    main()

"""Every target of issue 18 as a ratio measured in one run, on the same files.

    PYTHONPATH=$PWD python bench/bench_perf.py [--repeats 3] [--shapes uniform,pareto]
        [--formats csv,parquet] [--huge] [--huge-formats parquet]

Datasets come from ``bench/make_shaped.py`` (1e6 customers, 1e7 transactions; uniform and
Pareto activity), cached under bench/data/ (git-ignored). Each measurement is a fresh
process (``bench_run.measure``: wall from spawn to exit, peak RSS, CPU). One repeat runs
every job on every dataset and format in turn, so load from other users of the machine
spreads over all of them; figures are medians of ``--repeats`` (peak RSS: the maximum).

Jobs: ``segtui run`` (the plain command); the bare Polars read of the columns it needs and
the bare streaming aggregation (``perf_probe.py``); a step-timed ``segtui run``, with and
without the scikit-learn preload; pandas and DuckDB reference pipelines; on CSV the
workbench's first result (``ui_session.py --first-only``). ``--huge`` adds one step-timed
run on 1e8 transactions for 1e7 customers (minutes). Writes
bench/results/YYYY-MM-DD-perf.md (tables: ``perf_report.py``) and the raw figures as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
# Child processes import this checkout's segtui, whatever is installed in the venv.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(BENCH.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
)

from bench_run import DATA, PY, load, machine_info, measure, pipeline_command  # noqa: E402
from perf_report import phases, render  # noqa: E402

PROBE = str(BENCH / "perf_probe.py")
UI = str(BENCH / "ui_session.py")
SIZE = (1_000_000, 10_000_000)
HUGE = (10_000_000, 100_000_000)


def tag(n: int) -> str:
    return f"1e{len(str(n)) - 1}"


def shaped(shape: str, customers: int, transactions: int, formats: list[str]) -> Path:
    """Folder (with csv/ and parquet/ inside) of a make_shaped.py dataset; made if missing."""
    folder = DATA / f"shaped_{shape}_{tag(transactions)}_{tag(customers)}"
    missing = [f for f in formats if not (folder / f / f"Transactions.{f}").exists()]
    if missing:
        print(f"generating {folder.name} ({','.join(missing)}) ...", file=sys.stderr, flush=True)
        cmd = [PY, str(BENCH / "make_shaped.py"), str(folder), "--shape", shape]
        cmd += ["--customers", str(customers), "--transactions", str(transactions)]
        subprocess.run([*cmd, "--formats", ",".join(missing)], check=True)
    return folder


def jobs(fmt: str, ui: bool) -> list[str]:
    """The jobs of one dataset and format, in the order one repeat runs them."""
    names = ["run", "read", "agg", "agg-lines", "steps", "steps-nopreload", "pandas", "duckdb"]
    return names + (["ui"] if ui and fmt == "csv" else [])


def command(job: str, folder: Path, work: Path) -> tuple[list[str], Path | None, Path | None]:
    """(command line, JSON report file, stdout file) of ``job`` on dataset ``folder``."""
    report = work / f"{job}.json"
    out = work / f"{job}_segments.csv"
    if job == "run":
        return pipeline_command("segtui", folder, out), None, None
    if job in ("pandas", "duckdb"):
        return pipeline_command(job, folder, out), None, None
    if job in ("read", "agg", "agg-lines", "import-sklearn"):
        return [PY, PROBE, job, str(folder), str(report)], report, None
    if job in ("steps", "steps-nopreload"):
        cmd = [PY, PROBE, "run", str(folder), str(report), str(out)]
        return cmd + (["--no-preload"] if job == "steps-nopreload" else []), report, None
    if job == "ui":
        return [PY, UI, "--data", str(folder), "--first-only"], None, report
    raise ValueError(job)


def one(job: str, folder: Path, work: Path, label: str) -> dict[str, Any]:
    """Run ``job`` once; returns wall, rss, cpu and its report (if any), or ``error``
    (the last line the command printed) when it failed: one failure does not stop the
    bench."""
    cmd, report, stdout = command(job, folder, work)
    try:
        wall, rss, cpu = measure(cmd, stdout=stdout)
    except RuntimeError as exc:
        lines = [line for line in str(exc).splitlines() if line.strip()]
        print(f"  {label:22} {job:16} FAILED: {lines[-1]}", file=sys.stderr, flush=True)
        return {"error": lines[-1] if lines else str(exc)}
    record: dict[str, Any] = {"wall": wall, "rss": rss, "cpu": cpu}
    produced = report or stdout
    if produced is not None:
        record["report"] = json.loads(produced.read_text())
    if job.startswith("steps"):
        record["phases"] = phases(record["report"], wall)
        record["report"].pop("rss", None)  # summarised per step in phases
        record["report"].pop("calls", None)
    print(
        f"  {label:22} {job:16} {wall:7.2f} s {rss:7.0f} MB cpu {cpu:6.2f} s",
        file=sys.stderr,
        flush=True,
    )
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--shapes", default="uniform,pareto")
    parser.add_argument("--formats", default="csv,parquet")
    parser.add_argument("--jobs", default=None, help="comma-separated subset of the jobs")
    parser.add_argument("--no-ui", action="store_true", help="skip the workbench job")
    parser.add_argument("--customers", type=float, default=SIZE[0])
    parser.add_argument("--transactions", type=float, default=SIZE[1])
    parser.add_argument("--huge", action="store_true", help="add 1e8 transactions, 1e7 customers")
    parser.add_argument("--huge-formats", default="parquet")
    parser.add_argument("--out", type=Path, default=None, help="markdown results file")
    args = parser.parse_args()
    shapes = [s for s in args.shapes.split(",") if s]
    formats = [f for f in args.formats.split(",") if f]
    wanted = set(args.jobs.split(",")) if args.jobs else None
    work = DATA / "perf_out"
    work.mkdir(parents=True, exist_ok=True)
    size = (int(args.customers), int(args.transactions))
    folders = {s: shaped(s, *size, formats) for s in shapes}
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {}
    commit = subprocess.run(  # the code measured: taken before, not after, the runs
        ["git", "-C", str(BENCH.parent), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    loads = [load()]
    errors: list[str] = []
    for repeat in range(args.repeats):
        print(f"repeat {repeat + 1}/{args.repeats} (load {load()})", file=sys.stderr, flush=True)
        for shape in shapes:
            for fmt in formats:
                key = f"{shape}/{fmt}"
                for job in jobs(fmt, not args.no_ui):
                    if wanted is None or job in wanted:
                        record = one(job, folders[shape] / fmt, work, key)
                        if "error" in record:
                            errors.append(f"{key} {job}: {record['error']}")
                        else:
                            runs.setdefault(key, {}).setdefault(job, []).append(record)
        imports = one("import-sklearn", folders[shapes[0]], work, "scikit-learn")
        if "error" not in imports:
            runs.setdefault("import", {}).setdefault("import-sklearn", []).append(imports)
        loads.append(load())
    huge: dict[str, dict[str, Any]] = {}
    if args.huge:
        hfmts = [f for f in args.huge_formats.split(",") if f]
        folder = shaped("pareto", *HUGE, hfmts)
        # segtui's memory guard estimates this input needs more than the machine has (its
        # factor is an upper bound); the bench measures what it really takes.
        os.environ["SEGTUI_MEMORY_LIMIT"] = "off"
        for fmt in hfmts:
            loads.append(load())
            huge[fmt] = one("steps", folder / fmt, work, f"huge/{fmt}")
            huge[fmt]["size_gb"] = (folder / fmt / f"Transactions.{fmt}").stat().st_size / 1e9
        del os.environ["SEGTUI_MEMORY_LIMIT"]
    loads.append(load())
    today = dt.date.today().isoformat()
    raw: dict[str, Any] = {
        "size": size,
        "errors": errors,
        "runs": runs,
        "huge": huge,
        "loads": loads,
        "machine": machine_info(),
    }
    raw["command"] = "python bench/bench_perf.py " + " ".join(sys.argv[1:])
    raw["commit"] = commit
    raw["uptime"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    out = args.out or BENCH / "results" / f"{today}-perf.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render(raw, today)
    out.write_text(text)
    out.with_suffix(".json").write_text(json.dumps(raw, indent=1, default=str))
    print(text)
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()

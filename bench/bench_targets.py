"""Every target of issue 32, met or not, in one table, measured with the defaults users run.

    PYTHONPATH=$PWD python bench/bench_targets.py [--repeats 3] [--shapes uniform,pareto]
        [--transactions 1e7] [--reference-runs 5] [--skip-large] [--out FILE.md]
    python bench/bench_targets.py --render bench/results/DATE-targets.json  # table again

Large targets, on ``bench/make_shaped.py`` CSV data (1e6 customers, 1e7 transactions;
uniform and Pareto with scrambled ids and customers without purchases; cached under
bench/data/, git-ignored), one repeat running these jobs in turn on each shape, so that
load from other users of the machine falls on all of them alike:

- ``run``: ``segtui run DIR --out X --force -q`` with the default features and k rule;
- ``run-k4``: the same with ``--k 4`` (the fixed-k run the default k rule is judged by);
- ``read``: the bare Polars read of the five transaction columns (``perf_probe.py read``);
- ``duckdb``: DuckDB SQL aggregation + StandardScaler + KMeans(4, n_init=10) +
  Davies-Bouldin (``pipelines/duckdb_sklearn.py``, the issue's baseline).

Small target: ``segtui run tests/data/reference`` from a fresh process, alternating with
``python -c "import sklearn.cluster"`` (what that import alone costs on the same machine).

Every job is a fresh process (``bench_run.measure``: wall from spawn to exit, peak RSS of
the process, CPU user+sys). Ratios are taken pair by pair inside a repeat and the table
gives their median (wall and CPU), with the 1-minute load average at each repeat.
Writes bench/results/YYYY-MM-DD-targets.md and the raw figures as JSON beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
# Child processes import this checkout's segtui, whatever is installed in the venv.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
)

from bench_perf import shaped  # noqa: E402
from bench_run import DATA, PY, SEGTUI, load, machine_info, measure, pipeline_command  # noqa: E402

PROBE = str(BENCH / "perf_probe.py")
REFERENCE = ROOT / "tests" / "data" / "reference"
LARGE_JOBS = ["run", "run-k4", "read", "duckdb"]

# (name, limit, direction): "max" = the figure must be at most the limit.
TARGETS = {
    "run_over_read": (3.0, "max"),
    "duckdb_over_run": (2.0, "min"),
    "peak_rss_mb": (1024.0, "max"),
    "auto_over_k4": (1.5, "max"),
    "reference_s": (1.5, "max"),
}


def command(job: str, folder: Path, work: Path) -> list[str]:
    """The command line of ``job`` on the dataset ``folder``."""
    out = work / f"{job}_segments.csv"
    if job == "run":
        return pipeline_command("segtui", folder, out)
    if job == "run-k4":
        return [*pipeline_command("segtui", folder, out), "--k", "4"]
    if job == "read":
        return [PY, PROBE, "read", str(folder), str(work / "read.json")]
    if job == "duckdb":
        return pipeline_command("duckdb", folder, out)
    if job == "reference":
        return [SEGTUI, "run", str(REFERENCE), "--out", str(out), "--force", "-q"]
    if job == "import-sklearn":
        return [PY, "-c", "import sklearn.cluster"]
    if job == "reference-plain":
        segtui = str(PLAIN_VENV / "bin" / "segtui")
        # Without this checkout on PYTHONPATH: the installed copy runs (env execs in place).
        plain = ["env", "-u", "PYTHONPATH", segtui]
        return [*plain, "run", str(REFERENCE), "--out", str(out), "--force", "-q"]
    raise ValueError(job)


# Set by --plain-venv: a virtualenv with `pip install segtui` and no extras (no pandas, so
# scikit-learn's import skips it), which is what a user's plain install runs.
PLAIN_VENV = Path()


def plain_install(venv: Path) -> None:
    """Make ``venv`` (if missing) and install this checkout into it, no extras, no editable
    install: compiled bytecode and only the declared dependencies, as `pip install` does."""
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        deps: list[str] = []
    else:
        deps = ["--no-deps", "--force-reinstall"]
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *deps, str(ROOT)]
    subprocess.run(pip, check=True, capture_output=True)


def timed(job: str, folder: Path, work: Path, label: str) -> dict[str, float]:
    """One fresh-process run of ``job``: wall, peak RSS (MB), CPU, the load before it."""
    before = load()
    wall, rss, cpu = measure(command(job, folder, work))
    print(
        f"  {label:10} {job:14} {wall:7.2f} s {rss:7.0f} MB cpu {cpu:6.2f} s (load {before})",
        file=sys.stderr,
        flush=True,
    )
    return {"wall": wall, "rss": rss, "cpu": cpu, "load": float(before)}


def ratios(a: list[dict[str, float]], b: list[dict[str, float]], key: str) -> list[float]:
    """a/b of ``key`` pair by pair (the same repeat)."""
    return [x[key] / y[key] for x, y in zip(a, b, strict=True)]


def verdict(name: str, value: float) -> str:
    limit, direction = TARGETS[name]
    met = value <= limit if direction == "max" else value >= limit
    return "yes" if met else "no"


def spread(values: list[float], digits: int = 2) -> str:
    """median (min-max) of ``values``."""
    med = statistics.median(values)
    return f"{med:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def render(raw: dict[str, Any]) -> str:
    """The target table (markdown) from the raw figures."""
    lines = [
        f"# Issue 32 targets, {raw['date']}",
        "",
        f"Code: {raw['commit']}. Machine: {raw['machine'].get('cpu', '?')}, "
        f"{os.cpu_count()} cores, {raw['machine'].get('memory', '?')}; "
        f"{raw['machine'].get('versions', '')}. Command: `{raw['command']}`.",
        f"Load average (1 min) over the run: {min(raw['loads']):.1f}-{max(raw['loads']):.1f} "
        f"(`uptime` at the end: {raw['uptime']}).",
        "",
        "Ratios are medians of per-repeat pairs (min-max in brackets); wall and CPU "
        "(user+sys) seconds of fresh processes.",
        "",
        "| target | shape | figures (median s / MB) | ratio wall | ratio CPU | met? | load |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for shape, runs in raw["large"].items():
        run, k4, read, duck = (runs[j] for j in LARGE_JOBS)
        loads = [r["load"] for r in run]
        band = f"{min(loads):.1f}-{max(loads):.1f}"

        def med(rs: list[dict[str, float]], key: str = "wall") -> float:
            return statistics.median(r[key] for r in rs)

        wall = ratios(run, read, "wall")
        cpu = ratios(run, read, "cpu")
        lines.append(
            f"| `run` <= 3x bare read | {shape} | run {med(run):.2f} / read {med(read):.2f} | "
            f"{spread(wall)} | {spread(cpu)} | {verdict('run_over_read', statistics.median(wall))}"
            f" | {band} |"
        )
        wall = ratios(duck, run, "wall")
        cpu = ratios(duck, run, "cpu")
        lines.append(
            f"| DuckDB+sklearn / `run` >= 2x | {shape} | duckdb {med(duck):.2f} / run "
            f"{med(run):.2f} | {spread(wall)} | {spread(cpu)} | "
            f"{verdict('duckdb_over_run', statistics.median(wall))} | {band} |"
        )
        for label, a, b in (
            ("`run --k 4` / bare read (not a target: without the k rule)", k4, read),
            ("DuckDB+sklearn / `run --k 4` (not a target: same k)", duck, k4),
        ):
            lines.append(
                f"| {label} | {shape} | - | {spread(ratios(a, b, 'wall'))} | "
                f"{spread(ratios(a, b, 'cpu'))} | - | {band} |"
            )
        peak = max(r["rss"] for r in run)
        lines.append(
            f"| peak RSS at 1e7 <= 1 GB | {shape} | max {peak:.0f} MB of {len(run)} runs "
            f"(`--k 4`: {max(r['rss'] for r in k4):.0f} MB) | - | - | "
            f"{verdict('peak_rss_mb', peak)} | {band} |"
        )
        wall = ratios(run, k4, "wall")
        cpu = ratios(run, k4, "cpu")
        lines.append(
            f"| default k rule <= 1.5x `--k 4` | {shape} | run {med(run):.2f} / k4 "
            f"{med(k4):.2f} | {spread(wall)} | {spread(cpu)} | "
            f"{verdict('auto_over_k4', statistics.median(wall))} | {band} |"
        )
    if raw["reference"]:
        ref, imp = raw["reference"]["reference"], raw["reference"]["import-sklearn"]
        med_ref = statistics.median(r["wall"] for r in ref)
        loads = [r["load"] for r in ref]
        lines.append(
            f"| reference data <= 1.5 s | 200 customers | run {spread([r['wall'] for r in ref])}"
            f" s, CPU {spread([r['cpu'] for r in ref])} s; `import sklearn.cluster` alone "
            f"{spread([r['wall'] for r in imp])} s, CPU {spread([r['cpu'] for r in imp])} s"
            f" | - | - | {verdict('reference_s', med_ref)} | "
            f"{min(loads):.1f}-{max(loads):.1f} |"
        )
    plain = (raw["reference"] or {}).get("reference-plain")
    if plain:
        med_plain = statistics.median(r["wall"] for r in plain)
        loads = [r["load"] for r in plain]
        lines.append(
            "| reference data <= 1.5 s, plain `pip install segtui` (no pandas) | 200 customers"
            f" | run {spread([r['wall'] for r in plain])} s, CPU "
            f"{spread([r['cpu'] for r in plain])} s | - | - | "
            f"{verdict('reference_s', med_plain)} | {min(loads):.1f}-{max(loads):.1f} |"
        )
    lines.append(
        "| 1e8 lines / 1e7 customers <= 3 GB | pareto | not measured by this script "
        "(`bench_perf.py --huge`) | - | - | - | - |"
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--shapes", default="uniform,pareto")
    parser.add_argument("--customers", type=float, default=1e6)
    parser.add_argument("--transactions", type=float, default=1e7)
    parser.add_argument("--reference-runs", type=int, default=5)
    parser.add_argument("--skip-large", action="store_true", help="only the reference data")
    parser.add_argument(
        "--plain-venv",
        type=Path,
        default=None,
        help="also time the reference data from a plain install in this virtualenv "
        "(made if missing; this checkout reinstalled into it, no extras)",
    )
    parser.add_argument("--out", type=Path, default=None, help="markdown results file")
    parser.add_argument("--render", type=Path, default=None, help="re-render a results .json")
    args = parser.parse_args()
    if args.render:
        text = render(json.loads(args.render.read_text()))
        args.render.with_suffix(".md").write_text(text)
        print(text)
        return
    shapes = [s for s in args.shapes.split(",") if s]
    work = DATA / "targets_out"
    work.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(  # the code measured: taken before, not after, the runs
        ["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"], capture_output=True, text=True
    ).stdout.strip()
    loads = [float(load())]
    large: dict[str, dict[str, list[dict[str, float]]]] = {}
    if not args.skip_large:
        size = (int(args.customers), int(args.transactions))
        folders = {s: shaped(s, *size, ["csv"]) / "csv" for s in shapes}
        for repeat in range(args.repeats):
            print(f"repeat {repeat + 1}/{args.repeats} (load {load()})", file=sys.stderr)
            for shape in shapes:
                for job in LARGE_JOBS:
                    record = timed(job, folders[shape], work, shape)
                    large.setdefault(shape, {}).setdefault(job, []).append(record)
                    loads.append(record["load"])
    reference: dict[str, list[dict[str, float]]] = {}
    small_jobs = ["reference", "import-sklearn"]
    if args.plain_venv:
        global PLAIN_VENV
        PLAIN_VENV = args.plain_venv.resolve()
        plain_install(PLAIN_VENV)
        small_jobs.append("reference-plain")
    for _ in range(args.reference_runs):  # alternating: the run, then the import alone
        for job in small_jobs:
            record = timed(job, REFERENCE, work, "reference")
            reference.setdefault(job, []).append(record)
            loads.append(record["load"])
    loads.append(float(load()))
    raw: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "command": "python bench/bench_targets.py " + " ".join(sys.argv[1:]),
        "machine": machine_info(),
        "loads": loads,
        "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
        "large": large,
        "reference": reference,
    }
    text = render(raw)
    out = args.out or BENCH / "results" / f"{dt.date.today().isoformat()}-targets.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    out.with_suffix(".json").write_text(json.dumps(raw, indent=1))
    print(text)
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()

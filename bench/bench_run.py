"""Benchmark ``segtui run`` against reference pipelines, every pipeline a fresh subprocess.

    python bench/bench_run.py --scales 1e5,1e6,1e7 --repeats 3 --formats csv,parquet

Data is generated once with ``segtui sample DIR --customers N/10 --transactions N`` and
cached under bench/data/ (git-ignored). Each measurement is one fresh process: wall time
from spawn to exit (imports included) and peak RSS from ``os.wait4`` (the child's own
ru_maxrss). Medians over ``--repeats`` runs; the pipelines of one repeat run interleaved so
noise from other users of the machine spreads over all of them. Prints one table per scale
and writes them, with machine information, to bench/results/YYYY-MM-DD.md.

    python bench/bench_run.py --huge      # adds 1e8 transactions (segtui only)

``--huge`` generates 100,000,000 transactions for 1,000,000 customers on the fly (the 1e7
Parquet dataset replicated ten times, then streamed to CSV) and reports segtui's wall
time and peak RSS against the 3 GB target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data"
PIPELINES = BENCH / "pipelines"
BIN = Path(sys.executable).parent
SEGTUI = str(BIN / "segtui")
PY = sys.executable

REFERENCES = {
    "pandas": "pandas_notebook.py",
    "polars": "polars_plain.py",
    "duckdb": "duckdb_sklearn.py",
}


def scale_tag(n: int) -> str:
    """1e5-style tag of a transaction count."""
    exp = len(str(n)) - 1
    return f"1e{exp}" if n == 10**exp else str(n)


def dataset(n: int, fmt: str) -> Path:
    """Folder of the cached dataset with ``n`` transactions in ``fmt``; generated if missing."""
    folder = DATA / f"{fmt}_{scale_tag(n)}"
    if not (folder / f"Transactions.{fmt}").exists():
        print(f"generating {folder.name} ...", file=sys.stderr, flush=True)
        cmd = [SEGTUI, "sample", str(folder), "--customers", str(n // 10)]
        cmd += ["--transactions", str(n), "--format", fmt, "--force", "-q"]
        subprocess.run(cmd, check=True)
    return folder


def measure(cmd: list[str], stdout: Path | None = None) -> tuple[float, float, float]:
    """Run ``cmd``; returns (wall seconds, peak RSS in MB, CPU seconds user+sys).
    ``stdout``: a file that receives the command's standard output (else discarded).
    Raises on a non-zero exit."""
    sink = open(stdout, "wb") if stdout is not None else subprocess.DEVNULL  # noqa: SIM115
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if stdout is not None:
        sink.close()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime  # Linux: KB


def pipeline_command(name: str, folder: Path, out: Path) -> list[str]:
    """Command line of pipeline ``name`` reading ``folder`` and writing ``out``."""
    if name == "segtui":
        return [SEGTUI, "run", str(folder), "--out", str(out), "--force", "-q"]
    return [PY, str(PIPELINES / REFERENCES[name]), str(folder), str(out)]


def inertia_check(folder: Path) -> dict[str, float]:
    """segtui's inertia vs scikit-learn KMeans(n_init=10) on segtui's own matrix."""
    out = subprocess.run(
        [PY, str(BENCH / "inertia_check.py"), str(folder)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def machine_info() -> dict[str, str]:
    """CPU, cores, memory, OS and library versions for the results file."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{mem_kb / 1024**2:.1f} GB"
    except OSError:
        mem = "unknown"
    versions = subprocess.run(
        [
            PY,
            "-c",
            "import importlib.metadata as m;"
            "print(', '.join(f'{p} {m.version(p)}' for p in "
            "('segtui','polars','numpy','scikit-learn','pandas','duckdb')))",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }


def load() -> str:
    """The 1-minute load average (other users of the machine make noise)."""
    return f"{os.getloadavg()[0]:.2f}"


def fmt_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def bench_scale(
    n: int, formats: list[str], pipelines: list[str], repeats: int, work: Path
) -> list[str]:
    """Time every pipeline on every format at ``n`` transactions; returns markdown lines."""
    runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    folders = {fmt: dataset(n, fmt) for fmt in formats}
    load_before = load()
    for repeat in range(repeats):
        for fmt in formats:
            for name in pipelines:
                out = work / f"{name}_{fmt}.csv"
                wall, rss, cpu = measure(pipeline_command(name, folders[fmt], out))
                runs.setdefault((name, fmt), []).append((wall, rss, cpu))
                print(
                    f"  1e{len(str(n)) - 1} {fmt:8} {name:7} run {repeat + 1}: "
                    f"{wall:6.2f} s {rss:7.0f} MB cpu {cpu:6.2f} s",
                    file=sys.stderr,
                    flush=True,
                )
    med = {key: statistics.median(v[0] for v in vals) for key, vals in runs.items()}
    peak = {key: max(v[1] for v in vals) for key, vals in runs.items()}
    cpu = {key: statistics.median(v[2] for v in vals) for key, vals in runs.items()}
    lines = [
        f"### {n:,} transactions, {n // 10:,} customers ({scale_tag(n)})",
        "",
        f"{repeats} runs each; load average {load_before} before, {load()} after.",
        "",
        fmt_row(
            [
                "pipeline",
                "input",
                "median s",
                "min–max s",
                "peak RSS MB",
                "median CPU s",
                "pandas ÷ this",
                "duckdb ÷ this",
            ]
        ),
        fmt_row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:"]),
    ]
    for fmt in formats:
        for name in pipelines:
            walls = [v[0] for v in runs[(name, fmt)]]
            ratio = []
            for ref in ("pandas", "duckdb"):
                base = med.get((ref, fmt))
                ratio.append(f"{base / med[(name, fmt)]:.2f}×" if base else "–")
            lines.append(
                fmt_row(
                    [
                        name if name != "segtui" else "**segtui run**",
                        fmt,
                        f"{med[(name, fmt)]:.2f}",
                        f"{min(walls):.2f}–{max(walls):.2f}",
                        f"{peak[(name, fmt)]:.0f}",
                        f"{cpu[(name, fmt)]:.2f}",
                        *ratio,
                    ]
                )
            )
    if "segtui" in pipelines:
        check = inertia_check(folders[formats[0]])
        lines += [
            "",
            f"Inertia on segtui's matrix ({check['n']:,} customers × {check['d']} columns): "
            f"segtui {check['segtui']:.6g}, scikit-learn KMeans(n_init=10) "
            f"{check['sklearn']:.6g} → segtui is {check['worse_pct']:+.3f}% "
            "(negative = better; target ≤ +0.5%). Plain path (SEGTUI_PLAIN_PATH=1): "
            f"inertia {check['plain_inertia']:.6g}, "
            f"{check['same_segment_as_plain']:.4%} of customers in the same segment, "
            f"feature values {'identical' if check['features_equal'] else 'DIFFERENT'}.",
        ]
    return lines + [""]


def bench_small(repeats: int, work: Path) -> list[str]:
    """Start-up (`segtui --help`) and `segtui run` on the bundled sample."""
    help_runs = [measure([SEGTUI, "--help"]) for _ in range(max(repeats, 5))]
    sample_runs = [
        measure([SEGTUI, "run", "--out", str(work / "sample.csv"), "--force", "-q"])
        for _ in range(max(repeats, 5))
    ]
    rows = [
        fmt_row(["command", "median s", "min–max s", "peak RSS MB"]),
        fmt_row(["---", "---:", "---:", "---:"]),
    ]
    for label, data in (
        ("`segtui --help`", help_runs),
        ("`segtui run` (bundled sample)", sample_runs),
    ):
        walls = [v[0] for v in data]
        rows.append(
            fmt_row(
                [
                    label,
                    f"{statistics.median(walls):.3f}",
                    f"{min(walls):.3f}–{max(walls):.3f}",
                    f"{max(v[1] for v in data):.0f}",
                ]
            )
        )
    return ["### Start-up and the bundled sample", "", *rows, ""]


HUGE = 10**8
HUGE_TARGET_MB = 3 * 1024


def huge_dataset(fmt: str) -> Path:
    """The 1e8-transaction, 1,000,000-customer dataset in ``fmt``, generated if missing:
    the 1e7 Parquet dataset replicated ten times (bench/make_replicated.py, ids kept
    distinct), and for CSV that streamed to CSV files (bounded memory)."""
    parquet = DATA / "parquet_1e8_1m"
    if not (parquet / "Transactions.parquet").exists():
        print("generating parquet_1e8_1m ...", file=sys.stderr, flush=True)
        base = dataset(10**7, "parquet")
        cmd = [PY, str(BENCH / "make_replicated.py"), str(base), str(parquet)]
        subprocess.run(cmd, check=True)
    if fmt == "parquet":
        return parquet
    folder = DATA / "csv_1e8_1m"
    if not (folder / "Transactions.csv").exists():
        print("generating csv_1e8_1m ...", file=sys.stderr, flush=True)
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("Customers", "Products", "Transactions"):
            tmp = folder / f"{name}.csv.tmp"
            pl.scan_parquet(parquet / f"{name}.parquet").sink_csv(
                tmp, datetime_format="%Y-%m-%d %H:%M:%S", date_format="%Y-%m-%d"
            )
            tmp.replace(folder / f"{name}.csv")
    return folder


def bench_huge(formats: list[str], repeats: int, work: Path) -> list[str]:
    """segtui alone on 1e8 transactions (the reference pipelines need more memory than
    this machine has: pandas held 4.2 GB at 1e7); returns markdown lines."""
    lines = [
        f"### {HUGE:,} transactions, 1,000,000 customers (1e8)",
        "",
        "Generated on the fly by replicating the 1e7 Parquet dataset ten times "
        "(`bench/make_replicated.py`) and streaming it to CSV. segtui only: pandas needed "
        "4.2 GB at 1e7, so the reference pipelines would not fit. "
        f"{repeats} run(s); load average {load()} before.",
        "",
        fmt_row(
            [
                "pipeline",
                "input",
                "size GB",
                "median s",
                "min–max s",
                "peak RSS MB",
                "median CPU s",
                "RSS target ≤ 3 GB",
            ]
        ),
        fmt_row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---"]),
    ]
    for fmt in formats:
        folder = huge_dataset(fmt)
        size = (folder / f"Transactions.{fmt}").stat().st_size / 1e9
        runs = []
        for repeat in range(repeats):
            out = work / f"segtui_huge_{fmt}.csv"
            runs.append(measure(pipeline_command("segtui", folder, out)))
            wall, rss, cpu = runs[-1]
            print(
                f"  1e8 {fmt:8} segtui  run {repeat + 1}: {wall:6.2f} s {rss:7.0f} MB "
                f"cpu {cpu:6.2f} s",
                file=sys.stderr,
                flush=True,
            )
        walls = [r[0] for r in runs]
        peak = max(r[1] for r in runs)
        lines.append(
            fmt_row(
                [
                    "**segtui run**",
                    fmt,
                    f"{size:.2f}",
                    f"{statistics.median(walls):.1f}",
                    f"{min(walls):.1f}–{max(walls):.1f}",
                    f"{peak:.0f}",
                    f"{statistics.median(r[2] for r in runs):.1f}",
                    "met" if peak <= HUGE_TARGET_MB else "**not met**",
                ]
            )
        )
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1e5,1e6,1e7", help="transaction counts")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--formats", default="csv,parquet")
    parser.add_argument("--pipelines", default="segtui,pandas,polars,duckdb")
    parser.add_argument("--no-small", action="store_true", help="skip --help/sample timings")
    parser.add_argument("--out", type=Path, default=None, help="markdown results file")
    parser.add_argument(
        "--huge",
        action="store_true",
        help="also run segtui on 1e8 transactions (generated on the fly, ~8 GB of disk)",
    )
    parser.add_argument("--huge-repeats", type=int, default=1)
    args = parser.parse_args()
    scales = [int(float(s)) for s in args.scales.split(",") if s]
    formats = [f for f in args.formats.split(",") if f]
    pipelines = [p for p in args.pipelines.split(",") if p]
    work = DATA / "out"
    work.mkdir(parents=True, exist_ok=True)
    info = machine_info()
    today = dt.date.today().isoformat()
    lines = [
        f"# segtui benchmark, {today}",
        "",
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['memory']} RAM, "
        f"{info['os']}, Python {info['python']}",
        f"- Versions: {info['versions']}",
        "- Command: `python bench/bench_run.py " + " ".join(sys.argv[1:]) + "`",
        "- Wall time includes interpreter start-up and imports; peak RSS is the process's "
        "maximum resident set. The machine is shared, so figures are medians.",
        "",
    ]
    if not args.no_small:
        lines += bench_small(args.repeats, work)
    for n in scales:
        lines += bench_scale(n, formats, pipelines, args.repeats, work)
        print("\n".join(lines[-(len(formats) * len(pipelines) + 8) :]), flush=True)
    if args.huge:
        lines += bench_huge(formats, args.huge_repeats, work)
        print("\n".join(lines[-(len(formats) + 8) :]), flush=True)
    out = args.out or BENCH / "results" / f"{today}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()

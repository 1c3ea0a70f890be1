"""Turn bench_perf.py's raw figures into phases and the markdown tables of issue 18's targets.

Pure functions (no processes, no clocks): ``phases`` reads one step-timed run's report
(perf_probe.py), ``render`` writes the results file.
"""

from __future__ import annotations

import statistics
from typing import Any

MAIN = "MainThread"
# The phases of a step-timed run, in order; post_aggregation is join start -> write end.
PHASES = (
    "startup",
    "inspect",
    "aggregation",
    "customers",
    "clustering",
    "kmeans",
    "scoring",
    "explain",
    "write",
    "post_aggregation",
    "exit",
)


def first(calls: list[dict[str, Any]], step: str, main: bool = True) -> dict[str, Any] | None:
    """The first call of ``step`` (on the main thread unless ``main`` is False)."""
    for call in calls:
        if call["step"] == step and (not main or call["thread"] == MAIN):
            return call
    return None


def _span(a: dict[str, Any] | None, a_key: str, b: dict[str, Any] | None, b_key: str) -> Any:
    if a is None or b is None or a.get(a_key) is None or b.get(b_key) is None:
        return None
    return b[b_key] - a[a_key]


def phases(report: dict[str, Any], wall: float) -> dict[str, Any]:
    """Seconds per phase, the preload thread's CPU, and peak RSS per phase of one run.

    ``report`` is perf_probe.py's run report, ``wall`` the process's wall time measured
    by its parent. A phase whose hooks are missing is None.
    """
    calls = report["calls"]
    get = {step: first(calls, step) for step in (
        "inspect", "features", "join", "cluster", "kmeans", "profile", "finish", "explain",
        "write",
    )}  # fmt: skip
    inspect, features, join = get["inspect"], get["features"], get["join"]
    out: dict[str, Any] = {
        "startup": inspect["start"] if inspect else None,
        "inspect": _span(inspect, "start", inspect, "end"),
        "aggregation": _span(features, "start", join, "start"),
        "customers": _span(join, "start", features, "end"),
        "clustering": _span(get["cluster"], "start", get["profile"], "start"),
        "kmeans": _span(get["kmeans"], "start", get["kmeans"], "end"),
        "scoring": _span(get["profile"], "start", get["finish"], "start"),
        "explain": _span(get["explain"], "start", get["explain"], "end"),
        "write": _span(get["write"], "start", get["write"], "end"),
        "post_aggregation": _span(join, "start", get["write"], "end"),
        "exit": wall - report["end"],
    }
    out["aggregation_cpu"] = _span(features, "cpu_start", join, "cpu_start")
    out["preload_cpu_total"] = report.get("preload", {}).get("cpu_end")
    out["preload_cpu_in_aggregation"] = _span(
        features, "preload_cpu_start", join, "preload_cpu_start"
    )
    preload = report.get("preload", {})
    out["preload_wall"] = _span(preload, "start", preload, "end")
    windows = {
        "read+aggregation": (features, "start", join, "start"),
        "customers": (join, "start", features, "end"),
        "clustering": (get["cluster"], "start", get["profile"], "start"),
        "scoring": (get["profile"], "start", get["finish"], "start"),
        "explain": (get["explain"], "start", get["explain"], "end"),
        "write": (get["write"], "start", get["write"], "end"),
    }
    samples = report.get("rss") or []
    out["rss_by_step"] = {}
    for name, (a, a_key, b, b_key) in windows.items():
        if a is None or b is None:
            continue
        inside = [mb for t, mb in samples if a[a_key] <= t <= b[b_key]]
        out["rss_by_step"][name] = max(inside) if inside else None
    out["missing"] = report.get("missing", [])
    return out


def med(values: list[Any]) -> float | None:
    """Median of the values that are not None (None when there are none)."""
    kept = [v for v in values if v is not None]
    return statistics.median(kept) if kept else None


def _s(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _verdict(value: float | None, limit: float, at_most: bool) -> str:
    if value is None:
        return "not measured"
    ok = value <= limit if at_most else value >= limit
    return "met" if ok else "**not met**"


def row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _walls(jobs: dict[str, list[dict[str, Any]]], job: str) -> float | None:
    return med([r["wall"] for r in jobs.get(job, [])])


def _cpu(jobs: dict[str, list[dict[str, Any]]], job: str) -> float | None:
    return med([r["cpu"] for r in jobs.get(job, [])])


def _cpu_ratio(jobs: dict[str, list[dict[str, Any]]], a: str, b: str) -> str:
    """CPU-seconds ratio of two jobs: steadier than wall time on a loaded machine."""
    return f"{_s(_ratio(_cpu(jobs, a), _cpu(jobs, b)))}×"


def _phase(jobs: dict[str, list[dict[str, Any]]], job: str, name: str) -> float | None:
    return med([r.get("phases", {}).get(name) for r in jobs.get(job, [])])


def breakdown(jobs: dict[str, list[dict[str, Any]]], job: str = "steps") -> str:
    """One line: where segtui's run spends its time (medians of the step-timed runs)."""
    parts = [
        f"{name} {_s(_phase(jobs, job, name))} s"
        for name in PHASES
        if name not in ("post_aggregation",) and _phase(jobs, job, name) is not None
    ]
    return ", ".join(parts)


def _table(header: list[str], lines: list[list[str]]) -> list[str]:
    return [row(header), row(["---"] + ["---:"] * (len(header) - 2) + ["---"]), *map(row, lines)]


def render(raw: dict[str, Any], today: str) -> str:
    """The results file: machine and load, then one table per target of issue 18."""
    runs: dict[str, dict[str, list[dict[str, Any]]]] = raw["runs"]
    cases = [k for k in runs if "/" in k]
    info = raw["machine"]
    loads = ", ".join(str(x) for x in raw["loads"])
    repeats = max((len(v) for jobs in runs.values() for v in jobs.values()), default=0)
    out = [
        f"# Issue 18 performance targets, {today}",
        "",
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['memory']} RAM, {info['os']}, "
        f"Python {info['python']}; {info['versions']}",
        f"- Code: `{raw.get('commit', '')}`; command: `{raw['command']}`",
        f"- Load (1-minute average, before and after each repeat): {loads}; at the end: "
        f"`{raw.get('uptime', '')}`. The machine is shared: jobs of one repeat run "
        f"interleaved; figures are medians of {repeats} runs (peak RSS: the maximum), "
        "ratios are taken between medians of the same repeat set on the same file.",
        f"- Datasets: `bench/make_shaped.py`, {raw['size'][0]:,} customers, "
        f"{raw['size'][1]:,} transactions. "
        "uniform: customers drawn uniformly, ids sequential and in row order. pareto: "
        "Pareto activity (shape 1.16; the largest customer has ~5% of all rows), 5% of "
        "customers without transactions, CustomerIDs and TransactionIDs scrambled (not in "
        "row order), log-normal order values.",
        "- Wall times are whole processes (interpreter start-up and imports included).",
        "",
    ]
    t1, t2, t3, t4, t5, t7 = [], [], [], [], [], []
    bounds: list[str] = []
    for case in cases:
        jobs = runs[case]
        run, read = _walls(jobs, "run"), _walls(jobs, "read")
        agg, lines_agg = _walls(jobs, "agg"), _walls(jobs, "agg-lines")
        pandas, duck = _walls(jobs, "pandas"), _walls(jobs, "duckdb")
        peak = max((r["rss"] for r in jobs.get("run", [])), default=None)
        r1, r2 = _ratio(run, read), _ratio(run, agg)
        t1.append(
            [
                case,
                _s(run),
                _s(read),
                f"{_s(r1)}×",
                _cpu_ratio(jobs, "run", "read"),
                _verdict(r1, 3.0, True),
            ]
        )
        t2.append(
            [
                case,
                _s(run),
                _s(agg),
                _s(lines_agg),
                f"{_s(r2)}×",
                _cpu_ratio(jobs, "run", "agg"),
                _verdict(r2, 1.6, True),
            ]
        )
        worst = max(
            (r.get("phases", {}).get("rss_by_step", {}) for r in jobs.get("steps", [])),
            key=lambda d: max((v or 0) for v in d.values()) if d else 0,
            default={},
        )
        top = max(worst.items(), key=lambda kv: kv[1] or 0, default=("–", None))
        t3.append([case, _s(peak, 0), f"{top[0]} ({_s(top[1], 0)} MB)", _verdict(peak, 1024, True)])
        rp, rd = _ratio(pandas, run), _ratio(duck, run)
        t4.append(
            [
                case,
                _s(run),
                _s(pandas),
                f"{_s(rp)}×",
                _cpu_ratio(jobs, "pandas", "run"),
                _verdict(rp, 4.0, False),
                _s(duck),
                f"{_s(rd)}×",
                _cpu_ratio(jobs, "duckdb", "run"),
                _verdict(rd, 2.0, False),
            ]
        )
        post = _phase(jobs, "steps", "post_aggregation")
        r5 = _ratio(post, read)
        t5.append([case, _s(post), _s(read), f"{_s(r5)}×", _verdict(r5, 1.0, True)])
        if "ui" in jobs:
            first_result = med(
                [r["report"].get("first_result_since_process_start") for r in jobs["ui"]]
            )
            r7 = _ratio(first_result, run)
            peak_ui = max(r["rss"] for r in jobs["ui"])
            t7.append(
                [
                    case,
                    _s(first_result),
                    _s(run),
                    f"{_s(r7)}×",
                    _s(peak_ui, 0),
                    _verdict(r7, 1.3, True),
                ]
            )
        bounds.append(f"- {case}: {breakdown(jobs)}.")
    out += ["## `segtui run` ÷ bare Polars read of the columns it needs (target ≤ 3×)", ""]
    out += _table(["data", "run s", "bare read s", "ratio", "CPU ratio", "target"], t1) + [""]
    out += ["## `segtui run` ÷ bare Polars streaming aggregation (target ≤ 1.6×)", ""]
    out += [
        "Bare aggregation: per customer sum of TotalValue and Quantity, distinct "
        "TransactionIDs, first and last date, streaming engine, dates parsed by segtui's "
        "own parser. 'lines' counts rows instead of distinct ids (what segtui's fast path "
        "counts once it has proved the ids distinct).",
        "",
    ]
    out += _table(
        ["data", "run s", "bare agg s", "bare agg (lines) s", "ratio", "CPU ratio", "target"], t2
    )
    out += ["", "## Peak RSS of `segtui run` at 1e7 (target ≤ 1 GB)", ""]
    out += _table(["data", "peak MB", "largest step (sampled, step-timed run)", "target"], t3)
    out += ["", "## Against the reference pipelines (pandas ≥ 4×, DuckDB ≥ 2×)", ""]
    out += _table(
        [
            "data",
            "run s",
            "pandas s",
            "pandas ÷ run",
            "CPU ratio",
            "target",
            "duckdb s",
            "duckdb ÷ run",
            "CPU ratio",
            "target",
        ],
        t4,
    )
    out += ["", "## Work after the aggregation ÷ bare read (target ≤ 1×)", ""]
    out += [
        "From the step-timed runs (`perf_probe.py run`): from the customers join to the "
        "segments file written (join, derived features, clustering, scores, profiles, "
        "explanation, write).",
        "",
    ]
    out += _table(["data", "post-aggregation s", "bare read s", "ratio", "target"], t5)
    out += ["", "Where the time goes (medians, seconds):", "", *bounds, ""]
    out += _sklearn_section(runs, cases)
    if t7:
        out += ["## Workbench first result ÷ `segtui run` (target ≤ 1.3×)", ""]
        out += [
            "`ui_session.py --first-only`: from process start (imports included) to the first "
            "result painted, against the plain `segtui run` on the same file.",
            "",
        ]
        out += _table(["data", "first result s", "run s", "ratio", "peak MB", "target"], t7)
        out += [""]
    out += _huge_section(raw.get("huge") or {})
    if raw.get("errors"):
        out += ["## Failed jobs", "", *(f"- {e}" for e in raw["errors"]), ""]
    return "\n".join(out) + "\n"


def _sklearn_section(runs: dict[str, Any], cases: list[str]) -> list[str]:
    imports = runs.get("import", {}).get("import-sklearn", [])
    alone = med([r["report"]["seconds_in_process"] for r in imports])
    out = [
        "## scikit-learn import during the aggregation (target: no competition)",
        "",
        f"Importing sklearn.cluster + sklearn.metrics alone: {_s(alone)} s (median, in "
        "process). 'met' when the preload thread uses at most 0.1 s of CPU inside the "
        "aggregation window.",
        "",
    ]
    lines = []
    for case in cases:
        jobs = runs[case]
        in_agg = _phase(jobs, "steps", "preload_cpu_in_aggregation")
        lines.append(
            [
                case,
                _s(_phase(jobs, "steps", "preload_cpu_total")),
                _s(in_agg),
                _s(_phase(jobs, "steps", "preload_wall")),
                _s(_phase(jobs, "steps", "aggregation")),
                _s(_phase(jobs, "steps-nopreload", "aggregation")),
                _s(_walls(jobs, "steps")),
                _s(_walls(jobs, "steps-nopreload")),
                _verdict(in_agg, 0.1, True),
            ]
        )
    out += _table(
        [
            "data",
            "preload CPU s",
            "of it during aggregation",
            "preload wall s",
            "aggregation s (preload)",
            "aggregation s (no preload)",
            "run s (preload)",
            "run s (no preload)",
            "target",
        ],
        lines,
    )
    return out + [""]


def _huge_section(huge: dict[str, Any]) -> list[str]:
    if not huge:
        return ["## 1e8 transactions, 1e7 customers", "", "Not run (`--huge`).", ""]
    out = [
        "## 1e8 transactions, 1e7 customers: peak RSS (target ≤ 3 GB)",
        "",
        "`make_shaped.py --shape pareto --customers 1e7 --transactions 1e8`; one "
        "step-timed run each (RSS sampled every 20 ms by step).",
        "",
    ]
    lines = []
    for fmt, rec in huge.items():
        if "error" in rec:
            out.append(f"- {fmt}: failed: {rec['error']}")
            continue
        ph = rec.get("phases", {})
        steps = ", ".join(f"{k} {_s(v, 0)}" for k, v in ph.get("rss_by_step", {}).items())
        lines.append(
            [
                fmt,
                _s(rec.get("size_gb")),
                _s(rec["wall"], 1),
                _s(rec["rss"], 0),
                steps,
                _verdict(rec["rss"], 3 * 1024, True),
            ]
        )
    out += _table(["input", "GB", "wall s", "peak MB", "MB by step", "target"], lines)
    for fmt, rec in huge.items():
        if "error" in rec:
            continue
        ph = rec.get("phases", {})
        times = ", ".join(f"{n} {_s(ph.get(n))} s" for n in PHASES if ph.get(n) is not None)
        out.append(f"\n{fmt}: {times}.")
    return out + [""]


if __name__ == "__main__":
    # Re-render a results file from bench_perf.py's raw JSON: python bench/perf_report.py
    # bench/results/DATE-perf.json OUT.md
    import json
    import sys
    from pathlib import Path

    raw_path, out_path = Path(sys.argv[1]), Path(sys.argv[2])
    date = raw_path.name[:10]
    out_path.write_text(render(json.loads(raw_path.read_text()), date))

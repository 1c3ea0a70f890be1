"""Drive `segtui ui` with the Textual pilot on a large generated dataset and time it.

    python bench/ui_session.py [--customers 1000000] [--transactions 10000000] [--data DIR]

Generates the dataset (parquet) unless --data points at one, then measures:
time to first paint, key latency while the first load runs, time to the first result,
time to re-cluster after `+`, sort / filter / search / drill-down latencies in the
Customers view, lookalikes of one customer (`l`) and migration over 90 days (`m`, enter).
``--format csv`` generates CSV instead of Parquet. Prints one JSON document (seconds)
with the machine's load average at the start and the end.

    python bench/ui_session.py --ratio 3 [--data FILE]

times the first result in the workbench (a fresh process, imports included) against a
fresh `segtui run` on the same data with the same (default) settings, and prints both,
the ratio of their medians and the CPU seconds each used (the workbench: by its first
result).

    python bench/ui_session.py --shell-first-paint 7 [--data tests/data/reference]

instead starts `segtui ui DATA` as a user would, in a fresh process on a pseudo-terminal
of 120x40, and times each run from the process start to the first frame written to the
terminal (the tab labels on screen): Python start-up and imports included. Prints every
run, the median and `uptime`'s load, and the CPU seconds each process had used by its
first frame (clock ticks of 10 ms; steadier than wall time on a shared machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Only what `segtui ui` itself imports before its first result: the first-result run
# (--first-only) times the workbench, not this script's imports of every screen.
from segtui.config import Settings
from segtui.tui.app import SegtuiApp


def paint(app) -> None:
    """Render the whole screen once (what a terminal refresh costs)."""
    app.screen._compositor.render_strips()


async def key(app, name: str, done, char: str | None = None, limit: float = 120.0) -> float:
    """Seconds from posting key ``name`` until ``done()`` holds and the screen is painted.

    The pilot's own ``press`` waits for the whole process to go idle (up to 1 s per key
    while a worker computes), so it would measure the pilot, not the app.
    """
    from textual import events

    started = time.perf_counter()
    app.post_message(events.Key(name, char if char is not None else name))
    while not done():
        if time.perf_counter() - started > limit:
            raise TimeoutError(f"key {name} not answered in {limit} s")
        await asyncio.sleep(0.002)
    paint(app)
    return time.perf_counter() - started


async def until_idle(app: SegtuiApp) -> None:
    """Return once the app's job has delivered its result (``busy`` turned False). A
    watcher, not a poll: a loop waking every few milliseconds on the UI thread would
    take the interpreter lock from the worker it is timing."""
    idle = asyncio.Event()
    app.watch(app, "busy", lambda busy: None if busy else idle.set())
    await idle.wait()


def since_process_start() -> float:
    """Seconds since this process started (kernel clock ticks, 10 ms resolution): the
    first result as a user waits for it, interpreter start-up and imports included."""
    ticks = os.sysconf("SC_CLK_TCK")
    stat = Path("/proc/self/stat").read_text()
    started = int(stat.rsplit(")", 1)[1].split()[19]) / ticks  # field 22: starttime
    return float(Path("/proc/uptime").read_text().split()[0]) - started


async def session(data: Path, first_only: bool = False, keys: bool = True) -> dict[str, object]:
    """Drive the app on ``data``; ``first_only`` stops after the first result; without
    ``keys`` nothing is pressed while the first load runs (a user who waits for it)."""
    figures: dict[str, object] = {}
    started = time.perf_counter()
    app = SegtuiApp(Settings(source=data), export_dir=Path(tempfile.mkdtemp()))
    async with app.run_test(size=(120, 40)):
        paint(app)
        figures["first_paint"] = time.perf_counter() - started
        print("first paint", figures["first_paint"], file=sys.stderr)
        tabs = app.query_one("#tabs")
        from segtui.tui.screens.dialogs import HelpScreen

        # Keys while the first load is still running.
        latencies = (
            {}
            if not keys
            else {
                "2": await key(app, "2", lambda: tabs.active == "customers"),
                "3": await key(app, "3", lambda: tabs.active == "data"),
                "?": await key(
                    app, "question_mark", lambda: isinstance(app.screen, HelpScreen), "?"
                ),
                "esc": await key(app, "escape", lambda: not isinstance(app.screen, HelpScreen), ""),
                "1": await key(app, "1", lambda: tabs.active == "segments"),
            }
        )
        figures["keys_while_loading"] = (
            None
            if not keys
            else {
                "still_loading_after_keys": app.busy,
                "latency": latencies,
            }
        )
        await until_idle(app)
        paint(app)
        figures["first_result"] = time.perf_counter() - started
        figures["customers"] = app.result.n_customers
        figures["engine_timings_first"] = app.result.timings
        if first_only:
            figures["first_result_since_process_start"] = since_process_start()
            cpu = os.times()  # this process's CPU by its first result, every thread
            figures["first_result_cpu_s"] = cpu.user + cpu.system
            return figures
        from segtui.tui.screens.lookalikes import LookalikesScreen
        from segtui.tui.screens.migration import MigrationScreen
        from segtui.tui.screens.transactions import TransactionsScreen
        from segtui.tui.widgets.customers_view import CustomersView

        t0 = time.perf_counter()
        figures["plus_key_answered"] = await key(app, "plus", lambda: app.busy, "+")
        while app.busy:
            await asyncio.sleep(0.01)
        paint(app)
        figures["recluster_k_plus_1"] = time.perf_counter() - t0
        figures["k_after"] = app.result.k
        await key(app, "minus", lambda: app.busy, "-")
        figures["cancel_answered"] = await key(app, "escape", lambda: not app.busy, "")
        while any(worker.is_running for worker in app.workers):
            await asyncio.sleep(0.01)
        table = app.query_one("#customer-table")
        figures["open_customers"] = await key(app, "2", lambda: tabs.active == "customers")
        figures["page_down"] = await key(app, "pagedown", lambda: table.cursor_row > 0, "")
        figures["end"] = await key(app, "end", lambda: table.cursor_row == table.row_count - 1, "")
        table.cursor_column = table.columns.index("total_spend")
        t0 = time.perf_counter()
        view = app.query_one(CustomersView)
        figures["sort_key_answered"] = await key(
            app, "o", lambda: table.sort_column == "total_spend"
        )
        while view.pending:
            await asyncio.sleep(0.005)
        paint(app)
        figures["sort_total_spend_done"] = time.perf_counter() - t0
        figures["sort_reverse_done"] = await key(
            app, "o", lambda: table.sort_descending and not view.pending
        )
        figures["filter_segment_done"] = await key(
            app, "f", lambda: view.segment == 0 and not view.pending
        )
        figures["filter_rows"] = table.row_count
        wanted = str(table.frame["CustomerID"][0])
        app.query_one("#search").value = wanted
        app.query_one("#search").focus()
        figures["search_enter_done"] = await key(
            app, "enter", lambda: view.search == wanted and not view.pending, "\r"
        )
        figures["search_matches"] = table.row_count
        table.focus()
        if table.row_count:
            figures["drill_down_transactions"] = await key(
                app,
                "enter",
                lambda: (
                    isinstance(app.screen, TransactionsScreen)
                    and any(t.row_count for t in app.screen.query("#tx-table"))
                ),
                "\r",
            )
            figures["drill_down_rows"] = app.screen.query_one("#tx-table").row_count
            # Posted keys can reach both the search box and the table: close every
            # transactions screen the drill-down opened.
            while len(app.screen_stack) > 1:
                depth = len(app.screen_stack)
                await key(app, "escape", lambda depth=depth: len(app.screen_stack) < depth, "")
        while any(worker.is_running for worker in app.workers):
            await asyncio.sleep(0.01)
        table.focus()
        await asyncio.sleep(0.05)
        figures["lookalikes"] = await key(
            app,
            "L",
            lambda: (
                isinstance(app.screen, LookalikesScreen)
                and (app.screen.rows is not None or app.screen.error is not None)
            ),
        )
        await key(app, "escape", lambda: not isinstance(app.screen, LookalikesScreen), "")
        await key(
            app,
            "m",
            lambda: (
                isinstance(app.screen, MigrationScreen) and bool(app.screen.query("#as-of-before"))
            ),
        )
        app.screen.query_one("#as-of-before").focus()
        figures["migration"] = await key(
            app,
            "enter",
            lambda: (
                getattr(app.screen, "migration", None) is not None
                or "✖" in str(app.screen.query_one("#migration-status").render())
            ),
            "\r",
            limit=600,
        )
        await key(app, "escape", lambda: not isinstance(app.screen, MigrationScreen), "")
        while any(worker.is_running for worker in app.workers):
            await asyncio.sleep(0.01)
    return figures


# Tab labels of the base view: on screen only once Textual has drawn the first frame.
FIRST_FRAME_MARKERS = (b"Segments", b"Customers")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) process ``pid`` has used so far: on a loaded machine the
    wall-clock first paint mostly measures the queue for a core, this the work."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def shell_first_paint(data: Path, limit: float = 60.0) -> tuple[float, float]:
    """Seconds from starting `segtui ui DATA` on a 120x40 pseudo-terminal until the first
    frame (every tab label) has been written to it, and the CPU seconds the process used
    by then; the process is then ended."""
    import fcntl
    import termios

    segtui = shutil.which("segtui", path=str(Path(sys.executable).parent)) or "segtui"
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [segtui, "ui", str(data)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        start_new_session=True,
    )
    os.close(follower)
    written = b""
    try:
        while not all(marker in written for marker in FIRST_FRAME_MARKERS):
            if time.perf_counter() - started > limit:
                raise TimeoutError(f"no first frame in {limit} s: {written[-400:]!r}")
            ready, _, _ = select.select([leader], [], [], 0.05)
            if ready:
                try:
                    written += os.read(leader, 65536)
                except OSError:  # the process ended: no more output
                    raise RuntimeError(f"segtui ui ended before a frame: {written!r}") from None
        return time.perf_counter() - started, cpu_seconds(process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(leader)


def uptime() -> str:
    """`uptime`'s line: the load the figures were taken under."""
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def shell_first_paint_runs(data: Path, runs: int) -> dict[str, object]:
    """``runs`` fresh `segtui ui` processes: every first paint, their median and the load."""
    load_before = uptime()
    measured = [shell_first_paint(data) for _ in range(runs)]
    seconds = [wall for wall, _ in measured]
    cpu = [used for _, used in measured]
    return {
        "data": str(data),
        "runs_s": [round(value, 3) for value in seconds],
        "median_s": round(statistics.median(seconds), 3),
        "cpu_runs_s": [round(value, 3) for value in cpu],
        "cpu_median_s": round(statistics.median(cpu), 3),
        "uptime_before": load_before,
        "uptime_after": uptime(),
    }


def first_result_ratio(data: Path, runs: int) -> dict[str, object]:
    """First result in the workbench against `segtui run` on the same data and settings,
    each a fresh process timed from its start (imports included), ``runs`` times each,
    alternating which goes first: the medians, their ratio (issue 30's target: at most
    1.1) and the CPU seconds each process used (by its first result; by its exit).

    Both run in the same empty folder (no ./segtui.toml can change the CLI's settings,
    and the workbench reads none: the default settings both), on the same file. `run`
    is timed to its exit (its result is the file it wrote), the workbench to its first
    result on screen (headless, 120x40)."""
    import resource

    segtui = shutil.which("segtui", path=str(Path(sys.executable).parent)) or "segtui"
    data = data.resolve()
    run_s: list[float] = []
    run_cpu: list[float] = []
    ui_s: list[float] = []
    ui_cpu: list[float] = []
    load_before = uptime()

    def cli(folder: str) -> None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            [segtui, "run", str(data), "--out", f"{folder}/segments.csv", "--quiet"],
            check=True,
            cwd=folder,
        )
        run_s.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        run_cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)

    def workbench(folder: str) -> None:
        # The workbench as a user starts it, up to its first result on screen.
        done = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--data",
                str(data),
                "--first-only",
                "--no-keys",
            ],
            check=True,
            capture_output=True,
            text=True,
            cwd=folder,
        )
        figures = json.loads(done.stdout)
        ui_s.append(float(figures["first_result_since_process_start"]))
        ui_cpu.append(float(figures["first_result_cpu_s"]))

    for round_ in range(runs):
        with tempfile.TemporaryDirectory(prefix="segtui-ratio-") as folder:
            for step in (cli, workbench) if round_ % 2 == 0 else (workbench, cli):
                step(folder)
    return {
        "data": str(data),
        "run_s": [round(value, 2) for value in run_s],
        "ui_first_result_s": [round(value, 2) for value in ui_s],
        "ratio": round(statistics.median(ui_s) / statistics.median(run_s), 2),
        "run_cpu_s": [round(value, 2) for value in run_cpu],
        "ui_first_result_cpu_s": [round(value, 2) for value in ui_cpu],
        "cpu_ratio": round(statistics.median(ui_cpu) / statistics.median(run_cpu), 2),
        "uptime_before": load_before,
        "uptime_after": uptime(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--data", type=Path, help="existing dataset folder (skips generation)")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--first-only", action="store_true", help="stop at the first result")
    parser.add_argument(
        "--no-keys", action="store_true", help="press no keys while the first load runs"
    )
    parser.add_argument(
        "--shell-first-paint",
        type=int,
        metavar="RUNS",
        help="time `segtui ui` from a shell to its first frame, RUNS times (default data: "
        "tests/data/reference)",
    )
    parser.add_argument(
        "--ratio",
        type=int,
        metavar="RUNS",
        help="first result in the workbench over `segtui run` on --data (default: the "
        "bundled sample), RUNS alternated fresh processes each",
    )
    args = parser.parse_args()
    data = args.data
    if args.ratio:
        source = data or Path(__file__).resolve().parent.parent / "segtui/data/sample"
        print(json.dumps(first_result_ratio(source, args.ratio), indent=2))
        return
    if args.shell_first_paint:
        source = data or Path(__file__).resolve().parent.parent / "tests/data/reference"
        print(json.dumps(shell_first_paint_runs(source, args.shell_first_paint), indent=2))
        return
    if data is None:
        data = Path(tempfile.mkdtemp(prefix="segtui-ui-bench-"))
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "segtui",
                "sample",
                str(data),
                "--customers",
                str(args.customers),
                "--transactions",
                str(args.transactions),
                "--format",
                args.format,
                "--quiet",
            ],
            check=True,
        )
        print(f"generated {data} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    load_before = os.getloadavg()
    figures = asyncio.run(session(data, args.first_only, keys=not args.no_keys))
    record = {"data": str(data), "load_before": load_before, **figures}
    record["load_after"] = os.getloadavg()
    print(json.dumps(record, indent=2, default=str))


if __name__ == "__main__":
    main()

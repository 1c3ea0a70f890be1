"""Resource bounds (a clear error instead of an out-of-memory kill) and progress display
(on a terminal only; nothing when piped or --quiet)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.cli.common import progress_display
from segtui.engine.errors import InputError, OptionError
from segtui.engine.io.resources import (
    MEMORY_LIMIT_ENV,
    RESERVED_BYTES,
    available_memory,
    check_memory,
    estimate_memory,
    parse_size,
)
from segtui.engine.io.sources import find_table_files

runner = CliRunner()


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1500000", 1_500_000),
        ("512MB", 512 * 1024**2),
        ("2G", 2 * 1024**3),
        ("1.5 GiB", 1610612736),
    ],
)
def test_memory_limit_sizes_are_parsed(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_memory_limit_that_is_not_a_size_is_an_option_error(monkeypatch) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "lots")
    with pytest.raises(OptionError, match=MEMORY_LIMIT_ENV):
        available_memory()


def test_available_memory_is_detected_without_an_override(monkeypatch) -> None:
    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)
    available = available_memory()
    assert available is not None and available > 0


def test_memory_check_can_be_turned_off(zeotap_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "off")
    assert available_memory() is None
    check_memory(list(find_table_files(zeotap_dir).values()), "zeotap")


def test_estimate_grows_with_the_input_files(zeotap_dir: Path) -> None:
    files = list(find_table_files(zeotap_dir).values())
    on_disk = sum(p.stat().st_size for p in files)
    assert estimate_memory(files) == RESERVED_BYTES + int(3 * on_disk)


def test_input_fits_exactly_at_the_estimate_and_not_one_byte_below(
    zeotap_dir: Path, monkeypatch
) -> None:
    files = list(find_table_files(zeotap_dir).values())
    needed = estimate_memory(files)
    monkeypatch.setenv(MEMORY_LIMIT_ENV, str(needed))
    check_memory(files, "zeotap")
    monkeypatch.setenv(MEMORY_LIMIT_ENV, str(needed - 1))
    with pytest.raises(InputError, match="more than the"):
        check_memory(files, "zeotap")


def test_run_that_cannot_fit_stops_with_one_line_suggesting_spark(zeotap_dir: Path) -> None:
    result = runner.invoke(app, ["run", str(zeotap_dir)], env={MEMORY_LIMIT_ENV: "64MB"})
    assert result.exit_code == 2, result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert str(zeotap_dir) in lines[0]
    assert "64.0 MB available" in lines[0] and "--engine spark" in lines[0]
    assert MEMORY_LIMIT_ENV in lines[0]


def test_a_file_read_in_batches_is_estimated_by_its_smaller_factor(tmp_path, monkeypatch):
    # Above the batch threshold the engine holds one batch and per-customer state, not the
    # file: a 2.4 GB Parquet of 1e8 lines peaked at 4.8 GB, where 10 bytes a byte on disk
    # refused it on a 23 GB machine.
    from segtui.engine.io import resources

    log = tmp_path / "orders.parquet"
    log.write_bytes(b"x" * 10_000)
    small = estimate_memory([log])
    assert small == RESERVED_BYTES + 10 * 10_000
    monkeypatch.setitem(resources.BATCH_ABOVE_BYTES, "parquet", 5_000)
    assert estimate_memory([log]) == RESERVED_BYTES + 3 * 10_000
    csv = tmp_path / "orders.csv"
    csv.write_bytes(b"x" * 10_000)
    monkeypatch.setitem(resources.BATCH_ABOVE_BYTES, "csv", 5_000)
    assert estimate_memory([csv]) == RESERVED_BYTES + 10_000


def test_a_single_log_gets_the_memory_check_a_folder_gets(tmp_path) -> None:
    # A log (and its --customers file) is checked before it is read, like a folder.
    from order_logs import RETAIL_NAMES, make_lines, write_log

    log = write_log(tmp_path / "orders.csv", make_lines(), RETAIL_NAMES)
    result = runner.invoke(app, ["run", str(log)], env={MEMORY_LIMIT_ENV: "64MB"})
    assert result.exit_code == 2, result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert str(log) in lines[0] and "64.0 MB available" in lines[0]
    fits = runner.invoke(app, ["run", str(log), "-q"], env={MEMORY_LIMIT_ENV: "2GB"})
    assert fits.exit_code == 0, fits.stderr


def test_clv_adds_its_measured_share_to_the_estimate(tmp_path, monkeypatch):
    from segtui.engine.io import resources

    parquet = tmp_path / "orders.parquet"
    parquet.write_bytes(b"x" * 10_000)
    plain = estimate_memory([parquet])
    assert estimate_memory([parquet], value_of=parquet) == plain + 6 * 10_000
    monkeypatch.setitem(resources.BATCH_ABOVE_BYTES, "parquet", 5_000)
    batched = estimate_memory([parquet])
    assert estimate_memory([parquet], value_of=parquet) == batched + int(2.5 * 10_000)


def test_a_clv_run_that_cannot_fit_names_clv(zeotap_dir: Path) -> None:
    # Between the plain estimate and the --clv one: the plain run goes ahead, --clv stops
    # before reading with one line that says so and how to go on.
    files = list(find_table_files(zeotap_dir).values())
    transactions = find_table_files(zeotap_dir)["transactions"]
    between = (estimate_memory(files) + estimate_memory(files, value_of=transactions)) // 2
    env = {MEMORY_LIMIT_ENV: str(between)}
    assert runner.invoke(app, ["run", str(zeotap_dir), "-q"], env=env).exit_code == 0
    result = runner.invoke(app, ["run", str(zeotap_dir), "-q", "--clv"], env=env)
    assert result.exit_code == 2, result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "with --clv" in lines[0] and "without --clv" in lines[0]


def test_a_log_is_counted_once_in_the_clv_estimate(tmp_path, monkeypatch) -> None:
    # A single log is both the transactions and the customers "file": --clv's estimate
    # adds the log once, plus the value step's share.
    from order_logs import RETAIL_NAMES, make_lines, write_log

    from segtui.config import Settings
    from segtui.engine.features.load import load_features

    log = write_log(tmp_path / "orders.csv", make_lines(), RETAIL_NAMES)
    needed = estimate_memory([log], value_of=log)
    monkeypatch.setenv(MEMORY_LIMIT_ENV, str(needed))
    load_features(Settings(source=log, clv=True))
    monkeypatch.setenv(MEMORY_LIMIT_ENV, str(needed - 1))
    with pytest.raises(InputError, match="with --clv"):
        load_features(Settings(source=log, clv=True))


# ------------------------------------------------------------------------------ progress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_piped_run_prints_no_progress_on_stderr(zeotap_dir: Path) -> None:
    result = runner.invoke(app, ["run", str(zeotap_dir)])
    assert result.exit_code == 0
    assert result.stderr == ""


def test_progress_is_silent_when_stderr_is_not_a_terminal(monkeypatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    with progress_display(True) as step:
        step("Reading data")
    assert stream.getvalue() == ""


def test_progress_is_silent_on_a_terminal_when_quiet(monkeypatch) -> None:
    stream = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", stream)
    with progress_display(False) as step:
        step("Reading data")
    assert stream.getvalue() == ""


def test_progress_shows_the_stage_on_a_terminal(monkeypatch) -> None:
    stream = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", stream)
    with progress_display(True) as step:
        step("Computing features")
    assert "Computing features" in stream.getvalue()


# ------------------------------------------------------------------ address-space limits


def _limited_run(kilobytes: int, source: Path, env: dict[str, str] | None = None):
    """``segtui run source`` in a child under ``ulimit -v kilobytes``; (rc, stderr,
    seconds). The timeout is the test: before, 0.6 GB spun in OpenBLAS for minutes."""
    import os
    import resource
    import subprocess
    import time

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (kilobytes * 1024, kilobytes * 1024))

    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "segtui", "run", str(source), "-q"],
        preexec_fn=limit,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stderr, time.perf_counter() - started


@pytest.mark.slow
@pytest.mark.parametrize("kilobytes", [600_000, 1_000_000, 1_500_000])
def test_a_small_address_space_limit_exits_2_at_once_with_one_line(
    kilobytes: int, tiny_dir: Path
) -> None:
    code, stderr, seconds = _limited_run(kilobytes, tiny_dir)
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr
    assert f"out of address space: the limit (ulimit -v {kilobytes})" in lines[0]
    assert "ulimit -v 2097152 or unlimited" in lines[0]
    assert seconds < 20


@pytest.mark.slow
def test_running_out_of_memory_is_one_line_without_the_preload_threads_traceback(
    tiny_dir: Path,
) -> None:
    # A MemoryError in the main thread and in the scikit-learn preload thread (which stays
    # silent): one line, exit 2. The memory is exhausted on purpose, at the import both
    # threads make, so the test does not depend on which library meets a ulimit first:
    # under `ulimit -v 1000000` with the start-up check off, Polars' Rust allocator
    # sometimes aborts (SIGABRT, exit 134) or its executor threads panic before Python
    # sees a MemoryError, which no Python code can turn into one line (that is what the
    # start-up check is for: test_a_small_address_space_limit_exits_2_at_once_with_one_line).
    import os
    import subprocess

    script = """
import sys
class Exhausted:
    def find_spec(self, name, path=None, target=None):
        if name == "sklearn" or name.startswith("sklearn."):
            raise MemoryError()
        return None
sys.meta_path.insert(0, Exhausted())
sys.argv = ["segtui", "run", sys.argv[1], "-q", "--out", sys.argv[2]]
import runpy
runpy.run_module("segtui", run_name="__main__")
"""
    out = tiny_dir.parent / "segments.csv"
    done = subprocess.run(
        [sys.executable, "-c", script, str(tiny_dir), str(out)],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("segtui: error: out of memory") and "--engine spark" in lines[0]
    assert not out.exists()


def test_the_address_space_check_reads_the_soft_limit(monkeypatch) -> None:
    import resource

    from segtui.engine.io.resources import MIN_ADDRESS_SPACE, check_address_space

    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)
    limits = {"soft": MIN_ADDRESS_SPACE}
    monkeypatch.setattr(resource, "getrlimit", lambda _which: (limits["soft"], -1))
    check_address_space()  # exactly the floor: enough
    limits["soft"] = resource.RLIM_INFINITY
    check_address_space()
    limits["soft"] = MIN_ADDRESS_SPACE - 1
    with pytest.raises(OptionError, match=r"out of address space: the limit \(ulimit -v 2097151\)"):
        check_address_space()
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "off")
    check_address_space()


def test_a_memory_error_is_one_line_and_exit_2(zeotap_dir: Path, monkeypatch) -> None:
    def exhausted(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr("segtui.engine.pipeline.run", exhausted)
    result = runner.invoke(app, ["run", str(zeotap_dir)])
    assert result.exit_code == 2, result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("segtui: error: out of memory")


@pytest.mark.slow
def test_sweep_under_a_tight_limit_never_says_interrupted(tiny_dir: Path) -> None:
    # OpenBLAS raised SIGINT in the process when its thread pool could not start at
    # 1.5 GB, and sweep printed "segtui: interrupted" (rc 130). One BLAS thread by
    # default: the run now never reports an interruption nobody asked for.
    import os
    import resource
    import subprocess

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000 * 1024, 1_500_000 * 1024))

    def sweep(guard: str | None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        env.pop(MEMORY_LIMIT_ENV, None)
        if guard is not None:
            env[MEMORY_LIMIT_ENV] = guard
        return subprocess.run(
            [sys.executable, "-m", "segtui", "sweep", str(tiny_dir), "-q", "--k-max", "3"],
            preexec_fn=limit,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    # With the address-space check on (the default), 1.5 GB is refused up front: one
    # line, exit 2, before any library can fail on its own.
    guarded = sweep(None)
    assert guarded.returncode == 2, guarded.stderr
    lines = guarded.stderr.strip().splitlines()
    assert len(lines) == 1 and "out of address space" in lines[0], lines
    assert "ulimit -v 1500000" in lines[0]
    # With the check off, the run goes ahead and whichever library meets the limit first
    # decides how it ends: Python's MemoryError is segtui's one line (exit 2), while
    # OpenBLAS may exit(1) from C with its own one line after a failed buffer mmap (seen
    # on CI: "Memory allocation still failed after 10 retries"), which no Python code can
    # catch. That is why the check exists. What must never happen is "interrupted".
    done = sweep("off")
    assert "interrupted" not in done.stderr and done.returncode not in (130, 143), done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    if done.returncode == 2:
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "out of memory" in lines[0], lines
    elif done.returncode == 1:
        assert done.stderr.startswith("OpenBLAS error: Memory allocation"), done.stderr
    else:
        assert done.returncode == 0, done.stderr


def test_a_library_that_cannot_be_mapped_is_out_of_memory_not_a_bug(
    zeotap_dir: Path, monkeypatch
) -> None:
    def unmappable(*args, **kwargs):
        raise ImportError("libx.so: failed to map segment from shared object")

    monkeypatch.setattr("segtui.engine.pipeline.run", unmappable)
    result = runner.invoke(app, ["run", str(zeotap_dir)])
    assert result.exit_code == 2 and "out of memory" in result.stderr

    def missing(*args, **kwargs):
        raise ImportError("No module named 'nothing_here'")

    monkeypatch.setattr("segtui.engine.pipeline.run", missing)
    result = runner.invoke(app, ["run", str(zeotap_dir)])
    assert result.exit_code == 1 and "internal error" in result.stderr


@pytest.mark.parametrize(
    ("message", "code"), [("can't start new thread", 2), ("something else broke", 1)]
)
def test_a_thread_that_cannot_start_is_out_of_memory_and_other_runtime_errors_are_bugs(
    message: str, code: int, capsys
) -> None:
    # Under a ulimit -v, a worker thread's stack can be what no longer fits (seen in the
    # manifest thread of a run at 1 GB); any other RuntimeError stays an internal error.
    import typer

    from segtui.cli.common import handle_errors

    with pytest.raises(typer.Exit) as info, handle_errors():
        raise RuntimeError(message)
    assert info.value.exit_code == code
    err = capsys.readouterr().err
    assert ("out of memory" in err) == (code == 2)
    assert ("Traceback" in err) == (code == 1)

"""Atomic, non-destructive output: an interrupted or failed write leaves the old file and
no partial file; a killed writer's temporary file is never read and is cleaned up later.

The interruption tests run ``segtui run`` in a child process whose file writer is patched
to write half of the file and then block (on stdin, no sleeps) until the parent has
signalled it.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from conftest import TINY_CUSTOMERS, TINY_PRODUCTS, TINY_TRANSACTIONS, write_tables
from typer.testing import CliRunner

from segtui.cli import app
from segtui.engine.io.sources import find_table_files
from segtui.engine.output.writers import atomic_path, remove_stale_temporaries, write_frame

OLD = "CustomerID,segment\nold,0\n"

# Child: block half-way through writing the segments file's temporary copy.
BLOCK_IN_WRITE = """
import sys
import polars as pl
real = pl.DataFrame.write_csv
def half_then_block(self, file=None, *args, **kwargs):
    if file is not None and str(file).endswith(".tmp"):
        data = real(self)
        with open(file, "w", encoding="utf-8") as handle:
            handle.write(data[: len(data) // 2])
        print("READY", file, flush=True)
        sys.stdin.readline()
    return real(self, file, *args, **kwargs)
pl.DataFrame.write_csv = half_then_block
"""
# Child: block inside K-Means, before anything is written.
BLOCK_IN_CLUSTERING = """
import sys
import segtui.engine.clustering.kmeans as clustering
def block(*args, **kwargs):
    print("READY", flush=True)
    sys.stdin.readline()
clustering.kmeans = block
"""
RUN_CLI = """
from segtui.cli import main
sys.argv = ["segtui", *sys.argv[1:]]
main()
"""


def start(patch: str, *args: str) -> tuple[subprocess.Popen[str], str]:
    """Start ``segtui`` with ``patch`` applied; return it once it reports READY."""
    child = subprocess.Popen(
        [sys.executable, "-c", patch + RUN_CLI, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line.startswith("READY"):
        child.kill()
        pytest.fail(f"child did not reach the blocking point: {line!r} {child.communicate()}")
    return child, line.split(" ", 1)[1].strip() if " " in line else ""


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    return write_tables(tmp_path / "src", TINY_CUSTOMERS, TINY_PRODUCTS, TINY_TRANSACTIONS)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.slow  # a child segtui process: ~2 s of start-up each
def test_sigkill_mid_write_keeps_the_old_file(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "segments.csv"
    out.parent.mkdir()
    out.write_text(OLD)
    child, temporary = start(
        BLOCK_IN_WRITE, "run", str(source), "-k", "2", "-q", "--force", "--out", str(out)
    )
    assert Path(temporary).parent == out.parent and Path(temporary).stat().st_size > 0
    child.kill()
    child.communicate()
    assert child.returncode == -signal.SIGKILL
    assert out.read_text() == OLD
    # Nothing can clean up after SIGKILL: the half-written file stays, hidden and *.tmp.
    assert leftovers(out.parent) == [Path(temporary).name]


@pytest.mark.slow  # a child segtui process: ~2 s of start-up each
def test_killed_writers_leftover_is_never_read_as_a_table(source: Path) -> None:
    child, temporary = start(
        BLOCK_IN_WRITE,
        "run",
        str(source),
        "-k",
        "2",
        "-q",
        "--out",
        # Writing over a source table is refused (output planning); a new file in the
        # source folder still leaves its temporary beside the tables.
        str(source / "segments.csv"),
    )
    child.kill()
    child.communicate()
    assert Path(temporary).name.startswith(".segments.csv.")
    assert Path(temporary).parent == source
    assert find_table_files(source)["transactions"] == source / "Transactions.csv"


@pytest.mark.slow  # a child segtui process: ~2 s of start-up each
def test_next_write_to_the_same_target_removes_a_killed_writers_leftover(
    source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "segments.csv"
    out.write_text(OLD)
    child, temporary = start(
        BLOCK_IN_WRITE, "run", str(source), "-k", "2", "-q", "--force", "--out", str(out)
    )
    child.kill()
    child.communicate()
    assert Path(temporary).exists()
    result = CliRunner().invoke(
        app, ["run", str(source), "-k", "2", "-q", "--force", "--out", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    assert leftovers(tmp_path) == []
    assert pl.read_csv(out).height == 6


def test_a_live_writers_temporary_file_is_not_removed(tmp_path: Path) -> None:
    target = tmp_path / "segments.csv"
    live = tmp_path / f".segments.csv.{os.getppid()}.abc.tmp"
    live.write_text("in progress")
    assert remove_stale_temporaries(target) == []
    assert live.exists()


@pytest.mark.slow  # a child segtui process: ~2 s of start-up each
def test_sigint_mid_write_exits_130_and_leaves_the_old_file(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "segments.csv"
    out.write_text(OLD)
    child, _ = start(
        BLOCK_IN_WRITE, "run", str(source), "-k", "2", "-q", "--force", "--out", str(out)
    )
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate()
    assert child.returncode == 130
    assert stderr.strip().splitlines() == ["segtui: interrupted"]
    assert out.read_text() == OLD
    assert leftovers(tmp_path) == []


@pytest.mark.slow  # a child segtui process: ~2 s of start-up each
def test_sigint_while_clustering_exits_130_and_writes_nothing(source: Path, tmp_path: Path) -> None:
    out, summary = tmp_path / "segments.csv", tmp_path / "summary.json"
    child, _ = start(
        BLOCK_IN_CLUSTERING,
        "run",
        str(source),
        "-k",
        "2",
        "--out",
        str(out),
        "--summary",
        str(summary),
    )
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate()
    assert child.returncode == 130
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines() == ["segtui: interrupted"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


def test_exception_mid_write_removes_the_temporary_and_keeps_the_old_file(
    tmp_path: Path,
) -> None:
    target = tmp_path / "segments.csv"
    target.write_text(OLD)
    with pytest.raises(RuntimeError, match="boom"), atomic_path(target, force=True) as tmp:
        tmp.write_text("CustomerID,segment\nnew,")
        raise RuntimeError("boom")
    assert target.read_text() == OLD
    assert leftovers(tmp_path) == []


def test_disk_full_mid_write_is_a_user_error_and_keeps_the_old_file(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "segments.parquet"
    target.write_bytes(b"old parquet bytes")

    def full_disk(self: pl.DataFrame, path: Path, **kwargs: object) -> None:
        Path(path).write_bytes(b"PAR1 partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full_disk)
    result = CliRunner().invoke(
        app, ["run", str(source), "-k", "2", "--force", "--out", str(target)]
    )
    assert result.exit_code == 2, result.exception
    assert result.stderr.strip().splitlines() == [
        f"segtui: error: {target}: cannot write the file (No space left on device)"
    ]
    assert target.read_bytes() == b"old parquet bytes"
    assert leftovers(tmp_path) == []


def test_written_file_gets_the_usual_permissions_not_mkstemps_0600(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        path = write_frame(pl.DataFrame({"a": [1]}), tmp_path / "a.csv")
    finally:
        os.umask(umask)
    assert path is not None and (path.stat().st_mode & 0o777) == 0o644


@pytest.mark.slow  # a child segtui process: ~2 s of start-up each
def test_sigterm_mid_write_exits_143_and_cleans_up(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "segments.csv"
    out.write_text(OLD)
    child, _ = start(
        BLOCK_IN_WRITE, "run", str(source), "-k", "2", "-q", "--force", "--out", str(out)
    )
    child.terminate()
    _, stderr = child.communicate()
    assert child.returncode == 143
    assert stderr.strip().splitlines() == ["segtui: terminated"]
    assert out.read_text() == OLD
    assert leftovers(tmp_path) == []


# Child: block while writing the third table (Transactions) of `segtui sample`.
BLOCK_IN_THIRD_TABLE = """
import pathlib, sys
import polars as pl
real = pl.DataFrame.write_csv
def block_on_transactions(self, file=None, *args, **kwargs):
    if file is not None and pathlib.Path(file).name.startswith(".Transactions.csv."):
        pathlib.Path(file).write_text("partial")
        print("READY", file, flush=True)
        sys.stdin.readline()
    return real(self, file, *args, **kwargs)
pl.DataFrame.write_csv = block_on_transactions
"""


@pytest.mark.slow  # a child segtui process: ~2 s of start-up each
def test_sigint_during_sample_leaves_the_old_dataset_whole(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    old = {name: f"old {name}\n" for name in ("Customers.csv", "Products.csv", "Transactions.csv")}
    for name, text in old.items():
        (folder / name).write_text(text)
    child, _ = start(
        BLOCK_IN_THIRD_TABLE,
        "sample",
        str(folder),
        "--customers",
        "50",
        "--transactions",
        "200",
        "--force",
        "-q",
    )
    assert len(leftovers(folder)) == 3  # all three written to temporaries, none renamed
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate()
    assert child.returncode == 130, stderr
    assert {p.name: p.read_text() for p in folder.iterdir()} == old


@pytest.mark.slow  # a child segtui process: ~2 s of start-up each
def test_sigterm_during_sample_removes_the_folder_it_created(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "data"
    child, _ = start(
        BLOCK_IN_THIRD_TABLE,
        "sample",
        str(folder),
        "--customers",
        "50",
        "--transactions",
        "200",
        "-q",
    )
    assert len(leftovers(folder)) == 3
    child.terminate()
    _, stderr = child.communicate()
    assert child.returncode == 143, stderr
    assert stderr.strip().splitlines() == ["segtui: terminated"]
    assert list(tmp_path.iterdir()) == []  # data/ and the new/ made for it are gone


@pytest.mark.slow  # a child process under a file size limit
def test_sample_over_the_file_size_limit_exits_2_and_removes_its_folder(tmp_path: Path) -> None:
    import resource

    folder = tmp_path / "data"

    def limit() -> None:  # 50 KB: the 10,000 transactions are ~600 KB
        resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))

    done = subprocess.run(
        [sys.executable, "-c", RUN_CLI.replace("from", "import sys\nfrom", 1), "sample"]
        + [str(folder), "-q"],
        preexec_fn=limit,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "File too large" in lines[0], lines
    assert not folder.exists()


def test_sample_on_a_full_disk_removes_the_folder_it_created(tmp_path: Path, monkeypatch) -> None:
    real = pl.DataFrame.write_csv

    def full(self, file=None, *args, **kwargs):
        if file is not None and Path(file).name.startswith(".Transactions.csv."):
            raise OSError(errno.ENOSPC, "No space left on device", str(file))
        return real(self, file, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "write_csv", full)
    folder = tmp_path / "new" / "data"
    result = CliRunner().invoke(app, ["sample", str(folder), "--customers", "50", "-q"])
    assert result.exit_code == 2, result.stderr
    assert "no space left" in result.stderr.lower()
    assert list(tmp_path.iterdir()) == []


def test_sample_keeps_a_folder_that_was_there_when_it_fails(tmp_path: Path, monkeypatch) -> None:
    def full(self, file=None, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(file))

    monkeypatch.setattr(pl.DataFrame, "write_csv", full)
    folder = tmp_path / "data"
    folder.mkdir()
    result = CliRunner().invoke(app, ["sample", str(folder), "--customers", "50", "-q"])
    assert result.exit_code == 2, result.stderr
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_sample_with_zero_transactions_is_refused_not_defaulted(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    result = CliRunner().invoke(
        app, ["sample", str(folder), "--customers", "50", "--transactions", "0"]
    )
    assert result.exit_code == 2, result.stderr
    assert "got 0" in result.stderr and "49" in result.stderr
    assert not folder.exists()

"""Hostile streams and failures while writing (issue 16): stdout full, closed or a broken
pipe, an ASCII-only stdout, a read-only or failing file system, an internal error; plus
the behaviours the matrix's error cases pair with (a settings file found in the current
folder is announced and its ``force`` stays in its folder, amounts up to the documented
limit are exact, a single log's Markdown report).

Stream cases run ``python -m segtui`` in a child process: only a real process has a
file descriptor 1 that can be full, closed or a pipe without a reader.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hostile import World, assert_one_line_error, build_world, runner, snapshot, train_model

from segtui.cli import app

REPO = Path(__file__).resolve().parent.parent
JSON_COMMANDS = ("run", "sweep", "validate", "assign", "lookalike", "migrate", "sample")

# Each case starts a Python process (~1.5 CPU s with the imports): 37 of them took ~3
# CPU-minutes, the largest share of the default suite, which must stay under 3 minutes.
# They run in CI's slow job.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("train")
    return train_model(folder / "data", folder / "model.json")


@pytest.fixture
def world(trained_model: Path, tmp_path: Path) -> World:
    return build_world(tmp_path / "w", trained_model)


def argv(command: str, w: World, *extra: str) -> list[str]:
    model = ["--model", str(w.model)]
    return {
        "run": ["run", str(w.data), "-k", "2"],
        "sweep": ["sweep", str(w.data), "--k-max", "2"],
        "validate": ["validate", str(w.data)],
        "assign": ["assign", str(w.data), *model],
        "lookalike": ["lookalike", str(w.data), *model, "--all"],
        "migrate": ["migrate", str(w.data), *model, "--as-of-before", "2024-03-01"],
        "sample": ["sample", w.p("fresh"), "--customers", "50", "--transactions", "200"],
    }[command] + list(extra)


def child(args: list[str], *, stdout=None, cwd: Path | None = None, env=None):
    """Run ``python -m segtui ARGS``; ``stdout`` a file object, descriptor or None."""
    environment = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "segtui", *args],
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=300,
    )


@pytest.mark.parametrize("command", JSON_COMMANDS)
def test_json_on_a_full_stdout_exits_2_with_one_line(command: str, world: World) -> None:
    before = snapshot(world.data)
    with open("/dev/full", "w") as full:
        done = child(argv(command, world, "--json"), stdout=full)
    assert_one_line_error(done.returncode, done.stderr, "", "stdout", "no space left")
    assert snapshot(world.data) == before


@pytest.mark.parametrize("command", JSON_COMMANDS)
def test_json_on_a_closed_stdout_exits_2_with_one_line(command: str, world: World) -> None:
    environment = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-m", "segtui", *argv(command, world, "--json")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        # fd 1 closed in the child, as `>&-` does
        preexec_fn=lambda: os.close(1),
        timeout=300,
    )
    assert_one_line_error(done.returncode, done.stderr, "", "stdout is closed")


@pytest.mark.parametrize("command", ["run", "assign"])
def test_segments_on_a_broken_pipe_exit_2_and_write_no_file(command: str, world: World) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte: EPIPE
    try:
        done = child(
            argv(command, world, "--out", "-", "--summary" if command == "run" else "-q")
            + ([world.p("r.md")] if command == "run" else []),
            stdout=write_end,
        )
    finally:
        os.close(write_end)
    assert_one_line_error(done.returncode, done.stderr, "", "the reader closed the pipe")
    assert not (world.root / "r.md").exists()  # staged with the failed stdout: not renamed


def test_human_report_on_a_broken_pipe_exits_2(world: World) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = child(argv("run", world), stdout=write_end)
    finally:
        os.close(write_end)
    assert_one_line_error(done.returncode, done.stderr, "", "the reader closed the pipe")


def test_segments_csv_on_a_full_stdout_exits_2(world: World) -> None:
    with open("/dev/full", "w") as full:
        done = child(argv("run", world, "--out", "-"), stdout=full)
    assert_one_line_error(done.returncode, done.stderr, "", "no space left")


def limited(nbytes: int):
    """A preexec_fn: the child may write files of at most ``nbytes`` (``ulimit -f``)."""
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))


# Under `ulimit -f` one write(1, ...) returns short and the next fails with EFBIG:
# before issue 29 the short count was dropped and `run --out - > file` exited 0 with
# the file cut at the limit.
FILE_SIZE_LIMIT_CASES = {
    "segments_csv": ("run", ("--out", "-")),
    "summary_json": ("run", ("--summary", "-")),
    "json_document": ("run", ("--json",)),
    "human_report": ("run", ()),
    "assign_csv": ("assign", ("--out", "-")),
}


@pytest.mark.parametrize("name", list(FILE_SIZE_LIMIT_CASES))
def test_stdout_over_the_file_size_limit_exits_2(name: str, world: World) -> None:
    command, extra = FILE_SIZE_LIMIT_CASES[name]
    limit = 200  # bytes: every one of these documents is longer
    full = child(argv(command, world, *extra), env={"PYTHONDONTWRITEBYTECODE": "1"})
    assert full.returncode == 0 and len(full.stdout.encode()) > limit, full.stderr
    with open(world.root / "stdout.txt", "wb") as target:
        done = subprocess.run(
            [sys.executable, "-m", "segtui", *argv(command, world, *extra)],
            stdout=target,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1"),
            preexec_fn=limited(limit),
            timeout=300,
        )
    assert_one_line_error(done.returncode, done.stderr, "", "stdout", "ulimit -f")
    assert (world.root / "stdout.txt").stat().st_size <= limit


@pytest.mark.parametrize("output", ["seg.csv", "seg.parquet", "seg.json", "sum.json"])
def test_a_file_over_the_file_size_limit_exits_2_and_leaves_nothing(
    output: str, world: World
) -> None:
    option = "--summary" if output.startswith("sum") else "--out"
    before = snapshot(world.root)
    done = subprocess.run(
        [sys.executable, "-m", "segtui", *argv("run", world, "-q", option, world.p(output))],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1"),
        preexec_fn=limited(100),
        timeout=300,
    )
    assert_one_line_error(done.returncode, done.stderr, "", output, "ulimit -f")
    assert snapshot(world.root) == before  # no output, no temporary file


@pytest.fixture
def small_tmpfs(tmp_path: Path):
    """A 64 KiB tmpfs mounted under ``tmp_path`` (needs root with CAP_SYS_ADMIN)."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(
            "cannot mount a small tmpfs here (needs root with CAP_SYS_ADMIN): "
            + (done.stderr.strip() or f"mount exited {done.returncode}")
        )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def big_log(path: Path, customers: int = 4000) -> Path:
    """A single log whose segments file is far over 64 KiB."""
    lines = ["customer,date,amount"]
    lines += [f"C{i:05d},2024-0{1 + i % 9}-1{i % 10},{10 + i % 97}.5" for i in range(customers)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_full_small_disk_fails_the_file_and_stdout_with_exit_2(
    small_tmpfs: Path, tmp_path: Path
) -> None:
    log = big_log(tmp_path / "big.csv")
    run = ["run", str(log), "-k", "3", "-q"]
    done = child([*run, "--out", str(small_tmpfs / "seg.csv")])
    assert_one_line_error(done.returncode, done.stderr, "", "seg.csv", "No space left")
    assert list(small_tmpfs.iterdir()) == []  # the partial temporary file is gone
    with open(small_tmpfs / "stdout.csv", "w") as target:
        done = child([*run, "--out", "-"], stdout=target)
    assert_one_line_error(done.returncode, done.stderr, "", "stdout", "no space left")


@pytest.mark.parametrize("command", ["run", "sweep", "validate", "assign", "migrate"])
def test_default_report_survives_an_ascii_only_stdout(command: str, world: World) -> None:
    done = child(argv(command, world), env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "UnicodeEncodeError" not in done.stderr
    assert done.stdout.strip()


def test_csv_on_an_ascii_only_stdout_stays_utf8(world: World) -> None:
    (world.data / "Customers.csv").write_text(
        (world.data / "Customers.csv").read_text().replace("Ann", "Zoë"), encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "segtui", *argv("run", world, "--out", "-", "-q", "--rfm")],
        capture_output=True,
        env=dict(os.environ, PYTHONPATH=str(REPO), PYTHONIOENCODING="ascii"),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert b"CustomerID" in done.stdout


def test_settings_file_in_the_current_folder_is_announced(world: World) -> None:
    (world.root / "segtui.toml").write_text("k = 2\n", encoding="utf-8")
    done = child(["run", str(world.data), "-q"], cwd=world.root)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"segtui: using settings from {world.root / 'segtui.toml'}"


def test_settings_force_does_not_reach_outside_its_folder(world: World) -> None:
    project = world.root / "project"
    project.mkdir()
    (project / "segtui.toml").write_text("k = 2\n[output]\nforce = true\n", encoding="utf-8")
    before = snapshot(world.root)
    done = child(["run", str(world.data), "-q", "--out", str(world.old)], cwd=project)
    assert_one_line_error(
        done.returncode, done.stderr, "", "old.csv", "already exists", "only covers its own folder"
    )
    assert snapshot(world.root) == before


def test_settings_force_overwrites_inside_its_folder(world: World) -> None:
    project = world.root / "project"
    project.mkdir()
    (project / "segtui.toml").write_text("k = 2\n[output]\nforce = true\n", encoding="utf-8")
    (project / "segments.csv").write_text("old\n", encoding="utf-8")
    done = child(["run", str(world.data), "-q", "--out", "segments.csv"], cwd=project)
    assert done.returncode == 0, done.stderr
    assert (project / "segments.csv").read_text().startswith("CustomerID,")


# ------------------------------------------------------------ failures while writing (in process)


def test_a_failed_rename_writes_nothing(world: World, monkeypatch) -> None:
    def read_only(src, dst):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "replace", read_only)
    before = snapshot(world.root)
    outputs = ["--out", world.p("s.csv"), "--summary", world.p("s.md")]
    result = runner.invoke(app, [*argv("run", world), *outputs, "-q"])
    assert_one_line_error(result.exit_code, result.stderr, result.stdout, "s.", "Read-only")
    assert snapshot(world.root) == before  # no output, no temporary file


def test_a_read_only_folder_is_refused_before_reading(world: World, monkeypatch) -> None:
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    monkeypatch.setattr(
        "segtui.engine.pipeline.run", lambda *a, **k: pytest.fail("read before planning")
    )
    result = runner.invoke(app, [*argv("run", world), "--save-model", world.p("m.json")])
    assert_one_line_error(
        result.exit_code, result.stderr, result.stdout, "cannot create files", "Read-only"
    )


def test_the_second_output_failing_leaves_the_first_unwritten(world: World, monkeypatch) -> None:
    def disk_full(summary, suffix):
        raise OSError(errno.ENOSPC, "No space left on device", "s.md")

    monkeypatch.setattr("segtui.engine.output.writers.summary_text", disk_full)
    before = snapshot(world.root)
    outputs = ["--out", world.p("s.csv"), "--summary", world.p("s.md")]
    result = runner.invoke(app, [*argv("run", world), *outputs, "-q"])
    assert_one_line_error(result.exit_code, result.stderr, result.stdout, "No space left")
    assert snapshot(world.root) == before


def test_an_internal_error_exits_1_with_traceback_and_how_to_report(
    world: World, monkeypatch
) -> None:
    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("segtui.engine.pipeline.run", bug)
    result = runner.invoke(app, argv("run", world))
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "ZeroDivisionError" in result.stderr
    assert "internal error" in result.stderr and "please report it" in result.stderr


# ------------------------------------------------------------ what the fixes make work


def test_markdown_report_of_a_single_log(world: World) -> None:
    result = runner.invoke(app, ["run", str(world.log), "-k", "2", "--summary", world.p("r.md")])
    assert result.exit_code == 0, result.stderr
    report = (world.root / "r.md").read_text(encoding="utf-8")
    assert "- source format: csv (,)" in report
    assert "- detected columns: CustomerID, TransactionDate, TotalValue" in report


def test_amounts_above_the_int64_micro_unit_range_are_summed_exactly(world: World) -> None:
    world.log.write_text(
        "customer,date,amount\nA,2024-01-01,1\nB,2024-01-02,2\nC,2024-01-03,9999999999999.25\n"
        "C,2024-01-04,20000000000000.5\nD,2024-01-05,4\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["run", str(world.log), "-k", "2", "-q", "--out", world.p("s.csv")])
    assert result.exit_code == 0, result.stderr
    segments = pl.read_csv(world.root / "s.csv", schema_overrides={"total_spend": pl.String})
    row = segments.filter(pl.col("CustomerID") == "C")
    assert row["total_spend"][0] == "29999999999999.75"


def test_log_false_as_text_in_a_settings_file_is_off(world: World) -> None:
    (world.root / "s.toml").write_text('\ufeffk = 2\nlog = "false"\n', encoding="utf-8")
    result = runner.invoke(app, ["run", str(world.data), "--config", world.p("s.toml"), "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["params"]["log"] in (False, "off")


def test_dangling_symlink_out_is_replaced_with_force(world: World) -> None:
    link = world.root / "dangling.csv"
    os.symlink(world.root / "missing.csv", link)
    result = runner.invoke(app, [*argv("run", world), "-q", "--out", str(link), "--force"])
    assert result.exit_code == 0, result.stderr
    assert not link.is_symlink() and link.read_text().startswith("CustomerID,")


def test_migrate_cross_table_header_is_neutralised(world: World) -> None:
    result = runner.invoke(app, [*argv("migrate", world), "-q", "--out", world.p("t.csv")])
    assert result.exit_code == 0, result.stderr
    header = (world.root / "t.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "'-1 No purchases" in header.split(",")


def test_ui_header_names_the_settings_file() -> None:
    from segtui.config import Settings
    from segtui.tui.widgets.summary import settings_line

    settings = Settings()
    settings.extra["config_file"] = "/work/p/segtui.toml"
    assert "settings: /work/p/segtui.toml" in settings_line(settings, None).plain

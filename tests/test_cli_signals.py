"""Every headless command turns SIGTERM into a clean exit 143 (temporary files removed).

The OS signal is not sent (without the handler it would end pytest itself): the engine
call each command makes first is replaced by one that checks the SIGTERM handler is
segtui's and then raises what that handler raises.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segtui.cli import app, common

runner = CliRunner()

# command -> (engine module attribute called inside the command's error handling, argv)
COMMANDS = {
    "run": ("segtui.engine.pipeline.run", ["run", "{src}"]),
    "sweep": ("segtui.engine.clustering.sweep.sweep", ["sweep", "{src}"]),
    "validate": ("segtui.engine.quality.validate.validate_source", ["validate", "{src}"]),
    "assign": ("segtui.engine.models.model.load_model", ["assign", "{src}", "-m", "m.json"]),
    "lookalike": (
        "segtui.engine.models.model.load_model",
        ["lookalike", "{src}", "-m", "m.json", "--all"],
    ),
    "migrate": (
        "segtui.engine.models.model.load_model",
        ["migrate", "{src}", "-m", "m.json", "--as-of-before", "2024-03-01"],
    ),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_sigterm_exits_143_with_one_line(command: str, tiny_dir: Path, monkeypatch) -> None:
    target, argv = COMMANDS[command]
    seen = []

    def terminated(*args, **kwargs):
        seen.append(signal.getsignal(signal.SIGTERM))
        raise common.Terminated()

    monkeypatch.setattr(target, terminated)
    result = runner.invoke(app, [a.format(src=tiny_dir) for a in argv])
    assert seen == [common._raise_terminated]
    assert result.exit_code == 143, (result.stderr, result.exception)
    assert result.stderr.strip() == "segtui: terminated"
    assert signal.getsignal(signal.SIGTERM) is not common._raise_terminated


# Child: once the outputs are committed, block in an exit handler that runs before
# segtui's own (atexit runs the last registered first), i.e. in the interpreter's
# shutdown, after the command has returned and its error boundary is gone.
BLOCK_AFTER_COMMIT = """
import atexit, sys
from segtui.engine.output.plan import OutputPlan
real = OutputPlan.commit
def commit_then_block_at_exit(self, *args, **kwargs):
    written = real(self, *args, **kwargs)
    def block():
        print("READY", flush=True)
        sys.stdin.readline()
    atexit.register(block)
    return written
OutputPlan.commit = commit_then_block_at_exit
from segtui.cli import main
sys.argv = ["segtui", *sys.argv[1:]]
main()
"""


@pytest.mark.slow  # a child segtui process: ~2 s of start-up each
@pytest.mark.parametrize(
    ("signum", "code", "word"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_a_signal_after_the_outputs_are_committed_still_sets_code_and_line(
    signum: int, code: int, word: str, tiny_dir: Path, tmp_path: Path
) -> None:
    import subprocess
    import sys

    out = tmp_path / "segments.csv"
    child = subprocess.Popen(
        [sys.executable, "-c", BLOCK_AFTER_COMMIT, "run", str(tiny_dir), "-k", "2", "-q"]
        + ["--out", str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line == "READY\n", child.communicate()
    assert len(out.read_text().splitlines()) == 7  # header + the six customers: committed
    child.send_signal(signum)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == code, stderr
    assert stderr.strip().splitlines() == [f"segtui: {word}"]

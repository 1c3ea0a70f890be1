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

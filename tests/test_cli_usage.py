"""Usage errors (Click's parsing) are one line on stderr and exit 2, like every user error."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from segtui.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["run", "--seed", "abc"], ("'--seed'", "valid integer", "segtui run --help")),
        (["run", "--kk", "3"], ("No such option: --kk", "--k")),
        (["sweep", "--k-min", "x"], ("'--k-min'", "segtui sweep --help")),
        (["assign"], ("Missing argument 'SOURCE'", "segtui assign --help")),
        (["lookalike", "src", "-m", "m.json", "--top", "many"], ("'--top'",)),
        (["nosuch"], ("No such command 'nosuch'",)),
        (["--bogus"], ("No such option: --bogus",)),
    ],
    ids=[
        "bad_int",
        "unknown_option",
        "sweep_bad_int",
        "missing_argument",
        "lookalike_top",
        "unknown_command",
        "unknown_root_option",
    ],
)
def test_usage_error_is_one_line_and_exit_2(argv: list[str], needles: tuple[str, ...]) -> None:
    result = runner.invoke(app, argv)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("segtui: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_console_script_prints_the_same_one_line() -> None:
    """The installed entry point (segtui.cli:main) goes through the same group."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.argv[0] = 'segtui'; from segtui.cli import main; main()",
            "run",
            "--seed",
            "abc",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "segtui: error: Invalid value for '--seed': Input should be a valid integer, unable to "
        "parse string as an integer (see 'segtui run --help')"
    ]


def test_no_arguments_still_prints_the_help() -> None:
    result = runner.invoke(app, [])
    assert "Commands" in result.stdout + result.stderr
    assert "segtui: error" not in result.stdout + result.stderr

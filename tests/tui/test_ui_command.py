"""The `segtui ui` command: registered, options, errors before the app starts, NO_COLOR."""

from __future__ import annotations

import subprocess
import sys

from conftest import PRE_SWITCH
from typer.testing import CliRunner

from segtui.cli import app as cli
from segtui.config import Settings
from segtui.tui.app import SegtuiApp

from .conftest import settle


def test_ui_command_is_registered_with_run_options_and_no_mouse() -> None:
    outcome = CliRunner().invoke(cli, ["ui", "--help"])
    assert outcome.exit_code == 0
    for option in (
        "--k",
        "--features",
        "--scaling",
        "--log",
        "--seed",
        "--as-of",
        "--config",
        "--no-mouse",
    ):
        assert option in outcome.stdout


def test_ui_with_an_unknown_config_file_exits_2_before_opening(tmp_path) -> None:
    outcome = CliRunner().invoke(cli, ["ui", "--config", str(tmp_path / "none.toml")])
    assert outcome.exit_code == 2
    assert "config file not found" in outcome.stderr


def test_ui_help_does_not_import_textual() -> None:
    code = (
        "import sys\nfrom segtui.cli import app\n"
        "try:\n    app(['ui', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('LOADED' if 'textual' in sys.modules else 'CLEAN')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip().endswith("CLEAN")


async def test_no_color_environment_turns_colour_off(zeotap_dir, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = SegtuiApp(Settings(source=zeotap_dir, **PRE_SWITCH))
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.result is not None


def test_ui_takes_like_and_clv_as_run_does(zeotap_dir, tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from segtui.cli import app
    from segtui.tui.app import SegtuiApp

    model = tmp_path / "m.json"
    runner = CliRunner()
    assert runner.invoke(app, ["run", str(zeotap_dir), "--save-model", str(model)]).exit_code == 0
    opened = []
    monkeypatch.setattr(SegtuiApp, "run", lambda self, **_: opened.append(self.settings))
    monkeypatch.setattr("segtui.cli.ui_open.check_terminal", lambda: None)
    args = ["ui", str(zeotap_dir), "--like", str(model), "--clv", "--horizon", "30"]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.stderr
    (settings,) = opened
    assert settings.like == model and settings.clv and settings.horizon_days == 30


def test_plain_ui_opens_with_the_settings_the_command_would_give(
    zeotap_dir, tmp_path, monkeypatch
) -> None:
    # `segtui ui [SOURCE]` skips Typer's parsing (first paint, issue 30): it must open on
    # exactly what the full command path builds from the same arguments.
    from segtui.cli import ui_open
    from segtui.cli.common import load_settings

    monkeypatch.chdir(tmp_path)
    opened = []
    monkeypatch.setattr(
        ui_open, "open_workbench", lambda settings, config, mouse: opened.append((settings, config))
    )
    for args, source in (([str(zeotap_dir)], zeotap_dir), ([], None)):
        command = ui_open.plain_command(args)
        assert command is not None
        command()
        assert opened[-1] == (load_settings(source, None)[0], None)
    for args in (["--k", "3"], [str(zeotap_dir), "-k", "3"], [""], ["  "], ["a", "b"]):
        assert ui_open.plain_command(args) is None, args
    (tmp_path / "segtui.toml").write_text("k = 3\n")  # a settings file applies: full path
    assert ui_open.plain_command([str(zeotap_dir)]) is None


def test_plain_ui_without_a_terminal_exits_2_with_one_line(zeotap_dir, tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "segtui", "ui", str(zeotap_dir)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert "segtui ui needs a terminal" in line

"""The TOML settings file: precedence, round trip, errors."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from segtui import settings_file
from segtui.cli import app
from segtui.config import Settings
from segtui.engine.errors import OptionError


def test_dump_then_read_gives_the_same_settings(tmp_path):
    settings = Settings(
        source=tmp_path,
        k=6,
        features=("total_spend", "frequency"),
        scaling="robust",
        log=True,
        seed=3,
        n_init=5,
        as_of=dt.date(2024, 6, 1),
        categorical_weight="raw",
    )
    path = tmp_path / "segtui.toml"
    path.write_text(settings_file.dump(settings))
    assert settings_file.merge(settings_file.read_config(path), {}) == settings


def test_flags_override_the_file_which_overrides_defaults(tmp_path):
    path = tmp_path / "segtui.toml"
    path.write_text('k = 6\nseed = 9\nscaling = "minmax"\n')
    merged = settings_file.merge(settings_file.read_config(path), {"k": 3, "seed": None})
    assert (merged.k, merged.seed, merged.scaling, merged.n_init) == (3, 9, "minmax", 10)


def test_unknown_key_is_an_error_naming_it(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("kk = 3\n")
    with pytest.raises(OptionError, match="unknown setting 'kk'"):
        settings_file.read_config(path)


def test_run_config_replays_the_same_segments(zeotap_dir, tmp_path):
    runner = CliRunner()
    direct = tmp_path / "direct.csv"
    args = ["run", str(zeotap_dir), "--k", "5", "--seed", "7", "--log", "--out", str(direct), "-q"]
    assert runner.invoke(app, args).exit_code == 0
    config = tmp_path / "saved.toml"
    config.write_text(
        settings_file.dump(
            Settings(source=zeotap_dir, k=5, seed=7, log=True),
            settings_file.OutputSettings(out=str(tmp_path / "replayed.csv")),
        )
    )
    result = runner.invoke(app, ["run", "--config", str(config), "-q"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "replayed.csv").read_bytes() == direct.read_bytes()


def test_missing_config_file_is_a_user_error(tmp_path):
    result = CliRunner().invoke(app, ["run", "--config", str(tmp_path / "none.toml")])
    assert result.exit_code == 2 and "config file not found" in result.stderr

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
    args = [
        "run",
        str(zeotap_dir),
        "--k",
        "5",
        "--seed",
        "7",
        "--log",
        "on",
        "--out",
        str(direct),
        "-q",
    ]
    assert runner.invoke(app, args).exit_code == 0
    config = tmp_path / "saved.toml"
    config.write_text(
        settings_file.dump(
            Settings(source=zeotap_dir, k=5, seed=7, log="on"),
            settings_file.OutputSettings(out=str(tmp_path / "replayed.csv")),
        )
    )
    result = runner.invoke(app, ["run", "--config", str(config), "-q"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "replayed.csv").read_bytes() == direct.read_bytes()


def test_missing_config_file_is_a_user_error(tmp_path):
    result = CliRunner().invoke(app, ["run", "--config", str(tmp_path / "none.toml")])
    assert result.exit_code == 2 and "config file not found" in result.stderr


def test_output_save_model_survives_dump_and_read(tmp_path):
    output = settings_file.OutputSettings(
        out=str(tmp_path / "segments.csv"), save_model=str(tmp_path / "model.json")
    )
    path = tmp_path / "segtui.toml"
    path.write_text(settings_file.dump(Settings(source=tmp_path), output))
    assert settings_file.output_settings(settings_file.read_config(path), {}) == output


def test_output_table_with_only_save_model_is_written(tmp_path):
    text = settings_file.dump(Settings(), settings_file.OutputSettings(save_model="m.json"))
    assert '[output]\nsave_model = "m.json"' in text


def test_run_config_with_save_model_writes_the_same_model_as_the_flag(zeotap_dir, tmp_path):
    runner = CliRunner()
    direct = tmp_path / "direct.json"
    # dump() writes the resolved source path, which the model records as its source.
    source = str(zeotap_dir.resolve())
    args = ["run", source, "--k", "3", "--seed", "5", "--save-model", str(direct), "-q"]
    assert runner.invoke(app, args).exit_code == 0
    replayed = tmp_path / "replayed.json"
    config = tmp_path / "saved.toml"
    config.write_text(
        settings_file.dump(
            Settings(source=zeotap_dir, k=3, seed=5),
            settings_file.OutputSettings(save_model=str(replayed)),
        )
    )
    result = runner.invoke(app, ["run", "--config", str(config), "-q"])
    assert result.exit_code == 0, result.stderr
    assert replayed.read_bytes() == direct.read_bytes()


def test_save_model_flag_overrides_the_config_file(zeotap_dir, tmp_path):
    config = tmp_path / "segtui.toml"
    config.write_text(f'k = 3\n\n[output]\nsave_model = "{tmp_path / "from_file.json"}"\n')
    flag = tmp_path / "from_flag.json"
    args = ["run", str(zeotap_dir), "--config", str(config), "--save-model", str(flag), "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert flag.is_file() and not (tmp_path / "from_file.json").exists()


def test_config_save_model_is_not_overwritten_without_force(zeotap_dir, tmp_path):
    existing = tmp_path / "model.json"
    existing.write_text("{}")
    config = tmp_path / "segtui.toml"
    config.write_text(f'k = 3\n\n[output]\nsave_model = "{existing}"\n')
    result = CliRunner().invoke(app, ["run", str(zeotap_dir), "--config", str(config), "-q"])
    assert result.exit_code == 2 and "--force" in result.stderr
    assert existing.read_text() == "{}"


def test_output_save_model_that_is_not_a_string_is_an_error(tmp_path):
    path = tmp_path / "segtui.toml"
    path.write_text("[output]\nsave_model = 3\n")
    with pytest.raises(OptionError, match=r"output.save_model: .*valid string"):
        settings_file.read_config(path)

"""The settings file's ``[mapping]`` table and ``returns`` key: round trip and replay."""

from __future__ import annotations

import json

import pytest
from order_logs import customer_rows, make_lines, write_customers, write_log
from typer.testing import CliRunner

from segtui import settings_file
from segtui.cli import app
from segtui.config import Settings
from segtui.engine.errors import OptionError

NAMES = {
    "order": "Beleg",
    "customer": "Kunde",
    "product": "Artikel",
    "date": "Datum",
    "quantity": "Menge",
    "price": "Einzelpreis",
}
FLAGS = {
    "customer_col": "Kunde",
    "date_col": "Datum",
    "date_format": "%d/%m/%Y %H:%M",
    "quantity_col": "Menge",
    "price_col": "Einzelpreis",
    "order_col": "Beleg",
    "product_col": "Artikel",
    "delimiter": ";",
}


@pytest.fixture()
def log(tmp_path):
    return write_log(
        tmp_path / "orders.csv",
        make_lines(),
        NAMES,
        delimiter=";",
        date_format="%d/%m/%Y %H:%M",
    )


def test_dump_then_read_keeps_mapping_and_returns(tmp_path, log):
    customers = write_customers(tmp_path / "clients.csv", customer_rows())
    settings = Settings(
        source=log,
        k=3,
        mapping=tuple(sorted((FLAGS | {"customers": str(customers)}).items())),
        returns="drop",
    )
    path = tmp_path / "segtui.toml"
    path.write_text(settings_file.dump(settings))
    assert settings_file.merge(settings_file.read_config(path), {}) == settings


def test_tab_delimiter_survives_the_round_trip(tmp_path):
    settings = Settings(mapping=(("delimiter", "\t"),))
    path = tmp_path / "segtui.toml"
    path.write_text(settings_file.dump(settings))
    assert settings_file.merge(settings_file.read_config(path), {}).mapping_dict() == {
        "delimiter": "\t"
    }


def test_mapping_flags_override_the_file_key_by_key(tmp_path):
    path = tmp_path / "segtui.toml"
    path.write_text('[mapping]\ncustomer_col = "Kunde"\ndate_col = "Datum"\n')
    merged = settings_file.merge(
        settings_file.read_config(path), {"mapping": {"date_col": "Tag", "amount_col": None}}
    )
    assert merged.mapping_dict() == {"customer_col": "Kunde", "date_col": "Tag"}


def test_relative_customers_file_is_taken_from_the_config_folder(tmp_path):
    path = tmp_path / "segtui.toml"
    path.write_text('[mapping]\ncustomers = "clients.csv"\n')
    merged = settings_file.merge(settings_file.read_config(path), {}, base_dir=tmp_path)
    assert merged.mapping_dict()["customers"] == str(tmp_path / "clients.csv")


def test_unknown_mapping_key_is_an_error_naming_it(tmp_path):
    path = tmp_path / "segtui.toml"
    path.write_text('[mapping]\nclient_col = "Kunde"\n')
    with pytest.raises(OptionError, match="unknown \\[mapping\\] setting 'client_col'"):
        settings_file.read_config(path)


def test_unknown_returns_rule_is_an_option_error(tmp_path):
    path = tmp_path / "segtui.toml"
    path.write_text('returns = "keep"\n')
    with pytest.raises(OptionError, match="returns must be one of net, drop"):
        settings_file.merge(settings_file.read_config(path), {})


def test_saved_settings_with_mapping_replay_identical_segments(tmp_path, log):
    runner = CliRunner()
    direct = tmp_path / "direct.csv"
    args = ["run", str(log), "--k", "3", "--seed", "5", "--returns", "drop", "-q"]
    args += ["-f", "total_spend,frequency,recency_days", "--out", str(direct)]
    args += [f"--{key.replace('_', '-')}={value}" for key, value in FLAGS.items()]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    saved = tmp_path / "saved.toml"
    saved.write_text(
        settings_file.dump(
            Settings(
                source=log,
                k=3,
                seed=5,
                returns="drop",
                features=("total_spend", "frequency", "recency_days"),
                mapping=tuple(sorted(FLAGS.items())),
            ),
            settings_file.OutputSettings(out=str(tmp_path / "replayed.csv")),
        )
    )
    result = runner.invoke(app, ["run", "--config", str(saved), "-q"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "replayed.csv").read_bytes() == direct.read_bytes()


def test_summary_params_carry_the_mapping_and_returns_rule(tmp_path, log):
    args = ["run", str(log), "--k", "3", "-f", "total_spend,frequency", "--json"]
    args += [f"--{key.replace('_', '-')}={value}" for key, value in FLAGS.items()]
    result = CliRunner().invoke(app, args)
    params = json.loads(result.stdout)["params"]
    assert params["mapping"] == FLAGS and params["returns"] == "net"


def test_delimiter_flag_accepts_the_word_tab():
    merged = settings_file.merge({}, {"mapping": {"delimiter": "tab"}})
    assert merged.mapping_dict() == {"delimiter": "\t"}

"""`segtui ui` takes run's options (mapping, --returns, --customers, --config, --engine)
and reads and segments exactly as `segtui run` does (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import PRE_SWITCH
from order_logs import customer_rows, make_lines, write_customers, write_log
from typer.testing import CliRunner

from segtui.cli import app as cli
from segtui.cli import ui_open
from segtui.config import Settings
from segtui.tui.app import SegtuiApp

from .conftest import settle

GERMAN = {
    "order": "Beleg",
    "customer": "Kunde",
    "product": "Artikel",
    "category": "Warengruppe",
    "date": "Datum",
    "quantity": "Menge",
    "price": "Einzelpreis",
    "amount": "Betrag",
}
FLAGS = {
    "--customer-col": "Kunde",
    "--order-col": "Beleg",
    "--product-col": "Artikel",
    "--category-col": "Warengruppe",
    "--date-col": "Datum",
    "--quantity-col": "Menge",
    "--price-col": "Einzelpreis",
    "--amount-col": "Betrag",
    "--date-format": "%d/%m/%Y %H:%M",
}


@pytest.fixture()
def german_log(tmp_path: Path) -> list[str]:
    """Arguments for a German-header ';' log with returns and a customers file."""
    lines = make_lines()
    log = write_log(
        tmp_path / "bestellungen.csv", lines, GERMAN, delimiter=";", date_format="%d/%m/%Y %H:%M"
    )
    customers = write_customers(tmp_path / "kunden.csv", customer_rows())
    args = [str(log), *[f"{flag}={value}" for flag, value in FLAGS.items()]]
    return [*args, "--customers", str(customers), "--returns", "drop", "-k", "3"]


def ui_settings(args: list[str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The Settings `segtui ui ARGS` would open the app with (the app is not started)."""
    seen: list[Settings] = []
    # CliRunner is no terminal: skip the no-terminal refusal, the app is not started.
    monkeypatch.setattr(ui_open, "check_terminal", lambda: None)
    monkeypatch.setattr(SegtuiApp, "run", lambda self, **_: seen.append(self.settings))
    outcome = CliRunner().invoke(cli, ["ui", *args])
    assert outcome.exit_code == 0, outcome.output
    return seen[0]


async def test_ui_on_a_german_log_with_returns_drop_shows_what_run_computes(
    german_log: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = CliRunner().invoke(cli, ["run", *german_log, "--json"])
    assert ran.exit_code == 0, ran.output
    expected = json.loads(ran.stdout)
    app = SegtuiApp(ui_settings(german_log, monkeypatch))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.last_error is None
        shown = app.result.summary()
    assert shown["data_quality"]["returns_rule"] == "drop"
    assert [(s["name"], s["size"]) for s in shown["segments"]] == [
        (s["name"], s["size"]) for s in expected["segments"]
    ]
    assert app.result.segments["total_spend"].sum() == pytest.approx(
        sum(s["means"]["total_spend"] * s["size"] for s in expected["segments"])
    )
    assert shown["n_customers"] == expected["n_customers"]


def test_ui_passes_mapping_returns_and_customers_file_into_the_settings(
    german_log: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = ui_settings(german_log, monkeypatch)
    assert settings.mapping_dict()["customer_col"] == "Kunde"
    assert settings.mapping_dict()["customers"].endswith("kunden.csv")
    assert settings.returns == "drop"
    assert settings.k == 3


def test_ui_reads_a_config_file_like_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "segtui.toml"
    config.write_text('k = 6\nseed = 7\nreturns = "drop"\n', encoding="utf-8")
    settings = ui_settings(["--config", str(config)], monkeypatch)
    assert (settings.k, settings.seed, settings.returns) == (6, 7, "drop")


def test_ui_accepts_engine_polars_and_refuses_spark_with_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert ui_settings(["--engine", "polars"], monkeypatch).k == "auto"  # the default
    outcome = CliRunner().invoke(cli, ["ui", "--engine", "spark"])
    assert outcome.exit_code == 2
    assert "segtui run --engine spark" in outcome.stderr


def test_ui_names_an_applied_settings_file_in_the_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "segtui.toml").write_text("k = 5\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    opened: list[SegtuiApp] = []
    monkeypatch.setattr(ui_open, "check_terminal", lambda: None)
    monkeypatch.setattr(SegtuiApp, "run", lambda self, **_: opened.append(self))
    assert CliRunner().invoke(cli, ["ui"]).exit_code == 0
    assert opened[0].config_file == tmp_path / "segtui.toml"
    assert opened[0].settings.k == 5


async def test_header_starts_with_the_settings_file_name(zeotap_dir, tmp_path: Path) -> None:
    from .conftest import screen_text

    app = SegtuiApp(Settings(source=zeotap_dir, **PRE_SWITCH), config_file=tmp_path / "segtui.toml")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert screen_text(app).splitlines()[0].startswith(" segtui.toml · k=4")

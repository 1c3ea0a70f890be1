"""Pilot tests: the export dialog, overwrite confirmation, errors, and parity with run."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from conftest import PRE_SWITCH_FEATURES
from typer.testing import CliRunner

from segtui.cli import app as cli
from segtui.tui.screens.dialogs import ConfirmScreen
from segtui.tui.screens.export import ExportScreen

from .conftest import screen_text, settle

READERS = {"csv": pl.read_csv, "parquet": pl.read_parquet, "json": pl.read_json}


async def export_to(pilot, path: Path | str, key: str = "e") -> None:
    """Open the export dialog, type ``path`` and press Enter."""
    await pilot.press(key)
    field = pilot.app.screen.query_one("#export-path")
    field.value = str(path)
    await pilot.press("enter")
    await settle(pilot)


async def test_export_dialog_opens_with_a_focused_default_path(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        assert app.focused.id == "export-path"
        assert app.focused.value == str(tmp_path / "segments_k4.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen)
        assert (tmp_path / "segments_k4.csv").is_file()


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
async def test_export_writes_each_format_and_rereads(make_app, tmp_path, fmt) -> None:
    app = make_app()
    target = tmp_path / f"out.{fmt}"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await export_to(pilot, target)
        assert not isinstance(app.screen, ExportScreen)
        back = READERS[fmt](target)
        assert back["CustomerID"].to_list() == app.result.segments["CustomerID"].to_list()
        assert back["segment_name"].to_list() == app.result.segments["segment_name"].to_list()
        assert any(str(target) in n.message for n in app._notifications)


async def test_export_markdown_report_by_extension(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await export_to(pilot, tmp_path / "report.md")
        text = (tmp_path / "report.md").read_text(encoding="utf-8")
        assert text.startswith("# Customer segments")
        for profile in app.result.profiles:
            assert profile.name in text


async def test_export_with_report_option_writes_both_files(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        app.screen.query_one("#with-report").value = True
        app.screen.query_one("#export-path").value = str(tmp_path / "seg.parquet")
        await pilot.click("#do-export")
        await settle(pilot)
        assert (tmp_path / "seg.parquet").is_file()
        assert (tmp_path / "seg.md").read_text(encoding="utf-8").startswith("# Customer")


async def test_existing_file_asks_before_overwriting_and_yes_overwrites(make_app, tmp_path):
    target = tmp_path / "seg.csv"
    target.write_text("old\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await export_to(pilot, target)
        assert isinstance(app.screen, ConfirmScreen)
        assert target.read_text(encoding="utf-8") == "old\n"
        await pilot.press("y")
        await settle(pilot)
        assert not isinstance(app.screen, (ConfirmScreen, ExportScreen))
        assert target.read_text(encoding="utf-8").startswith("CustomerID,segment")


async def test_declining_the_overwrite_keeps_the_file_and_the_dialog(make_app, tmp_path):
    target = tmp_path / "seg.csv"
    target.write_text("old\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await export_to(pilot, target)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert target.read_text(encoding="utf-8") == "old\n"
        assert "not exported" in screen_text(app)


async def test_bad_path_shows_the_error_in_the_dialog_and_the_app_keeps_running(
    make_app, tmp_path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await export_to(pilot, tmp_path / "missing" / "seg.csv")
        assert isinstance(app.screen, ExportScreen)
        assert "the folder does not exist" in screen_text(app)
        await export_to_same_dialog(pilot, tmp_path / "seg.xlsx")
        assert "cannot tell the export format" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)
        assert app.is_running
        assert not list(tmp_path.iterdir())


async def export_to_same_dialog(pilot, path: Path) -> None:
    pilot.app.screen.query_one("#export-path").value = str(path)
    await pilot.press("enter")
    await settle(pilot)


async def test_cancel_button_closes_without_writing(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.click("#cancel")
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)
        assert not list(tmp_path.iterdir())


async def test_ui_shows_the_same_segments_and_metrics_as_run(make_app, zeotap_dir, tmp_path):
    cli_out = tmp_path / "cli.csv"
    outcome = CliRunner().invoke(
        cli,
        [
            "run",
            str(zeotap_dir),
            "--k",
            "3",
            "--features",
            ",".join(PRE_SWITCH_FEATURES),
            "--seed",
            "7",
            "--scaling",
            "robust",
            "--out",
            str(cli_out),
            "--json",
        ],
    )
    assert outcome.exit_code == 0, outcome.stderr
    summary = json.loads(outcome.stdout)
    app = make_app(k=3, seed=7, scaling="robust")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = app.result.summary()
        assert shown["metrics"] == summary["metrics"]
        assert [(s["name"], s["size"]) for s in shown["segments"]] == [
            (s["name"], s["size"]) for s in summary["segments"]
        ]
        text = screen_text(app)
        assert f"Davies-Bouldin {summary['metrics']['davies_bouldin']:.3f}" in text
        for segment in summary["segments"]:
            assert f"{segment['id']} {segment['name']}" in text
        await export_to(pilot, tmp_path / "ui.csv")
    assert (tmp_path / "ui.csv").read_bytes() == cli_out.read_bytes()


async def test_saved_settings_replayed_by_run_give_identical_segments(
    make_app, zeotap_dir, tmp_path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("plus", "R")
        await settle(pilot)
        await pilot.press("w")
        assert app.screen.query_one("#export-path").value == str(tmp_path / "segtui.toml")
        await pilot.press("enter")
        await settle(pilot)
        await export_to(pilot, tmp_path / "ui.csv")
    config = (tmp_path / "segtui.toml").read_text(encoding="utf-8")
    assert "k = 5" in config and "seed = 43" in config
    outcome = CliRunner().invoke(
        cli, ["run", "--config", str(tmp_path / "segtui.toml"), "--out", str(tmp_path / "r.csv")]
    )
    assert outcome.exit_code == 0, outcome.stderr
    assert (tmp_path / "r.csv").read_bytes() == (tmp_path / "ui.csv").read_bytes()


async def test_export_to_an_existing_folder_says_it_is_a_folder(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await export_to(pilot, tmp_path)
        error = str(app.screen.query_one("#export-error").render())
        assert "is a folder" in error


async def test_export_can_write_only_the_current_filtered_and_sorted_view(
    make_app, tmp_path
) -> None:
    import polars as pl

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "f")  # segment 0 only
        await settle(pilot)
        shown = app.query_one("#customer-table").frame
        await pilot.press("e")
        await pilot.pause()
        # At 80 columns the label keeps its counts and ends in "…" where it is cut.
        label = next(line for line in screen_text(app).splitlines() if "Only the current" in line)
        counts = f"Only the current view: {shown.height:,} of {app.result.n_customers:,} customers"
        assert counts in label
        assert label.split("▎")[0].rstrip().endswith("…"), label
        app.screen.query_one("#view-only").value = True
        await export_to_same_dialog(pilot, tmp_path / "view.csv")
        written = pl.read_csv(tmp_path / "view.csv", infer_schema_length=0)
        assert written.columns == app.result.segments.columns
        assert written["CustomerID"].to_list() == shown["CustomerID"].to_list()
        assert set(written["segment"].to_list()) == {"0"}
        assert written.height < app.result.n_customers


async def test_export_offers_no_view_choice_when_showing_all_customers(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        assert not app.screen.query("#view-only")


async def test_summary_json_export_is_the_bytes_run_writes_with_summary(make_app, tmp_path):
    """The summary JSON of `segtui run --summary x.json`, from the workbench: named
    ``*.summary.json`` in the export dialog, or ticked to go beside a segments file.
    Both equal, by sha256, what run writes from the workbench's own settings file."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("plus", "V")  # another k and the value models: more to agree on
        await settle(pilot)
        await pilot.press("w")
        await pilot.press("enter")
        await settle(pilot)
        await export_to(pilot, tmp_path / "only.summary.json")
        await pilot.press("e")
        assert app.screen.query_one("#with-summary").display
        app.screen.query_one("#with-summary").value = True
        app.screen.query_one("#export-path").value = str(tmp_path / "seg.csv")
        await pilot.press("enter")
        await settle(pilot)
    config = tmp_path / "segtui.toml"
    outcome = CliRunner().invoke(
        cli, ["run", "--config", str(config), "--summary", str(tmp_path / "run.json"), "-q"]
    )
    assert outcome.exit_code == 0, outcome.output
    expected = hashlib.sha256((tmp_path / "run.json").read_bytes()).hexdigest()
    for name in ("only.summary.json", "seg.summary.json"):
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == expected, name
    summary = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert summary["k"] == 5 and summary["clv"]  # the keys pressed reached the summary
    assert (tmp_path / "seg.csv").read_text(encoding="utf-8").startswith("CustomerID,")
    assert not (tmp_path / "seg.md").exists()  # only what was ticked


async def test_summary_box_is_offered_beside_segments_files_only(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        box = app.screen.query_one("#with-summary")
        field = app.screen.query_one("#export-path")
        for name, offered in [
            ("a.csv", True),
            ("a.json", True),
            ("a.summary.json", False),
            ("a.md", False),
            ("a.toml", False),
        ]:
            box.value = True
            field.value = str(tmp_path / name)
            await pilot.pause()
            assert box.display is offered, name
            assert box.value is offered, name

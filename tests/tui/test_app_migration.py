"""Pilot tests: the migration dialog (m) and saving the model (M)."""

from __future__ import annotations

import datetime as dt
import json

from segtui.engine.models.build import build_model
from segtui.engine.models.migration import migrate
from segtui.engine.models.model import load_model
from segtui.tui.screens.dialogs import ConfirmScreen
from segtui.tui.screens.migration import MigrationScreen
from segtui.tui.screens.save_model import SaveModelScreen
from segtui.tui.widgets.frame_table import FrameTable

from .conftest import screen_text, settle


async def test_m_opens_migration_with_a_date_90_days_before_the_as_of(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        assert isinstance(app.screen, MigrationScreen)
        expected = app.result.as_of - dt.timedelta(days=90)
        assert app.focused.id == "as-of-before"
        assert app.focused.value == expected.isoformat()


async def test_migration_table_matches_the_engine_and_adds_up(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("m", "enter")
        await settle(pilot)
        frame = app.screen.query_one("#migration-table", FrameTable).frame
        model = build_model(app.result)
        before = app.result.as_of - dt.timedelta(days=90)
        engine = migrate(
            model, app.tables, app.tables, as_of_before=before, as_of_after=app.result.as_of
        )
        body = frame.head(frame.height - 1)
        assert body["from"].to_list() == engine.row_labels
        assert frame.columns[:3] == ["from", "total", "lost"]  # key numbers first (80 cols)
        after = [c for c in frame.columns if c.startswith("to ")]
        counts = body.select(*after, "lost").to_numpy()
        assert counts.tolist() == engine.matrix.tolist()
        totals = frame.row(frame.height - 1, named=True)
        assert totals["from"] == "total"
        assert totals["total"] == engine.customers.height  # union of both snapshots
        assert body["total"].to_list() == engine.matrix.sum(axis=1).tolist()
        c = engine.counts()
        assert c["stayed"] + c["moved"] + c["new"] + c["lost"] == engine.customers.height
        text = screen_text(app)
        assert f"stayed {c['stayed']} · moved {c['moved']} · new {c['new']}" in text


async def test_migration_refuses_a_date_not_before_the_as_of(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        app.screen.query_one("#as-of-before").value = app.result.as_of.isoformat()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MigrationScreen)
        assert app.screen.migration is None
        assert "must be before the current one" in screen_text(app)


async def test_migration_reports_an_unparsable_date_and_stays_open(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        app.screen.query_one("#as-of-before").value = "last spring"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MigrationScreen)
        assert "YYYY-MM-DD" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, MigrationScreen)


async def test_shift_m_saves_a_model_that_loads_back(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("M")
        assert isinstance(app.screen, SaveModelScreen)
        assert app.focused.value == str(tmp_path / "model_k4.json")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, SaveModelScreen)
        model = load_model(tmp_path / "model_k4.json")
        assert model.k == app.result.k
        assert model.names == {p.id: p.name for p in app.result.profiles}
        data = json.loads((tmp_path / "model_k4.json").read_text(encoding="utf-8"))
        assert len(data["training"]["input"]["files"]) == 3
        assert any("model_k4.json" in n.message for n in app._notifications)


async def test_saving_over_an_existing_model_asks_first(make_app, tmp_path) -> None:
    target = tmp_path / "model_k4.json"
    target.write_text("old", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("M", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert target.read_text(encoding="utf-8") == "old"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert load_model(target).k == 4


async def test_save_model_refuses_a_non_json_name(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("M")
        app.screen.query_one("#export-path").value = str(tmp_path / "model.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SaveModelScreen)
        assert "model file format" in screen_text(app)
        assert not (tmp_path / "model.csv").exists()


async def test_ctrl_s_saves_the_migration_table_as_migrate_out_does(make_app, tmp_path) -> None:
    import polars as pl

    from segtui.engine.output.writers import write_frame
    from segtui.tui.screens.save_table import SaveTableScreen

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("m", "enter")
        await settle(pilot)
        migration = app.screen.migration
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SaveTableScreen)
        target = tmp_path / f"migration_{migration.before.as_of}_{migration.after.as_of}.csv"
        assert app.focused.value == str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MigrationScreen)
        back = pl.read_csv(target)
        assert back.height == len(migration.row_labels)
        assert back.drop("from").to_numpy().tolist() == migration.matrix.tolist()
        reference = write_frame(migration.table(), tmp_path / "as_cli.csv")
        assert target.read_bytes() == reference.read_bytes()
        assert any(str(target) in n.message for n in app._notifications)


async def test_save_table_before_computing_says_to_compute_first(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("m", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MigrationScreen)
        assert "compute the migration first" in screen_text(app)
        assert not list(tmp_path.glob("migration_*"))

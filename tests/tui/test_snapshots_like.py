"""The segment panels of a ``--like`` run at 80x24: each segment's rule and its match."""

from __future__ import annotations

from pathlib import Path

from conftest import PRE_SWITCH

from segtui.config import Settings
from segtui.engine.models.build import build_model
from segtui.engine.models.model import save_model
from segtui.engine.pipeline import run
from segtui.tui.app import SegtuiApp

from .conftest import REFERENCE, screen_text
from .test_snapshots import finished


def test_like_run_shows_rules_and_matches_at_80x24(snap_compare, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # a relative model path: the same picture on every machine
    save_model(build_model(run(Settings(source=REFERENCE, **PRE_SWITCH))), Path("m.json"))
    # Another seed renumbers nothing here, but the matching must still say so.
    app = SegtuiApp(
        Settings(source=REFERENCE, **{**PRE_SWITCH, "seed": 9}, like=Path("m.json")),
        export_dir=Path("."),
    )

    async def shown(pilot) -> None:
        await finished(pilot)
        text = screen_text(pilot.app)
        assert "rule: " in text and "before (drift " in text

    assert snap_compare(app, terminal_size=(80, 24), run_before=shown)

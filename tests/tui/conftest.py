"""Fixtures for driving the Textual app with the pilot on the reference data."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PRE_SWITCH
from textual.pilot import Pilot

from segtui.config import Settings
from segtui.tui.app import SegtuiApp

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"


async def settle(pilot: Pilot) -> None:
    """Wait until every worker finished and the screen caught up (no sleeps)."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def screen_text(app: SegtuiApp) -> str:
    """What the terminal shows right now, as plain text lines."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


@pytest.fixture()
def make_app(zeotap_dir: Path, tmp_path: Path):
    """Build an app on the Zeotap files (exports default to ``tmp_path``)."""

    def build(**changes: object) -> SegtuiApp:
        return SegtuiApp(
            Settings(source=zeotap_dir).replace(**{**PRE_SWITCH, **changes}), export_dir=tmp_path
        )

    return build


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop (no asyncio plugin needed)."""
    import asyncio
    import inspect

    if not inspect.iscoroutinefunction(pyfuncitem.obj) or "snap_compare" in pyfuncitem.funcargs:
        return None
    names = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}
    asyncio.run(pyfuncitem.obj(**kwargs))
    return True

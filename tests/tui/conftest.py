"""Fixtures for driving the Textual app with the pilot on the reference data."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import PRE_SWITCH
from textual.pilot import Pilot

from segtui.config import Settings
from segtui.tui import app as app_module
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


# What the first load of a source gave, by settings and the source files' sizes and
# modification times: (the stages it reported, its Outcome).
FIRST_LOADS: dict[tuple[object, ...], tuple[list[str], object]] = {}
# The parameters of the function the app's worker calls (tests/tui/test_first_load_memo.py
# checks the memo still fits it).
OUTCOME_PARAMETERS = ["settings", "tables", "feature_table", "progress"]


def first_load_key(settings: Settings) -> tuple[object, ...] | None:
    """The memo's key for a first load of ``settings``: None for the bundled sample and a
    missing source."""
    if settings.source is None:
        return None
    source = Path(settings.source)
    if not source.exists():
        return None
    files = sorted(source.rglob("*")) if source.is_dir() else [source]
    stamps = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.is_file())
    return (settings, stamps)


@pytest.fixture(autouse=True)
def shared_first_load(request: pytest.FixtureRequest) -> Iterator[None]:
    """Serve a test's first load of a source from an earlier test's identical load.

    Each workbench test starts the app, which reads and segments its source before the
    first key; about 130 tests did so on the same reference files with the same settings,
    and the engine run was a fifth of their CPU. The engine is deterministic (seeded), so
    the first load of a test whose settings and files equal an earlier test's gets that
    test's Outcome and hears the same stages. Everything the test then does (re-cluster,
    reload, sweep, a second app) runs the engine for real, so ``ctrl+r`` still makes a new
    result. Tests that monkeypatch anything (a gated or failing engine, an environment
    variable) always run it for real.
    """
    real = app_module.compute_outcome
    if "monkeypatch" in request.fixturenames:
        yield
        return
    served = False

    def first_load_shared(
        settings: Settings, tables: object, feature_table: object, progress: Callable[[str], None]
    ) -> object:
        nonlocal served
        key = first_load_key(settings) if tables is None and feature_table is None else None
        if served or key is None:
            return real(settings, tables, feature_table, progress)
        served = True
        if key in FIRST_LOADS:
            stages, outcome = FIRST_LOADS[key]
            for stage in stages:
                progress(stage)
            return outcome
        stages = []

        def record(stage: str) -> None:
            stages.append(stage)
            progress(stage)

        outcome = real(settings, tables, feature_table, record)
        FIRST_LOADS[key] = (stages, outcome)
        return outcome

    if list(inspect.signature(real).parameters) != OUTCOME_PARAMETERS:
        yield  # the app changed: run for real (test_first_load_memo.py says so)
        return
    app_module.compute_outcome = first_load_shared  # type: ignore[assignment]
    try:
        yield
    finally:
        app_module.compute_outcome = real


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

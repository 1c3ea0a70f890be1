"""The one worker helper (segtui/tui/jobs.py): engine work off the UI thread, its result
or its error posted as a Message to the node that started it.

An engine error (SegtuiError) arrives as its own one line; anything else as ``internal
error: <repr>`` with its traceback, the line the app already shows for a bug; a
cancelled job posts nothing more; and a screen's answer never reaches the app behind it.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from segtui.engine import pipeline as pipeline_module
from segtui.engine.errors import OptionError
from segtui.tui.jobs import JobDone, JobFailed, JobMessage, JobProgress, Report, run_job
from segtui.tui.screens.migration import MigrationScreen

from .conftest import screen_text, settle


class Recorder(App[None]):
    """An app that runs one job and records every job message it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[JobMessage] = []

    def compose(self) -> ComposeResult:
        yield Static("jobs")

    def on_job_progress(self, event: JobProgress) -> None:
        self.received.append(event)

    def on_job_done(self, event: JobDone) -> None:
        self.received.append(event)

    def on_job_failed(self, event: JobFailed) -> None:
        self.received.append(event)


async def test_a_job_posts_its_reports_then_its_value_with_the_token() -> None:
    app = Recorder()

    def work(report: Report) -> int:
        report("Reading data")
        report("Clustering")
        return 42

    async with app.run_test() as pilot:
        run_job(app, "answer", work, token=7)
        await settle(pilot)
    kinds = [(type(m).__name__, m.job, m.token) for m in app.received]
    assert kinds == [
        ("JobProgress", "answer", 7),
        ("JobProgress", "answer", 7),
        ("JobDone", "answer", 7),
    ]
    assert [m.update for m in app.received[:2]] == ["Reading data", "Clustering"]
    assert app.received[2].value == 42


async def test_an_engine_error_is_posted_as_its_one_line() -> None:
    app = Recorder()
    error = OptionError("k must be at least 2", value=1, hint="use --k 2 or more")

    def work(_: Report) -> None:
        raise error

    async with app.run_test() as pilot:
        run_job(app, "segment", work)
        await settle(pilot)
    (failed,) = app.received
    assert isinstance(failed, JobFailed)
    assert failed.message == "k must be at least 2 (value: 1). Use --k 2 or more"
    assert "\n" not in failed.message
    assert not failed.internal and failed.traceback == ""


async def test_an_internal_error_is_posted_with_its_repr_and_traceback() -> None:
    app = Recorder()

    def broken_step(_: Report) -> None:
        raise ZeroDivisionError("division by zero")

    async with app.run_test() as pilot:
        run_job(app, "segment", broken_step)
        await settle(pilot)
    (failed,) = app.received
    assert isinstance(failed, JobFailed)
    assert failed.message == "internal error: ZeroDivisionError('division by zero')"
    assert failed.internal
    assert "broken_step" in failed.traceback and "ZeroDivisionError" in failed.traceback


async def test_a_cancelled_job_posts_nothing_after_the_cancel() -> None:
    app = Recorder()
    started, release, ended = threading.Event(), threading.Event(), threading.Event()

    def work(report: Report) -> str:
        started.set()
        release.wait(timeout=30)
        try:
            report("after the cancel")  # raises Cancelled: the job ends quietly
            return "never delivered"
        finally:
            ended.set()

    async with app.run_test() as pilot:
        worker = run_job(app, "segment", work)
        # wait off the event loop, which must run to start the worker
        assert await asyncio.to_thread(started.wait, 30)
        worker.cancel()
        release.set()
        assert await asyncio.to_thread(ended.wait, 30)
        await pilot.pause()
    assert app.received == []


async def test_the_app_shows_an_engine_error_as_one_line(make_app, monkeypatch) -> None:
    def failing_run(*_args, **_kwargs):
        raise OptionError("--as-of is after the last transaction", value="2030-01-01")

    monkeypatch.setattr(pipeline_module, "run", failing_run)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        line = "--as-of is after the last transaction (value: '2030-01-01')"
        assert app.last_error == line
        assert app.result is None and not app.busy
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors == [line]
        assert line in screen_text(app)
        assert "internal error" not in screen_text(app)


async def test_the_app_shows_an_internal_error_with_its_repr(make_app, monkeypatch) -> None:
    def broken_run(*_args, **_kwargs):
        raise KeyError("segment")

    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        shown = app.result
        monkeypatch.setattr(pipeline_module, "run", broken_run)
        await pilot.press("plus")
        await settle(pilot)
        assert app.is_running
        assert app.result is shown  # the old result stays, marked stale
        assert app.last_error == "internal error: KeyError('segment')"
        assert "internal error: KeyError('segment')" in screen_text(app)
        assert app.stale


@pytest.mark.parametrize(
    ("raised", "shown"),
    [
        (OptionError("no customer bought before 2020-01-01"), "no customer bought before"),
        (ValueError("bad shape"), "internal error: ValueError('bad shape')"),
    ],
    ids=["engine", "internal"],
)
async def test_a_dialog_shows_the_error_of_its_job_and_stays_open(
    make_app, monkeypatch, raised, shown
) -> None:
    from segtui.engine.models import migration as migration_module

    def failing(*_args, **_kwargs):
        raise raised

    monkeypatch.setattr(migration_module, "migrate", failing)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("m", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MigrationScreen)
        assert app.screen.migration is None
        assert f"✖ {shown}" in screen_text(app)
        assert not app.screen.query_one("#compute").disabled  # it can be tried again
        assert app.last_error is None  # the session behind it did not fail


async def test_an_internal_error_in_a_customers_transactions_keeps_the_app_running(
    make_app, monkeypatch
) -> None:
    """It used to end the app: the transactions job caught only SegtuiError."""
    from segtui.engine import lookup
    from segtui.tui.screens.transactions import TransactionsScreen

    def broken(*_args, **_kwargs):
        raise RuntimeError("lost the table")

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(lookup, "customer_transactions", broken)
        await pilot.press("2", "enter")
        await settle(pilot)
        assert app.is_running
        assert isinstance(app.screen, TransactionsScreen)
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors == ["internal error: RuntimeError('lost the table')"]


@pytest.mark.parametrize(
    ("raised", "shown"),
    [
        ("polars", "cannot compare string with numeric type"),
        ("bug", "internal error: IndexError('out of range')"),
    ],
    ids=["polars", "internal"],
)
async def test_a_failing_data_view_query_is_one_error_line_and_the_app_goes_on(
    make_app, monkeypatch, raised, shown
) -> None:
    import polars as pl

    from segtui.engine import lookup

    def failing(*_args, **_kwargs):
        if raised == "polars":
            raise pl.exceptions.ComputeError("cannot compare string with numeric type")
        raise IndexError("out of range")

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(lookup, "text_match", failing)
        await pilot.press("3", "slash", *"asia", "enter")
        await settle(pilot)
        assert app.is_running
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors == [shown]

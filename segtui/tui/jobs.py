"""The one way the workbench runs engine work off the UI thread.

:func:`run_job` runs a function in a thread worker of a node (the app, a screen or a
widget) and posts what happened to that node as a Message, so no screen repeats the
``try / except SegtuiError / except Exception`` block and none blocks its worker on
``call_from_thread``:

* :class:`JobProgress` for each report the work makes (a stage name, a row);
* :class:`JobDone` with the value the work returned;
* :class:`JobFailed` with one line to show: the error's own line for a
  :class:`~segtui.engine.errors.SegtuiError` (the user can fix it), ``internal error:
  <repr>`` for anything else (a bug; its traceback goes to the Textual log and rides on
  the message).

A cancelled job posts nothing more: its next report raises :class:`Cancelled`, which
ends it quietly. Every message carries the job's name and the caller's ``token`` (a
generation number), so a handler can drop the answer of a superseded request. The
messages do not bubble: a screen's answer never reaches the app behind it.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.worker import Worker, get_current_worker

from segtui.engine import SegtuiError

if TYPE_CHECKING:
    from textual.dom import DOMNode


class Cancelled(Exception):
    """Raised by a job's report once its worker was cancelled: the job ends quietly."""


class JobMessage(Message, bubble=False):
    """What a job posts to the node that started it."""

    def __init__(self, job: str, token: object) -> None:
        super().__init__()
        self.job = job
        self.token = token


class JobProgress(JobMessage, bubble=False):
    """A report from a running job (a stage name, a scored row)."""

    def __init__(self, job: str, token: object, update: object) -> None:
        super().__init__(job, token)
        self.update = update


class JobDone(JobMessage, bubble=False):
    """The job finished; ``value`` is what its work returned."""

    def __init__(self, job: str, token: object, value: Any) -> None:
        super().__init__(job, token)
        self.value = value


class JobFailed(JobMessage, bubble=False):
    """The job raised. ``message`` is the one line to show; ``internal`` is True for a
    bug (not a SegtuiError), whose ``traceback`` is kept here and in the Textual log."""

    def __init__(
        self, job: str, token: object, message: str, *, internal: bool, traceback: str = ""
    ) -> None:
        super().__init__(job, token)
        self.message = message
        self.internal = internal
        self.traceback = traceback


Report = Callable[[object], None]


def failure(job: str, token: object, exc: Exception) -> JobFailed:
    """The JobFailed message for ``exc``: its own line for a user's error, ``internal
    error: <repr>`` and the traceback for anything else."""
    if isinstance(exc, SegtuiError):
        return JobFailed(job, token, str(exc), internal=False)
    return JobFailed(
        job,
        token,
        f"internal error: {exc!r}",
        internal=True,
        traceback="".join(traceback.format_exception(exc)),
    )


def run_job(
    node: DOMNode,
    job: str,
    work: Callable[[Report], object],
    *,
    token: object = None,
    group: str | None = None,
) -> Worker[None]:
    """Run ``work(report)`` in an exclusive thread worker of ``node`` (group ``job``
    unless given) and post :class:`JobDone` or :class:`JobFailed` to ``node``;
    ``report(update)`` posts :class:`JobProgress` and raises :class:`Cancelled` once
    the worker is cancelled. Returns the worker."""

    def body() -> None:
        worker = get_current_worker()

        def report(update: object) -> None:
            if worker.is_cancelled:
                raise Cancelled
            node.post_message(JobProgress(job, token, update))

        try:
            value = work(report)
        except Cancelled:
            return
        except Exception as exc:  # never crash the session; say what broke
            failed = failure(job, token, exc)
            if failed.internal:
                node.log.error(failed.traceback)
            node.post_message(failed)
            return
        if not worker.is_cancelled:
            node.post_message(JobDone(job, token, value))

    return node.run_worker(
        body, name=job, group=group or job, exclusive=True, thread=True, exit_on_error=False
    )

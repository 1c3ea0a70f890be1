"""The process's last word: its exit code and message follow SIGINT or SIGTERM at every
point of a command, after its outputs are committed and during the interpreter's
shutdown included.

``handle_errors`` covers each command's body. Outside it (Typer's own parsing and
return, joining the thread pools, the interpreter's teardown) a signal used to end the
process raw: rc -2 or -15 and no line, although the outputs were complete. Here a
signal that arrives outside a command's body is recorded instead, and the exit, the
last handler ``atexit`` runs, ends the process with 130 ("interrupted") or 143
("terminated"). The process then leaves with ``os._exit``, so no signal can arrive in a
later stretch of the teardown, where Python restores the default handlers.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from typing import NoReturn

from segtui.cli.common import Interrupted, Terminated, _error, _os_error_text

SIGNAL_EXIT = {signal.SIGINT: (130, "interrupted"), signal.SIGTERM: (143, "terminated")}


class _Exit:
    """What the process will exit with, and whether a signal still raises."""

    def __init__(self) -> None:
        self.code = 0
        self.signal: int | None = None
        self.raising = True


_state = _Exit()


def _on_signal(signum: int, frame: object) -> None:
    if _state.signal is None:
        _state.signal = signum
    if _state.raising:
        # The first signal unwinds the command (temporary files removed); the line and
        # the code come from whoever catches it, or from _leave.
        _state.signal = None
        raise Terminated() if signum == signal.SIGTERM else Interrupted()


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    with contextlib.suppress(Exception):
        sys.stderr.write(f"{code}\n")
    return 1


def _leave() -> None:
    """The last exit handler: flush what is buffered, let a recorded signal decide the
    code and line, and end the process before the teardown can restore SIG_DFL."""
    _state.raising = False
    code = _state.code
    try:
        sys.stdout.flush()
    except OSError as exc:
        _error(_os_error_text(exc))
        code = code or 2
    except (ValueError, AttributeError):  # stdout closed by the command, or never open (>&-)
        pass
    if _state.signal is not None:
        expected, word = SIGNAL_EXIT[signal.Signals(_state.signal)]
        if code != expected:
            _error(word, prefix="segtui: ")
            code = expected
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    os._exit(code)


@contextlib.contextmanager
def default_signals() -> Iterator[None]:
    """Python's own SIGINT/SIGTERM handling inside the block (the workbench: Textual
    reads Ctrl-C as a key and must restore the terminal itself), segtui's after it."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers, and none were set for this one
        return
    previous = {signum: signal.getsignal(signum) for signum in SIGNAL_EXIT}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_cli(app: Callable[[], object]) -> NoReturn:
    """Run ``app`` (the Typer app) and exit with the code its command chose, or the one a
    signal calls for."""
    atexit.register(_leave)  # registered first, so it runs last
    # One OpenBLAS thread unless the user says otherwise, set before numpy loads it:
    # segtui limits BLAS to one thread wherever it computes (cluster_run), and OpenBLAS's
    # own pool only reserved memory at start-up. Under a tight address-space limit that
    # pool failed to start and OpenBLAS raised SIGINT in the process, which `sweep`
    # reported as "interrupted" although nobody had pressed Ctrl-C.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    for signum in SIGNAL_EXIT:
        signal.signal(signum, _on_signal)
    try:
        try:
            app()
            code = 0
        except SystemExit as exc:
            code = _exit_code(exc.code)
        finally:
            _state.raising = False  # from here on a signal is recorded, not raised
    except (KeyboardInterrupt, Interrupted):
        _error("interrupted", prefix="segtui: ")
        code = 130
    except Terminated:
        _error("terminated", prefix="segtui: ")
        code = 143
    _state.code = code
    sys.exit(code)

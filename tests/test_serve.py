"""`segtui serve`: one browser session driven over the websocket, and the access token."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segtui.cli import app as cli
from segtui.cli import serve_cmd

aiohttp = pytest.importorskip("aiohttp")
pytest.importorskip("textual_serve")

REFERENCE = Path(__file__).resolve().parent / "data" / "reference"
TOKEN = "test-token-7f3a9c"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def children(pid: int) -> list[int]:
    """The processes ``pid`` started that are still running (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


@pytest.fixture()
def server(tmp_path):
    """`segtui serve` on the reference data on a free port, token from the environment."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "segtui", "serve", str(REFERENCE), "--port", str(port)],
        env={**os.environ, "SEGTUI_SERVE_TOKEN": TOKEN},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,  # no ./segtui.toml of the developer's
        start_new_session=True,
    )
    printed = process.stdout.readline().decode()  # type: ignore[union-attr]
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, printed + process.stdout.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the server did not listen in 30 s"
            time.sleep(0.05)
    yield port, printed, process
    with contextlib.suppress(ProcessLookupError):  # a test may have stopped it already
        os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)


async def first_frame(session, url: str, limit: float = 30.0) -> bytes:
    """Open the websocket as textual.js does (size in the query, then `resize` and a
    `ping`) and collect what the app draws until its tab labels are on screen."""
    drawn = b""
    async with session.ws_connect(url + "ws?width=120&height=40") as ws:
        await ws.send_json(["resize", {"width": 120, "height": 40}])
        await ws.send_json(["ping", "1"])
        while b"Customers" not in drawn:
            message = await asyncio.wait_for(ws.receive(), limit)
            if message.type == aiohttp.WSMsgType.BINARY:
                drawn += message.data
            elif message.type != aiohttp.WSMsgType.TEXT:  # pong is text
                raise AssertionError(f"session ended before a frame: {message!r} {drawn!r}")
    return drawn


def test_one_session_draws_the_workbench_and_ends_with_its_tab(server) -> None:
    port, printed, process = server
    assert printed.strip().startswith(f"segtui serve: open http://127.0.0.1:{port}/?token={TOKEN}")

    async def drive() -> bytes:
        # unsafe: keep cookies from an IP address, as browsers do
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            async with session.get(f"http://127.0.0.1:{port}/?token={TOKEN}") as page:
                assert page.status == 200
                html = await page.text()
            # The page links the websocket at the address the browser used.
            assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in html
            # The token now travels as the page's cookie, as a browser's websocket sends it.
            return await first_frame(session, f"http://127.0.0.1:{port}/")

    drawn = asyncio.run(drive())
    assert b"Segments" in drawn and b"Customers" in drawn
    # Closing the websocket (the browser tab) ends that session's `segtui ui` process.
    deadline = time.monotonic() + 15
    while children(process.pid):
        assert time.monotonic() < deadline, f"session still running: {children(process.pid)}"
        time.sleep(0.05)


def test_requests_without_the_token_are_refused(server) -> None:
    port, _, process = server
    base = f"http://127.0.0.1:{port}/"

    async def statuses() -> list[int]:
        found = []
        async with aiohttp.ClientSession() as session:
            for url in (base, base + "?token=wrong-token-000", base + "static/js/textual.js"):
                async with session.get(url) as response:
                    found.append(response.status)
            for url in (base + "ws", base + f"ws?token={TOKEN}x"):
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await session.ws_connect(url)
                found.append(refused.value.status)
            # The right token, but opened by another site's page.
            with pytest.raises(aiohttp.WSServerHandshakeError) as cross_site:
                await session.ws_connect(
                    base + f"ws?token={TOKEN}", headers={"Origin": "http://evil.example"}
                )
            found.append(cross_site.value.status)
        return found

    assert asyncio.run(statuses()) == [403] * 6
    assert children(process.pid) == []  # no refused request started a session


def request(path: str, host: str, **headers: str):
    from aiohttp.test_utils import make_mocked_request

    return make_mocked_request("GET", path, headers={"Host": host, **headers})


def test_loopback_without_token_answers_only_to_local_names() -> None:
    assert serve_cmd.refusal(request("/", "127.0.0.1:8000"), None, loopback=True) is None
    assert serve_cmd.refusal(request("/ws", "localhost:8000"), None, loopback=True) is None
    # DNS rebinding: a page of another name that resolves to this machine.
    rebound = serve_cmd.refusal(request("/ws", "evil.example:8000"), None, loopback=True)
    assert rebound is not None and "evil.example" in rebound
    hijack = request("/ws", "127.0.0.1:8000", Origin="http://evil.example")
    assert "evil.example" in str(serve_cmd.refusal(hijack, None, loopback=True))
    same_page = request("/ws", "127.0.0.1:8000", Origin="http://127.0.0.1:8000")
    assert serve_cmd.refusal(same_page, None, loopback=True) is None


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("example.org", False),
    ],
)
def test_only_loopback_addresses_count_as_loopback(host: str, loopback: bool) -> None:
    assert serve_cmd.is_loopback(host) is loopback


def test_any_other_address_gets_a_generated_token(monkeypatch) -> None:
    built = []

    class Recorded:
        def serve(self) -> None:
            pass

    def build(command: str, host: str, port: int, *, token: str | None, loopback: bool):
        built.append((command, host, port, token, loopback))
        return Recorded()

    monkeypatch.setattr(serve_cmd, "build_server", build)
    monkeypatch.delenv(serve_cmd.TOKEN_ENV, raising=False)
    done = CliRunner().invoke(cli, ["serve", str(REFERENCE), "--host", "0.0.0.0", "--port", "9"])
    assert done.exit_code == 0, done.stderr
    ((command, host, port, token, loopback),) = built
    assert (host, port, loopback) == ("0.0.0.0", 9, False)
    assert token is not None and len(token) >= 32
    assert f":9/?token={token}" in done.stdout
    assert command.startswith("exec ") and command.endswith(f"-m segtui ui {REFERENCE.resolve()}")
    # On loopback no token unless one is given.
    done = CliRunner().invoke(cli, ["serve", str(REFERENCE)])
    assert done.exit_code == 0 and built[-1][3] is None
    assert "http://127.0.0.1:8000/ " in done.stdout


def test_serve_without_textual_serve_exits_2_with_the_pip_command(monkeypatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "textual_serve" else real(name, *a),
    )
    done = CliRunner().invoke(cli, ["serve"])
    assert done.exit_code == 2
    (line,) = done.stderr.splitlines()
    assert "textual-serve" in line and "pip install 'segtui[serve]'" in line.lower()


def test_serve_checks_the_data_before_listening(tmp_path) -> None:
    done = CliRunner().invoke(cli, ["serve", str(tmp_path / "missing.csv")])
    assert done.exit_code == 2
    assert "missing.csv" in done.stderr and "no such file" in done.stderr


def test_a_session_whose_app_ignores_quit_is_killed(monkeypatch) -> None:
    # Headless Chromium closing right after its screenshot left a workbench running past
    # the server's own end: textual-serve only sends the app a "quit". `sleep` neither
    # starts as a Textual app nor reads the quit, so only the kill can end it.
    from textual_serve.download_manager import DownloadManager

    monkeypatch.setattr(serve_cmd, "QUIT_GRACE_S", 0.3)

    async def ignored(*_: object) -> None:
        pass

    async def start_and_stop() -> tuple[int | None, float]:
        session = serve_cmd.ending_session_class()(
            "exec sleep 60",
            write_bytes=ignored,
            write_str=ignored,
            close=ignored,
            download_manager=DownloadManager(),
        )
        await session.start(80, 24)
        started = time.monotonic()
        await session.stop()
        return session._process.returncode, time.monotonic() - started

    returncode, took = asyncio.run(start_and_stop())
    assert returncode == -signal.SIGKILL
    assert took < 5


def test_the_access_log_never_prints_the_token() -> None:
    # aiohttp's access logger formats the request line from its arguments, as here.
    record = logging.LogRecord(
        "aiohttp.access",
        logging.INFO,
        __file__,
        1,
        '%s "%s" %s',
        ("127.0.0.1", f"GET /?token={TOKEN}&x=1 HTTP/1.1", 200),
        None,
    )
    assert serve_cmd.RedactToken().filter(record)
    line = record.getMessage()
    assert TOKEN not in line
    assert line == '127.0.0.1 "GET /?token=<hidden>&x=1 HTTP/1.1" 200'


def test_the_server_logs_requests_without_the_token(server) -> None:
    port, _, process = server

    async def fetch() -> int:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/?token={TOKEN}") as page:
                return page.status

    assert asyncio.run(fetch()) == 200
    os.killpg(process.pid, signal.SIGTERM)
    logged = process.communicate(timeout=20)[0].decode()
    assert "GET /?token=<hidden>" in logged and TOKEN not in logged

"""``segtui serve``: the workbench in a browser, through textual-serve.

Each browser tab that opens the page starts its own ``segtui ui`` process, which draws
through Textual's web driver instead of a terminal. textual-serve has no access control,
and the workbench reads and writes files as the user who started the server, so this
module adds one: a token, required on every request when the server listens on anything
but the loopback address (or whenever ``--token`` is given). On loopback without a token
it still refuses a page or websocket that names another host (DNS rebinding) or comes from
another site's page (cross-site websocket hijacking).

aiohttp and textual-serve are the optional extra ``segtui[serve]``; they are imported only
when the command runs.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re
import secrets
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import typer

from segtui.cli.app_root import app
from segtui.cli.common import handle_errors
from segtui.cli.options import Given, takes
from segtui.settings_table import ROW

if TYPE_CHECKING:
    from aiohttp import web

TOKEN_ENV = str(ROW["token@serve"].envvar)
INSTALL_HINT = "install it with pip install 'segtui[serve]' (or pip install textual-serve)"
LOOPBACK_NAMES = {"localhost", "ip6-localhost"}
# A token in a logged request line (``GET /?token=...``) is written as this instead.
TOKEN_IN_QUERY = re.compile(r"(token=)[^&\s\"']+")
# Seconds a closed session's app has to quit before it is killed.
QUIT_GRACE_S = 5.0


@app.command()
@takes("source", "config", "host@serve", "port@serve", "token@serve")
def serve(given: Given) -> None:
    """Serve the workbench in a browser (one `segtui ui` per tab; needs segtui[serve])."""
    with handle_errors():
        import importlib.util

        from segtui.engine import OptionError

        source, config, host, port, token = (
            given[key] for key in ("source", "config", "host", "port", "token")
        )
        if importlib.util.find_spec("textual_serve") is None:
            raise OptionError("segtui serve needs textual-serve", hint=INSTALL_HINT)
        if not ROW["port@serve"].in_bounds(port):
            raise OptionError(f"--port {port} is not a port", hint="give 1-65535")
        if token is not None and len(token) < 8:
            raise OptionError("--token is too short to guard anything", hint="use 8+ characters")
        command = ui_command(source, config)
        loopback = is_loopback(host)
        if token is None and not loopback:
            token = secrets.token_urlsafe(24)
        os.environ.pop(TOKEN_ENV, None)  # the sessions' processes need not see it
        server = build_server(command, host, port, token=token, loopback=loopback)
        typer.echo(f"segtui serve: open {page_url(host, port, token)}  (Ctrl+C stops)")
        if not loopback:
            typer.echo("segtui serve: plain HTTP; anyone who sees the URL can use the workbench")
        try:
            server.serve()
        except OSError as exc:
            raise OptionError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                hint="choose another --port, or stop what holds this one",
            ) from None


def ui_command(source: Path | None, config: Path | None) -> str:
    """The shell command each browser session runs: this interpreter's `segtui ui` on
    the same data, checked now so a wrong path fails here and not in the browser."""
    from segtui.cli.common import load_settings

    settings, _ = load_settings(source, config)
    if settings.source is not None and not settings.source.exists():
        from segtui.engine import InputError

        raise InputError("no such file or folder", file=settings.source)
    words = ["exec", sys.executable, "-m", "segtui", "ui"]
    if source is not None:
        words.append(str(source.resolve()))
    if config is not None:
        words += ["--config", str(config.resolve())]
    # exec: the shell textual-serve starts becomes the app, so ending it ends the app
    return " ".join(word if word == "exec" else shlex.quote(word) for word in words)


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def page_url(host: str, port: int, token: str | None) -> str:
    """The URL to open; a wildcard address (0.0.0.0, ::) is shown as this machine's name."""
    import socket

    name = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
    if ":" in name:
        name = f"[{name}]"
    return f"http://{name}:{port}/" + (f"?token={token}" if token else "")


def token_matches(supplied: str | None, token: str) -> bool:
    """Constant-time comparison, so the time taken does not reveal a prefix."""
    return supplied is not None and hmac.compare_digest(supplied.encode(), token.encode())


def refusal(request: web.Request, token: str | None, loopback: bool) -> str | None:
    """Why ``request`` is refused, or None. The token comes from ``?token=`` or from the
    cookie the page set; a websocket must also come from a page of this server."""
    cookie = request.cookies.get(cookie_name(request))
    if token is not None:
        if not (token_matches(request.query.get("token"), token) or token_matches(cookie, token)):
            return "this server needs its access token: open the URL it printed (?token=...)"
    elif loopback and not is_loopback(urlsplit(f"//{request.host}").hostname or ""):
        return f"this server answers only to localhost, not to {request.host}"
    origin = request.headers.get("Origin")
    if request.path == "/ws" and origin is not None and urlsplit(origin).netloc != request.host:
        return f"a page from {origin} may not open this server's session"
    return None


def cookie_name(request: web.Request) -> str:
    """One cookie per port: two servers on one host keep their own tokens."""
    return f"segtui_token_{request.url.port}"


def ending_session_class() -> Any:
    """textual-serve's AppService (one browser session's process), ending the process
    when the session stops."""
    import asyncio

    from textual_serve.app_service import AppService

    class EndingAppService(AppService):  # type: ignore[misc]
        """A session whose process ends with its websocket. textual-serve only sends the
        app a "quit": a tab closed while the workbench was still starting left it
        running, and it spun on after the server stopped (seen with headless Chromium)."""

        async def stop(self) -> None:
            try:
                await asyncio.wait_for(super().stop(), QUIT_GRACE_S)
            except TimeoutError:
                pass
            process = self._process
            if process is not None and process.returncode is None:
                try:
                    await asyncio.wait_for(process.wait(), QUIT_GRACE_S)
                except TimeoutError:
                    process.kill()  # the command is exec'd: this is the app itself
                    await process.wait()

    return EndingAppService


class RedactToken(logging.Filter):
    """Rewrites every ``token=...`` in a log record as ``token=<hidden>``: aiohttp's access
    log prints each request line, and the page's first request carries the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message:
            record.msg, record.args = TOKEN_IN_QUERY.sub(r"\1<hidden>", message), ()
        return True


def build_server(command: str, host: str, port: int, *, token: str | None, loopback: bool) -> Any:
    """A textual-serve Server that runs ``command`` per session behind the token check."""
    import textual_serve.server
    from aiohttp import web
    from textual_serve.server import Server

    # The handler creates each session by this module-level name; this process runs
    # nothing but the server, so the swap touches no one else.
    textual_serve.server.AppService = ending_session_class()  # type: ignore[misc]
    logging.getLogger("aiohttp.access").addFilter(RedactToken())

    @web.middleware
    async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
        reason = refusal(request, token, loopback)
        if reason is not None:
            raise web.HTTPForbidden(text=f"segtui serve: {reason}\n")
        response: web.StreamResponse = await handler(request)
        supplied = request.query.get("token")
        if token is not None and request.path == "/" and token_matches(supplied, token):
            # The page's websocket URL cannot carry the token (textual.js appends its
            # own query string), so the browser presents it as a cookie.
            response.set_cookie(
                cookie_name(request), token, httponly=True, samesite="Strict", path="/"
            )
        return response

    class GuardedServer(Server):  # type: ignore[misc]  # textual-serve ships no stubs
        async def _make_app(self) -> web.Application:
            web_app: web.Application = await super()._make_app()
            web_app.middlewares.append(guard)
            return web_app

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            # Links in the page follow the address the browser used, not the bind
            # address (0.0.0.0 is not an address a browser can open).
            self.public_url = f"{request.scheme}://{request.host}"
            response: web.StreamResponse = await super().handle_index(request)
            return response

        async def on_startup(self, web_app: web.Application) -> None:
            """textual-serve prints its logo and an URL without the token: say nothing."""

    return GuardedServer(command, host=host, port=port, title="segtui")

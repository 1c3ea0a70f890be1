"""Screenshot one `segtui serve` session in headless Chromium (docs/images/serve-browser.png).

    python bench/serve_screenshot.py [--data DIR] [--out docs/images/serve-browser.png]

Starts `segtui serve DATA` on a free port with a token, opens the page in headless
Chromium (Debian's `chromium`; --no-sandbox, a fresh profile, no background networking)
driven over the DevTools protocol, waits for the first frame and then --settle seconds
(the workbench's first result on the reference data) and saves a PNG of the window.
Prints the seconds from opening the page to the first byte and to the screenshot.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]


# The page's terminal fills the window (100vw x 100vh); this insets it by MARGIN pixels.
MARGIN = 12
FRAME_SCRIPT = f"""
document.addEventListener("DOMContentLoaded", () => {{
  const style = document.createElement("style");
  style.textContent = `
    html, body {{ background: #121212; margin: 0; }}
    .textual-terminal {{
      width: calc(100vw - {2 * MARGIN}px) !important;
      height: calc(100vh - {2 * MARGIN}px) !important;
      margin: {MARGIN}px;
    }}`;
  document.head.appendChild(style);
}});
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_for_http(url: str, limit: float = 30.0) -> None:
    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientConnectionError:
                pass
            if time.perf_counter() - started > limit:
                raise TimeoutError(f"{url} did not answer in {limit} s")
            await asyncio.sleep(0.1)


class DevTools:
    """The few DevTools-protocol calls this script needs, over one page's websocket."""

    def __init__(self, socket_: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket_
        self.next_id = 0

    async def call(self, method: str, **params: object) -> dict:
        self.next_id += 1
        await self.socket.send_json({"id": self.next_id, "method": method, "params": params})
        while True:
            message = json.loads((await self.socket.receive()).data)
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    async def evaluate(self, expression: str) -> object:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")


async def screenshot(url: str, out: Path, width: int, height: int, settle: float) -> dict:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no chromium on PATH (Debian: apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="segtui-chromium-")
    debug_port = free_port()
    browser = subprocess.Popen(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--remote-debugging-port={debug_port}",
            f"--window-size={width},{height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    figures: dict[str, object] = {}
    try:
        await wait_for_http(f"http://127.0.0.1:{debug_port}/json/version")
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{debug_port}/json/list") as response:
                pages = [p for p in await response.json() if p["type"] == "page"]
            async with session.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                tools = DevTools(ws)
                started = time.perf_counter()
                await tools.call("Page.enable")
                # A margin of the terminal's own colour around it, as a terminal window
                # has: flush against the picture's edge, the first line looked cut off.
                # Set before the page loads, so the terminal fits it and the app is sized
                # to the rows that show.
                await tools.call("Page.addScriptToEvaluateOnNewDocument", source=FRAME_SCRIPT)
                await tools.call("Page.navigate", url=url)
                while not await tools.evaluate(
                    "document.body && document.body.classList.contains('-first-byte')"
                ):
                    if time.perf_counter() - started > 60:
                        raise TimeoutError("the page drew nothing in 60 s")
                    await asyncio.sleep(0.05)
                figures["first_byte_s"] = round(time.perf_counter() - started, 2)
                # The terminal is a canvas (xterm.js), so its text cannot be read back:
                # give the workbench's worker time to draw the first result.
                await asyncio.sleep(settle)
                shot = await tools.call("Page.captureScreenshot", format="png")
                figures["screenshot_s"] = round(time.perf_counter() - started, 2)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(base64.b64decode(shot["data"]))
    finally:
        os.killpg(browser.pid, signal.SIGTERM)
        browser.wait(timeout=20)
        shutil.rmtree(profile, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT / "tests/data/reference")
    parser.add_argument("--out", type=Path, default=ROOT / "docs/images/serve-browser.png")
    parser.add_argument("--size", default="1280x800", help="browser window, WIDTHxHEIGHT")
    parser.add_argument(
        "--settle", type=float, default=6.0, help="seconds from the first frame to the shot"
    )
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.split("x"))
    port = free_port()
    token = "screenshot-token"
    server = subprocess.Popen(
        [sys.executable, "-m", "segtui", "serve", str(args.data), "--port", str(port)],
        env={**os.environ, "SEGTUI_SERVE_TOKEN": token},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        asyncio.run(wait_for_http(f"http://127.0.0.1:{port}/"))
        url = f"http://127.0.0.1:{port}/?token={token}"
        figures = asyncio.run(screenshot(url, args.out, width, height, args.settle))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    print(json.dumps({"out": str(args.out), **figures}, indent=2))


if __name__ == "__main__":
    main()

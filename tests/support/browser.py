"""What the browser tests share: the app served by uvicorn in a thread, Debian's Chromium under
Playwright, and a signed-in page that records console errors and numbered screenshots.

Not a test module. Screenshots go to $DOSSIER_SCREENSHOTS/<topic> (default
build/screenshots/<topic>).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.env import unavailable

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
REPO = Path(__file__).resolve().parents[2]


def shots_dir(topic: str) -> Path:
    root = Path(os.environ.get("DOSSIER_SCREENSHOTS") or REPO / "build" / "screenshots")
    out = root / topic
    out.mkdir(parents=True, exist_ok=True)
    return out


@contextmanager
def served(app: Any) -> Iterator[str]:
    """``app`` under uvicorn on a free loopback port; yields its base URL."""
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        t.join(15)


@contextmanager
def chromium() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} missing (apt-get install chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def signed_in(browser: Any, base: str, token: str, width: int = 1280, height: int = 800) -> Any:
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    ctx.set_default_timeout(20_000)
    ctx.add_cookies([{"name": "dossier_token", "value": token, "url": base,
                      "httpOnly": True, "sameSite": "Strict"}])
    # the browser asks for /favicon.ico on its own: the app has none
    ctx.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    return ctx.new_page()


class Page:
    """A signed-in page that records console errors and numbered screenshots."""

    def __init__(self, browser: Any, base: str, token: str, shots: Path, width: int = 1280,
                 height: int = 900) -> None:
        self.page, self.base, self.shots = signed_in(browser, base, token, width, height), base, shots
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: r.status >= 400 and self.errors.append(
            f"{r.status} {r.url}"))

    def go(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page

    def shot(self, name: str) -> None:
        existing = len(list(self.shots.glob("*.png")))
        self.page.screenshot(path=str(self.shots / f"{existing + 1:02d}-{name}.png"),
                             full_page=True)

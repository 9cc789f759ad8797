"""/docs and /redoc work with no internet (a court network has none): the app serves Swagger UI's
and ReDoc's files itself, from the pinned fastapi-offline wheel, and both pages carry a CSP.

The first tests fetch the pages and their assets through the TestClient with every
non-loopback connection refused; the last opens /docs in Debian's headless Chromium with all
host names unresolvable except 127.0.0.1 and checks that Swagger UI draws the API's operations
without a single CSP violation or failed request."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.env import free_port, unavailable


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every connection that leaves the machine (a CDN fetch would fail loudly here)."""
    real = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in (
                "127.0.0.1", "::1", "localhost"):
            raise OSError(f"no network in this test: {address}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def client(env: Callable[..., dict[str, str]], offline: None) -> Iterator[TestClient]:
    from api.app import create_app
    from models.settings import get_settings

    with TestClient(create_app(get_settings())) as c:
        yield c


def _local_refs(html: str) -> list[str]:
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs, html
    outside = [r for r in refs if not r.startswith("/")]
    assert outside == [], f"the page loads files from elsewhere: {outside}"
    return refs


def test_swagger_ui_page_and_assets_are_served_by_the_app(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "http://" not in page.text and "https://" not in page.text, "a CDN URL in /docs"
    refs = _local_refs(page.text)
    kinds = {"swagger-ui-bundle.js": ("javascript", 500_000),
             "swagger-ui.css": ("text/css", 50_000), "favicon.png": ("image/png", 100)}
    for name, (ctype, min_size) in kinds.items():
        url = next(r for r in refs if r.endswith("/" + name))
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert ctype in asset.headers["content-type"], (url, asset.headers["content-type"])
        assert len(asset.content) >= min_size, (url, len(asset.content))
    js = client.get(next(r for r in refs if r.endswith("swagger-ui-bundle.js"))).text
    assert "SwaggerUIBundle" in js
    # Swagger UI 5 reads OpenAPI 3.1, the version FastAPI writes (4.x shows "no valid version")
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")


def test_docs_carry_a_csp_whose_nonce_allows_only_their_inline_script(client: TestClient
                                                                       ) -> None:
    first, second = client.get("/docs"), client.get("/docs")
    csp = first.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce, csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    inline = re.findall(r"<script([^>]*)>\s*\S", first.text)
    assert inline and all(f'nonce="{nonce.group(1)}"' in attrs for attrs in inline
                          if "src=" not in attrs), inline
    assert second.headers["content-security-policy"] != csp, "a nonce must not be reused"


def test_redoc_is_served_locally_too(client: TestClient) -> None:
    page = client.get("/redoc")
    assert page.status_code == 200
    assert "fonts.googleapis" not in page.text
    assert "content-security-policy" in page.headers
    js = next(r for r in _local_refs(page.text) if r.endswith("redoc.standalone.js"))
    asset = client.get(js)
    assert asset.status_code == 200 and "javascript" in asset.headers["content-type"]
    assert len(asset.content) > 500_000


@pytest.mark.browser
@pytest.mark.slow
def test_swagger_ui_draws_the_api_offline_in_chromium(env: Callable[..., dict[str, str]],
                                                      tmp_path: Path) -> None:
    import uvicorn

    from api.app import create_app
    from models.settings import get_settings

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright)")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        unavailable(f"{chromium} missing (apt-get install chromium)")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(get_settings()), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.time() + 30
        while not server.started and time.time() < deadline:
            time.sleep(0.1)
        assert server.started, "uvicorn did not start"
        problems: list[str] = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(chromium), headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--no-first-run",
                      # no internet: every host name fails to resolve but the app's
                      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"])
            try:
                page = browser.new_page()
                page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                        if m.type == "error" else None)
                page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
                page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
                page.add_init_script(
                    "document.addEventListener('securitypolicyviolation', e => console.error("
                    "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))")
                page.goto(f"http://127.0.0.1:{port}/docs", wait_until="networkidle")
                page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
                assert "E-dossier" in page.inner_text(".swagger-ui .info .title")
                ops = page.locator(".opblock-summary-path")
                page.wait_for_function("document.querySelectorAll('.opblock').length > 10")
                paths = ops.all_inner_texts()
                assert any("/api/v1/documents" in p for p in paths), paths[:10]
                page.locator(".opblock").first.click()  # expanding an operation renders more
                page.wait_for_timeout(500)
                page.screenshot(path=str(tmp_path / "docs.png"))
            finally:
                browser.close()
        assert problems == [], "\n".join(problems)
    finally:
        server.should_exit = True
        thread.join(10)

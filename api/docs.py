"""/docs (Swagger UI) and /redoc served from local files: a court network has no internet.

FastAPI's default pages load their JavaScript and CSS from a CDN, so they are blank offline.
Following FastAPI's documented self-hosting recipe (docs_url=None, get_swagger_ui_html /
get_redoc_html with local URLs, a StaticFiles mount), the assets come from the pinned
``fastapi-offline`` wheel (MIT), which ships Swagger UI 5's ``swagger-ui-bundle.js`` and
``swagger-ui.css`` and ReDoc's ``redoc.standalone.js``; only its files are read, the package is
never imported.

Both pages carry a Content-Security-Policy like every other page. Their one inline script (the
call that starts Swagger UI or ReDoc) is allowed by a nonce made per response; ReDoc also needs
inline styles (styled-components writes <style> elements) and a blob: worker for its search.
"""

from __future__ import annotations

import importlib.util
import secrets
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

#: the asset package and where its files are mounted
PACKAGE = "fastapi_offline"
ASSETS_URL = "/docs/assets"
SWAGGER_JS, SWAGGER_CSS, REDOC_JS, FAVICON = (
    "swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")

_COMMON = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
           "form-action 'self'; frame-ancestors 'none'")


def assets_dir() -> Path:
    """The folder of the packaged Swagger UI / ReDoc files (found without importing it)."""
    spec = importlib.util.find_spec(PACKAGE)
    folder = (Path(next(iter(spec.submodule_search_locations))) / "static"
              if spec is not None and spec.submodule_search_locations else None)
    if folder is None or not all((folder / f).is_file()
                                 for f in (SWAGGER_JS, SWAGGER_CSS, REDOC_JS)):
        raise RuntimeError(
            f"the API documentation assets are missing: install {PACKAGE.replace('_', '-')}"
            " (a declared dependency, pip install -e .)")
    return folder


def _with_nonce(page: HTMLResponse, csp: str) -> HTMLResponse:
    """The page with a nonce on its inline script(s) and a CSP that allows exactly those."""
    nonce = secrets.token_urlsafe(16)
    html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
    return HTMLResponse(html, headers={
        "Content-Security-Policy": csp.replace("{nonce}", f"'nonce-{nonce}'")})


def mount(app: FastAPI) -> None:
    """Add /docs, /redoc and their assets to ``app`` (created with docs_url=redoc_url=None)."""
    app.mount(ASSETS_URL, StaticFiles(directory=assets_dir()), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    title = app.title

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{title} — API",
            swagger_js_url=f"{ASSETS_URL}/{SWAGGER_JS}",
            swagger_css_url=f"{ASSETS_URL}/{SWAGGER_CSS}",
            swagger_favicon_url=f"{ASSETS_URL}/{FAVICON}",
            # no badge from the public validator service (unreachable, and it would send out
            # the schema's URL)
            swagger_ui_parameters={"validatorUrl": None})
        return _with_nonce(page, f"{_COMMON}; script-src 'self' {{nonce}}; style-src 'self'")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(openapi_url=openapi_url, title=f"{title} — ReDoc",
                              redoc_js_url=f"{ASSETS_URL}/{REDOC_JS}",
                              redoc_favicon_url=f"{ASSETS_URL}/{FAVICON}",
                              with_google_fonts=False)
        return _with_nonce(page, f"{_COMMON}; script-src 'self' {{nonce}}; "
                                 "style-src 'self' 'unsafe-inline'; worker-src 'self' blob:")

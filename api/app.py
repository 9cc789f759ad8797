"""The FastAPI application: REST API under /api/v1, OpenAPI at /docs."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from api import docs
from api.auth import user_for_token
from api.limits import BodyGuard
from api.routes import (
    access,
    analytics,
    completeness,
    documents,
    fields,
    search,
    sentencing,
    users,
    workflow,
)
from api.routes import annotations as notes_api
from api.routes.schemas import HealthOut, ReadyOut
from api.routes.workflow import IncompleteRefusal
from api.web import (
    admin_pages,
    analytics_pages,
    annotation_pages,
    list_pages,
    pages,
    workflow_pages,
)
from models import audit
from models.blobs import BlobCorrupted, BlobMissing, BlobUnavailable
from models.db import migrate, session_scope
from models.settings import Settings, get_settings
from search.base import IndexOutdated, SearchUnavailable

log = logging.getLogger(__name__)

#: pages load only their own scripts, styles and images; nothing may frame them
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _anchor(settings: Settings) -> None:
    """Checkpoint the audit chain's head outside the database (see models.audit)."""
    try:
        with session_scope(settings.db_url) as s:
            audit.anchor(s, settings)
    except Exception:  # an anchor missed now is written after a later request
        log.exception("could not write the audit anchor")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.ensure_dirs()
    migrate(settings.db_url)
    app = FastAPI(title="E-dossier intelligence service", version="0.1.0",
                  description="Scanned criminal case files → OCR → fields → search → similar cases",
                  docs_url=None, redoc_url=None)  # served from local files: docs.mount
    app.state.settings = settings
    app.state.login_limiter = access.RateLimiter(limit=5, window_s=60)
    docs.mount(app)  # /docs and /redoc with their own CSP (a nonce for their inline script)
    for module in (access, users, documents, search, sentencing, fields, workflow,
                   completeness, notes_api, analytics,
                   workflow_pages, analytics_pages, list_pages, annotation_pages, admin_pages,
                   pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")

    @app.exception_handler(SearchUnavailable)
    async def search_down(request: Request, exc: SearchUnavailable) -> JSONResponse:
        # The search cluster is down or overloaded: stored data is safe (the outbox), retry.
        # The node's address and the exception chain go to the log, not to the user.
        log.warning("search engine unavailable: %s", exc)
        if isinstance(exc, IndexOutdated):  # names the index and `dossier reindex`, nothing else
            return JSONResponse({"detail": str(exc)}, 503, headers={"Retry-After": "300"})
        return JSONResponse({"detail": "检索引擎暂不可用，已保存的数据不受影响，请稍后重试"}, 503,
                            headers={"Retry-After": "30"})

    @app.exception_handler(BlobUnavailable)
    async def blobs_down(request: Request, exc: BlobUnavailable) -> JSONResponse:
        # The object store is down: nothing was recorded half-way (an upload stores the
        # original before its row), so the same request can simply be sent again.
        return JSONResponse({"detail": f"原件存储暂不可用，请稍后重试（{exc}）"}, 503,
                            headers={"Retry-After": "30"})

    @app.exception_handler(BlobMissing)
    async def blob_missing(request: Request, exc: BlobMissing) -> JSONResponse:
        # A host whose store lacks the original: several hosts must share DOSSIER_BLOB_URL.
        log.error("original missing from the blob store: %s", exc)
        return JSONResponse({"detail": "本主机的原件存储中没有该文件（多台主机须共用对象存储"
                                       " DOSSIER_BLOB_URL），请联系管理员"}, 503)

    @app.exception_handler(BlobCorrupted)
    async def blob_corrupted(request: Request, exc: BlobCorrupted) -> JSONResponse:
        log.error("original fails its SHA-256 check: %s", exc)
        return JSONResponse({"detail": "存储的原件未通过 SHA-256 校验，已拒绝提供，请联系管理员"},
                            500)

    @app.exception_handler(IncompleteRefusal)
    async def incomplete(request: Request, exc: IncompleteRefusal) -> JSONResponse:
        # the completeness gate: what is missing, item by item, beside the Chinese message
        return JSONResponse({"detail": exc.detail, "checklist": exc.checklist}, 422)

    @app.exception_handler(OverflowError)
    async def out_of_range(request: Request, exc: OverflowError) -> JSONResponse:
        # An id beyond 64 bits cannot name a row; say so instead of failing in the driver.
        return JSONResponse({"detail": "请求中的数字超出范围"}, 422)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" on its
        # own form posts, which the cross-site check must refuse; other sites still get nothing
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("Content-Security-Policy", CSP)
        if audit.anchor_due(settings.db_url, settings):
            await run_in_threadpool(_anchor, settings)
        return response

    def token_valid(token: str) -> bool:
        with session_scope(settings.db_url) as s:
            return user_for_token(s, token, touch=False) is not None

    # outermost: an anonymous or oversized body is refused before anything reads it
    app.add_middleware(BodyGuard, settings=settings, authenticate=token_valid)

    @app.get("/healthz", tags=["meta"], response_model=HealthOut)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["meta"], response_model=ReadyOut,
             responses={503: {"model": ReadyOut, "description": "a dependency failed"}})
    def readyz() -> JSONResponse:
        """Whether this host can serve: the database, broker, object store of originals,
        search cluster and models each answer (``/healthz`` only says the process is up).
        503 names the dependencies that failed, for a load balancer and the operator."""
        from services.readiness import probe

        checks = probe(settings)
        failed = [name for name, why in checks.items() if why]
        return JSONResponse({"status": "not ready" if failed else "ready", "failed": failed,
                             "checks": {k: v or "ok" for k, v in checks.items()}},
                            503 if failed else 200)

    return app

"""The FastAPI application: REST API under /api/v1, OpenAPI at /docs."""

from __future__ import annotations

from fastapi import FastAPI

from api import routes_documents, routes_search, routes_sentencing
from api.routes_fields import router as fields_router
from models.db import migrate
from models.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.ensure_dirs()
    migrate(settings.db_url)
    app = FastAPI(title="E-dossier intelligence service", version="0.1.0",
                  description="Scanned criminal case files → OCR → fields → search → similar cases")
    app.state.settings = settings
    app.include_router(routes_documents.router)
    app.include_router(routes_search.router)
    app.include_router(routes_sentencing.router)
    app.include_router(fields_router)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app

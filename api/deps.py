"""FastAPI dependencies: settings, the caller, and 404-not-403 access checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import user_for_token
from models.db import session_scope
from models.schema import Document, User
from models.settings import Settings, get_settings
from models.visibility import case_visible

bearer = HTTPBearer(auto_error=False)


def settings_dep(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


SettingsDep = Annotated[Settings, Depends(settings_dep)]


def current_user(settings: SettingsDep,
                 creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> User:
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    with session_scope(settings.db_url) as s:
        user = user_for_token(s, creds.credentials, renew_hours=settings.token_ttl_hours,
                              max_hours=settings.token_max_hours)
        if user is None:
            raise HTTPException(401, "invalid or expired token",
                                headers={"WWW-Authenticate": "Bearer"})
        s.expunge(user)
        return user


UserDep = Annotated[User, Depends(current_user)]


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles and user.role != "admin":
        raise HTTPException(403, f"role {user.role!r} may not do this; needs {' or '.join(roles)}")


def visible_document(settings: Settings, user: User, document_id: int) -> Document:
    """The document if the caller may see it; 404 otherwise (never reveal that it exists)."""
    with session_scope(settings.db_url) as s:
        doc = s.get(Document, document_id)
        if doc is None or not case_visible(s, user, doc.case_id):
            raise HTTPException(404, f"document {document_id} not found")
        s.expunge(doc)
        return doc

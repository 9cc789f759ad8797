"""Sign-in with a password and case transfers (移送) between agencies."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.auth import issue_token, verify_password
from api.deps import SettingsDep, UserDep, require_role
from api.routes.schemas import LoginOut, TransferOut
from models import audit
from models.db import session_scope
from models.schema import User
from services import sharing

router = APIRouter(prefix="/api/v1", tags=["access"])


class Login(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=1, max_length=1000)


class Transfer(BaseModel):
    agency: str = Field(min_length=1, max_length=64, description="code of the receiving agency")
    note: str | None = Field(None, max_length=500)


class RateLimiter:
    """At most ``limit`` failed sign-ins per key in ``window_s`` seconds (per process)."""

    def __init__(self, limit: int = 5, window_s: float = 60.0) -> None:
        self.limit, self.window_s = limit, window_s
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            q = self._fails.get(key)
            while q and now - q[0] > self.window_s:
                q.popleft()
            return bool(q) and len(q) >= self.limit  # type: ignore[arg-type]

    def fail(self, key: str) -> None:
        with self._lock:
            self._fails.setdefault(key, deque()).append(time.monotonic())


@router.post("/login", response_model=LoginOut)
def login(body: Login, request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Exchange a name and password for a bearer token; failures are rate-limited."""
    limiter: RateLimiter = request.app.state.login_limiter
    keys = [f"name:{body.name}", f"ip:{request.client.host if request.client else '?'}"]
    if any(limiter.blocked(k) for k in keys):
        raise HTTPException(429, "too many failed sign-ins; wait a minute",
                            headers={"Retry-After": "60"})
    with session_scope(settings.db_url) as s:
        user = s.execute(select(User).where(User.name == body.name)).scalar_one_or_none()
        ok = user is not None and user.active and verify_password(user.password_hash,
                                                                 body.password)
        audit.record(s, "login" if ok else "login.failed", user_id=user.id if user else None,
                     detail={"name": body.name})
        if not ok or user is None:
            for k in keys:
                limiter.fail(k)
            raise HTTPException(401, "wrong name or password")
        token = issue_token(s, user, settings.token_ttl_hours)
        return {"token": token, "user": user.name, "role": user.role,
                "expires_in_hours": settings.token_ttl_hours}


@router.post("/cases/{case_id}/transfer", response_model=TransferOut)
def transfer(case_id: int, body: Transfer, settings: SettingsDep,
             user: UserDep) -> dict[str, Any]:
    """Transfer (移送) a case to another agency: police → procuratorate → court; audited."""
    require_role(user, "clerk")
    try:
        return sharing.transfer_case(settings, user, case_id, body.agency, body.note)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc

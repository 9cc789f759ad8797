"""Sign-in and sign-out, case transfers (移送) between agencies and their revocation."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.auth import dummy_hash, issue_token, revoke_token, verify_password
from api.deps import SettingsDep, UserDep, bearer, require_role
from api.routes.schemas import LoginOut, LogoutOut, TransferOut
from models import audit
from models.db import session_scope
from models.schema import User
from models.settings import Settings
from services import sharing

router = APIRouter(prefix="/api/v1", tags=["access"])


class Login(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=1, max_length=1000)


class Revoke(BaseModel):
    reason: str | None = Field(None, max_length=500)


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


class SignInRefused(Exception):
    """A refused sign-in: ``status`` 401 (wrong name or password) or 429 (too many failures)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def sign_in(settings: Settings, limiter: RateLimiter, name: str, password: str,
            client: str) -> tuple[str, User]:
    """A new token for a name and password (the API's and the login page's one way in);
    failures are rate-limited per name and per client address and audited."""
    keys = [f"name:{name}", f"ip:{client}"]
    if any(limiter.blocked(k) for k in keys):
        raise SignInRefused(429, "登录失败次数过多，请一分钟后再试")
    with session_scope(settings.db_url) as s:
        user = s.execute(select(User).where(User.name == name)).scalar_one_or_none()
        # the password is checked against a hash even for an unknown name, so the answer takes
        # as long either way and does not tell which names exist
        stored = user.password_hash if user is not None and user.password_hash else None
        good = verify_password(stored or dummy_hash(), password) and stored is not None
        ok = good and user is not None and user.active
        audit.record(s, "login" if ok else "login.failed", user_id=user.id if user else None,
                     detail={"name": name})
        if not ok or user is None:
            for k in keys:
                limiter.fail(k)
            raise SignInRefused(401, "用户名或密码错误")
        token = issue_token(s, user, settings.token_ttl_hours)
        s.expunge(user)
        return token, user


@router.post("/login", response_model=LoginOut)
def login(body: Login, request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Exchange a name and password for a bearer token; failures are rate-limited."""
    try:
        token, user = sign_in(settings, request.app.state.login_limiter, body.name,
                              body.password, request.client.host if request.client else "?")
    except SignInRefused as exc:
        headers = {"Retry-After": "60"} if exc.status == 429 else None
        raise HTTPException(exc.status, exc.message, headers=headers) from exc
    return {"token": token, "user": user.name, "role": user.role,
            "expires_in_hours": settings.token_ttl_hours}


@contextlib.contextmanager
def _sharing_errors() -> Iterator[None]:
    """services.sharing's refusals as HTTP: invisible 404, not the owner 403, bad agency 422."""
    try:
        yield
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from exc
    except sharing.SharingDenied as exc:
        raise HTTPException(403, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.post("/cases/{case_id}/transfer", response_model=TransferOut)
def transfer(case_id: int, body: Transfer, settings: SettingsDep,
             user: UserDep) -> dict[str, Any]:
    """Transfer (移送) a case to another agency: police → procuratorate → court; audited."""
    require_role(user, "clerk")
    with _sharing_errors():
        return sharing.transfer_case(settings, user, case_id, body.agency, body.note)


@router.post("/cases/{case_id}/shares/{agency}/revoke", response_model=TransferOut)
def revoke_share(case_id: int, agency: str, settings: SettingsDep, user: UserDep,
                 body: Revoke | None = None) -> dict[str, Any]:
    """End another agency's access to a case (承办机关 only); audited, re-indexed at once."""
    require_role(user, "clerk")
    with _sharing_errors():
        return sharing.revoke(settings, user, case_id, agency, body.reason if body else None)


@router.post("/logout", response_model=LogoutOut)
def logout(settings: SettingsDep, user: UserDep,
           creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> dict[str, Any]:
    """Sign out: the bearer token is revoked at once (not merely forgotten by the client)."""
    assert creds is not None  # UserDep has checked it
    with session_scope(settings.db_url) as s:
        revoked = revoke_token(s, creds.credentials)
    return {"revoked": revoked}

"""User management for admins: create users of their agency, list them, deactivate them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.auth import AuthError, add_user, issue_token
from api.deps import SettingsDep, UserDep
from api.routes.schemas import UserCreated, UserDeactivated, UserOut
from models import audit
from models.db import session_scope
from models.schema import Agency, ApiToken, User

router = APIRouter(prefix="/api/v1", tags=["users"])


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    role: Literal["clerk", "prosecutor", "judge", "police", "justice", "oversight", "admin"]
    password: str | None = Field(None, min_length=8, max_length=1000)


def _admin(user: User) -> None:
    if user.role != "admin":
        raise HTTPException(403, "只有管理员可以管理用户")


@router.post("/users", status_code=201, response_model=UserCreated)
def create_user(body: NewUser, settings: SettingsDep, user: UserDep) -> dict[str, Any]:
    """Create a user in the admin's own agency; the token is shown once."""
    _admin(user)
    with session_scope(settings.db_url) as s:
        agency = s.get(Agency, user.agency_id)
        assert agency is not None
        try:
            new = add_user(s, body.name, body.role, agency.code, body.password)
        except AuthError as exc:  # names are sign-in identifiers, unique on the platform
            raise HTTPException(409, "该用户名不可用，请换一个（用户名在全平台唯一）") from exc
        audit.record(s, "user.create.api", user_id=user.id, object_type="user",
                     object_id=new.id, detail={"name": new.name, "role": new.role})
        return {"id": new.id, "name": new.name, "role": new.role, "agency": agency.code,
                "token": issue_token(s, new, settings.token_ttl_hours)}


@router.get("/users", response_model=list[UserOut])
def list_users(settings: SettingsDep, user: UserDep) -> list[dict[str, Any]]:
    _admin(user)
    with session_scope(settings.db_url) as s:
        rows = s.execute(select(User).where(User.agency_id == user.agency_id)
                         .order_by(User.id)).scalars()
        return [{"id": u.id, "name": u.name, "role": u.role, "active": u.active} for u in rows]


@router.post("/users/{user_id}/deactivate", response_model=UserDeactivated)
def deactivate(user_id: int, settings: SettingsDep, user: UserDep) -> dict[str, Any]:
    """A deactivated user's tokens stop working at once."""
    _admin(user)
    with session_scope(settings.db_url) as s:
        target = _agency_user(s, user, user_id)
        target.active = False
        audit.record(s, "user.deactivate", user_id=user.id, object_type="user",
                     object_id=user_id)
        return {"id": target.id, "name": target.name, "active": False}


def _agency_user(s: Any, admin: User, user_id: int) -> User:
    """A user of the admin's own agency; another agency's users do not exist for it."""
    target: User | None = s.get(User, user_id)
    if target is None or target.agency_id != admin.agency_id:
        raise HTTPException(404, f"用户 {user_id} 不存在")
    return target


def _end_sessions(s: Any, target: User) -> None:
    now = datetime.now(UTC)
    for t in s.execute(select(ApiToken).where(ApiToken.user_id == target.id,
                                              ApiToken.revoked_at.is_(None))).scalars():
        t.revoked_at = now


class NewPassword(BaseModel):
    password: str = Field(min_length=8, max_length=1000)


@router.post("/users/{user_id}/password", response_model=UserDeactivated)
def set_password(user_id: int, body: NewPassword, settings: SettingsDep,
                 user: UserDep) -> dict[str, Any]:
    """An admin sets a new password for a user of the agency (a forgotten one); the user's
    sessions end, so whoever held them must sign in again."""
    from api.auth import hash_password

    _admin(user)
    with session_scope(settings.db_url) as s:
        target = _agency_user(s, user, user_id)
        target.password_hash = hash_password(body.password)
        _end_sessions(s, target)
        audit.record(s, "user.password", user_id=user.id, object_type="user", object_id=user_id)
        return {"id": target.id, "name": target.name, "active": target.active}


@router.post("/users/{user_id}/activate", response_model=UserDeactivated)
def activate(user_id: int, settings: SettingsDep, user: UserDep) -> dict[str, Any]:
    """Undo a deactivation: the user signs in again (tokens from before are revoked)."""
    _admin(user)
    with session_scope(settings.db_url) as s:
        target = _agency_user(s, user, user_id)
        target.active = True
        _end_sessions(s, target)  # sessions from before the deactivation do not come back
        audit.record(s, "user.activate", user_id=user.id, object_type="user", object_id=user_id)
        return {"id": target.id, "name": target.name, "active": True}

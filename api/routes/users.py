"""User management for admins: create users of their agency, list them, deactivate them."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.auth import AuthError, add_user, issue_token
from api.deps import SettingsDep, UserDep
from api.routes.schemas import UserCreated, UserDeactivated, UserOut
from models import audit
from models.db import session_scope
from models.schema import Agency, User

router = APIRouter(prefix="/api/v1", tags=["users"])


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    role: Literal["clerk", "prosecutor", "judge", "police", "justice", "admin"]
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
        target = s.get(User, user_id)
        if target is None or target.agency_id != user.agency_id:
            raise HTTPException(404, f"用户 {user_id} 不存在")
        target.active = False
        audit.record(s, "user.deactivate", user_id=user.id, object_type="user",
                     object_id=user_id)
        return {"id": target.id, "name": target.name, "active": False}

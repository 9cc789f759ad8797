"""FastAPI dependencies: settings, the caller, and 404-not-403 access checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import user_for_token
from models import audit
from models.db import session_scope
from models.schema import Document, User
from models.settings import Settings, get_settings
from models.visibility import Access, case_access, case_visible

bearer = HTTPBearer(auto_error=False)


def settings_dep(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


SettingsDep = Annotated[Settings, Depends(settings_dep)]


def current_user(settings: SettingsDep,
                 creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> User:
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise HTTPException(401, "缺少访问令牌（Authorization: Bearer …）", headers={"WWW-Authenticate": "Bearer"})
    with session_scope(settings.db_url) as s:
        user = user_for_token(s, creds.credentials, renew_hours=settings.token_ttl_hours,
                              max_hours=settings.token_max_hours)
        if user is None:
            raise HTTPException(401, "访问令牌无效或已过期，请重新登录",
                                headers={"WWW-Authenticate": "Bearer"})
        s.expunge(user)
        return user


UserDep = Annotated[User, Depends(current_user)]


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles and user.role != "admin":
        raise HTTPException(403, f"角色「{user.role}」无权执行此操作（需要：{'或'.join(roles)}）")


def deny(settings: Settings, user: User, object_type: str, object_id: int,
         message: str) -> HTTPException:
    """A 404 for something the caller may not see (never revealing whether it exists), with
    the attempt written to the audit trail: a denied read is never silent."""
    with session_scope(settings.db_url) as s:
        audit.record(s, "access.denied", user_id=user.id, object_type=object_type,
                     object_id=object_id, detail={"agency_id": user.agency_id})
    return HTTPException(404, message)


def visible_document(settings: Settings, user: User, document_id: int,
                     for_task: int | None = None) -> Document:
    """The document if the caller may see it; 404 otherwise (never reveal that it exists).
    ``for_task``: the document is looked up for that task, and the refusal names the task only
    (it must not reveal which document a task belongs to)."""
    with session_scope(settings.db_url) as s:
        doc = s.get(Document, document_id)
        if doc is not None and case_visible(s, user, doc.case_id):
            s.expunge(doc)
            return doc
    if for_task is not None:
        raise deny(settings, user, "task", for_task, f"任务 {for_task} 不存在")
    raise deny(settings, user, "document", document_id, f"文书 {document_id} 不存在")


def visible_case(settings: Settings, user: User, case_id: int) -> None:
    """404 (audited) unless the caller may see the case."""
    with session_scope(settings.db_url) as s:
        if case_visible(s, user, case_id):
            return
    raise deny(settings, user, "case", case_id, f"案件 {case_id} 不存在")


def writable_document(settings: Settings, user: User, document_id: int) -> Document:
    """The document if the caller's agency may change it: its own case, or a case shared with
    write access by the business that handed it over. A read-only share is a 403 (the reader
    sees the dossier, so its existence is no secret); an invisible one a 404."""
    doc = visible_document(settings, user, document_id)
    with session_scope(settings.db_url) as s:
        access = case_access(s, user, doc.case_id)
    if access not in (Access.OWNER, Access.WRITE):
        raise HTTPException(403, "本机关对该案件只有阅读权限：移送来的卷宗不能修改，"
                                 "请联系承办机关")
    return doc

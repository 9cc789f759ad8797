"""The admin's page of the agency's users (Chinese): list, create with a password, set a new
password, deactivate and reactivate — the REST routes of api/routes/users.py behind forms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from api.deps import SettingsDep
from api.routes import users as routes_users
from api.web.pages import ROLE_NAMES, PageUser, _same_site_form, error_page, render

router = APIRouter(include_in_schema=False)


def _back(**params: str) -> RedirectResponse:
    from urllib.parse import urlencode

    return RedirectResponse("/admin/users?" + urlencode(params), status_code=303)


def _invalid(exc: ValidationError) -> str:
    return "；".join(("密码至少 8 个字符" if "password" in str(e.get("loc")) else
                     "用户名不能为空" if "name" in str(e.get("loc")) else "输入有误")
                    for e in exc.errors())


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, settings: SettingsDep, user: PageUser,
               msg: Annotated[str | None, Query(max_length=500)] = None,
               err: Annotated[str | None, Query(max_length=500)] = None) -> HTMLResponse:
    try:
        rows = routes_users.list_users(settings, user)
    except HTTPException as exc:
        return error_page(request, user, exc)
    return render(request, "admin_users.html", user, rows=rows, msg=msg, err=err,
                  roles=[r for r in ROLE_NAMES])


@router.post("/admin/users", response_model=None)
def create_form(request: Request, settings: SettingsDep, user: PageUser,
                name: Annotated[str, Form(max_length=120)] = "",
                role: Annotated[str, Form(max_length=20)] = "clerk",
                password: Annotated[str, Form(max_length=1000)] = "") -> Any:
    _same_site_form(request)
    try:
        body = routes_users.NewUser(name=name.strip(), role=role,
                                    password=password)
        created = routes_users.create_user(body, settings, user)
    except ValidationError as exc:
        return _back(err=_invalid(exc))
    except HTTPException as exc:
        if exc.status_code == 403:
            return error_page(request, user, exc)
        return _back(err=str(exc.detail))
    return _back(msg=f"已创建用户「{created['name']}」（{ROLE_NAMES.get(created['role'], '')}），"
                     "请把用户名和密码交给本人")


@router.post("/admin/users/{user_id}/{action}", response_model=None)
def user_action(request: Request, user_id: int, action: str, settings: SettingsDep,
                user: PageUser, password: Annotated[str, Form(max_length=1000)] = "") -> Any:
    _same_site_form(request)
    try:
        if action == "password":
            body = routes_users.NewPassword(password=password)
            done = routes_users.set_password(user_id, body, settings, user)
            return _back(msg=f"已为「{done['name']}」设置新密码，其原有登录已失效")
        if action == "deactivate":
            done = routes_users.deactivate(user_id, settings, user)
            return _back(msg=f"已停用「{done['name']}」")
        if action == "activate":
            done = routes_users.activate(user_id, settings, user)
            return _back(msg=f"已启用「{done['name']}」")
    except ValidationError as exc:
        return _back(err=_invalid(exc))
    except HTTPException as exc:
        return error_page(request, user, exc)
    return error_page(request, user, HTTPException(404, "未知的操作"))

"""Forms of a user's own notes, tags and saved searches (Chinese), and the page of one tag.

The forms post here, are checked to come from our own site, and go back to the page they came
from (a document, a case, the search page)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import SettingsDep
from api.routes.annotations import call
from api.web.pages import PageUser, _same_site_form, error_page, render
from services import annotations as notes

router = APIRouter(include_in_schema=False)
Kind = Literal["document", "case"]


def _object_page(kind: str, object_id: int, **params: str) -> RedirectResponse:
    base = f"/documents/{object_id}" if kind == "document" else f"/cases/{object_id}"
    query = urlencode({k: v for k, v in params.items() if v})
    return RedirectResponse(base + ("?" + query if query else "") + "#annotations",
                            status_code=303)


@router.post("/web/annotations/{kind}/{object_id}/notes", response_model=None)
def note_form(request: Request, kind: Kind, object_id: int, settings: SettingsDep,
              user: PageUser, text: Annotated[str, Form(max_length=notes.MAX_NOTE)] = ""
              ) -> RedirectResponse | HTMLResponse:
    _same_site_form(request)
    try:
        call(notes.add_note, settings, user, kind, object_id, text)
    except HTTPException as exc:
        if exc.status_code == 404:
            return error_page(request, user, exc)
        return _object_page(kind, object_id, note_err=str(exc.detail))
    return _object_page(kind, object_id)


@router.post("/web/notes/{note_id}/delete", response_model=None)
def note_delete(request: Request, note_id: int, settings: SettingsDep, user: PageUser,
                kind: Annotated[Kind, Form()], object_id: Annotated[int, Form()]
                ) -> RedirectResponse | HTMLResponse:
    _same_site_form(request)
    try:
        call(notes.delete_note, settings, user, note_id)
    except HTTPException as exc:
        return error_page(request, user, exc)
    return _object_page(kind, object_id)


@router.post("/web/annotations/{kind}/{object_id}/tags", response_model=None)
def tag_form(request: Request, kind: Kind, object_id: int, settings: SettingsDep,
             user: PageUser, tag: Annotated[str, Form(max_length=notes.MAX_TAG)] = "",
             remove: Annotated[bool, Form()] = False) -> RedirectResponse | HTMLResponse:
    _same_site_form(request)
    try:
        call(notes.remove_tag if remove else notes.add_tag, settings, user, kind, object_id, tag)
    except HTTPException as exc:
        if exc.status_code == 404:
            return error_page(request, user, exc)
        return _object_page(kind, object_id, note_err=str(exc.detail))
    return _object_page(kind, object_id)


@router.get("/tags/{tag}", response_class=HTMLResponse)
def tag_page(request: Request, tag: str, settings: SettingsDep, user: PageUser) -> HTMLResponse:
    items = notes.tagged(settings, user, tag[:notes.MAX_TAG])
    return render(request, "tag.html", user, tag=tag, items=items,
                  tags=notes.my_tags(settings, user))


@router.post("/web/saved-searches", response_model=None)
def save_form(request: Request, settings: SettingsDep, user: PageUser,
              name: Annotated[str, Form(max_length=100)] = "",
              query: Annotated[str, Form(max_length=3000)] = "") -> RedirectResponse:
    """Save the search page's current query and filters under a name."""
    from urllib.parse import parse_qsl

    _same_site_form(request)
    params = dict(parse_qsl(query))
    try:
        call(notes.save_search, settings, user, name, params)
    except HTTPException as exc:
        return RedirectResponse("/search?" + urlencode({**params, "saved_err": str(exc.detail)}),
                                status_code=303)
    return RedirectResponse("/search?" + urlencode({**params, "saved": name}), status_code=303)


@router.post("/web/saved-searches/{saved_id}/delete", response_model=None)
def saved_delete(request: Request, saved_id: int, settings: SettingsDep,
                 user: PageUser) -> RedirectResponse | HTMLResponse:
    _same_site_form(request)
    try:
        call(notes.delete_saved, settings, user, saved_id)
    except HTTPException as exc:
        return error_page(request, user, exc)
    return RedirectResponse("/search", status_code=303)

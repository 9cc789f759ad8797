"""A user's own notes and tags on documents and cases, and saved searches (REST).

Private to the caller; an object the caller may not see is a 404 like any read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, Field

from api.deps import SettingsDep, UserDep
from api.routes.workflow import Out
from services import annotations as notes

router = APIRouter(prefix="/api/v1", tags=["annotations"])
T = TypeVar("T")
Kind = Literal["document", "case"]


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return fn(*args, **kwargs)
    except notes.NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except notes.Invalid as exc:
        raise HTTPException(422, str(exc)) from exc


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=notes.MAX_NOTE)


class SavedIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    params: dict[str, str] = Field(description="q, charge, court, doc_type, year, group_by_case, sort")


class NoteOut(Out):
    id: int
    object_type: Kind
    object_id: int
    text: str
    created_at: str


class AnnotationsOut(Out):
    object_type: Kind
    object_id: int
    notes: list[NoteOut]
    tags: list[str]


class TagsOut(Out):
    tags: list[str]


class TagCountOut(Out):
    tag: str
    count: int


class TaggedOut(Out):
    object_type: Kind
    object_id: int
    title: str


class SavedOut(Out):
    id: int
    name: str
    params: dict[str, Any]
    created_at: str


class DeletedOut(Out):
    deleted: int


@router.get("/annotations/{kind}/{object_id}", response_model=AnnotationsOut)
def get_annotations(kind: Kind, object_id: int, settings: SettingsDep,
                    user: UserDep) -> dict[str, Any]:
    """The caller's notes and tags on one document or case."""
    return call(notes.of_object, settings, user, kind, object_id)


@router.post("/annotations/{kind}/{object_id}/notes", status_code=201, response_model=NoteOut)
def post_note(kind: Kind, object_id: int, body: NoteIn, settings: SettingsDep,
              user: UserDep) -> dict[str, Any]:
    return call(notes.add_note, settings, user, kind, object_id, body.text)


@router.delete("/notes/{note_id}", response_model=DeletedOut)
def delete_note(note_id: int, settings: SettingsDep, user: UserDep) -> dict[str, Any]:
    call(notes.delete_note, settings, user, note_id)
    return {"deleted": note_id}


TagPath = Annotated[str, Path(min_length=1, max_length=notes.MAX_TAG)]


@router.put("/annotations/{kind}/{object_id}/tags/{tag}", response_model=TagsOut)
def put_tag(kind: Kind, object_id: int, tag: TagPath, settings: SettingsDep,
            user: UserDep) -> dict[str, Any]:
    return {"tags": call(notes.add_tag, settings, user, kind, object_id, tag)}


@router.delete("/annotations/{kind}/{object_id}/tags/{tag}", response_model=TagsOut)
def delete_tag(kind: Kind, object_id: int, tag: TagPath, settings: SettingsDep,
               user: UserDep) -> dict[str, Any]:
    return {"tags": call(notes.remove_tag, settings, user, kind, object_id, tag)}


@router.get("/tags", response_model=list[TagCountOut])
def get_tags(settings: SettingsDep, user: UserDep) -> list[dict[str, Any]]:
    return notes.my_tags(settings, user)


@router.get("/tags/{tag}", response_model=list[TaggedOut])
def get_tagged(tag: TagPath, settings: SettingsDep, user: UserDep) -> list[dict[str, Any]]:
    """What the caller tagged ``tag`` and can still see."""
    return notes.tagged(settings, user, tag)


@router.get("/saved-searches", response_model=list[SavedOut])
def get_saved(settings: SettingsDep, user: UserDep) -> list[dict[str, Any]]:
    return notes.saved_searches(settings, user)


@router.post("/saved-searches", status_code=201, response_model=SavedOut)
def post_saved(body: SavedIn, settings: SettingsDep, user: UserDep) -> dict[str, Any]:
    """Name a search to run again; the same name replaces the earlier one."""
    return call(notes.save_search, settings, user, body.name, body.params)


@router.delete("/saved-searches/{saved_id}", response_model=DeletedOut)
def delete_saved(saved_id: int, settings: SettingsDep, user: UserDep) -> dict[str, Any]:
    call(notes.delete_saved, settings, user, saved_id)
    return {"deleted": saved_id}

"""A user's own working notes: notes and tags on documents and cases, and saved searches.

Private to their author (no colleague or other agency sees them), and only on what the author
may see: a note on a case the user cannot see is refused like any read (not found). They hold no
dossier content, so they are not audited as reads; adding and removing them are ordinary writes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models.db import session_scope
from models.schema import Case, Document, SavedSearch, User, UserNote, UserTag
from models.settings import Settings
from models.visibility import NotFound, case_access

KINDS = ("document", "case")
MAX_NOTE = 2000
MAX_TAG = 40
#: the search parameters a saved search keeps (those of the search page)
SEARCH_KEYS = ("q", "charge", "court", "doc_type", "year", "group_by_case", "sort",
               "date_from", "date_to", "court_level", "trial_stage", "article")


class Invalid(ValueError):
    """A note, tag or name that is empty or too long (a 422)."""


def _check(s: Session, user: User, kind: str, object_id: int) -> str:
    """The object's title when the user may see it; NotFound otherwise."""
    if kind not in KINDS:
        raise Invalid(f"只能给文书或案件加备注和标签（不是「{kind}」）")
    if kind == "document":
        doc = s.get(Document, object_id)
        if doc is None or case_access(s, user, doc.case_id) is None:
            raise NotFound(f"文书 {object_id} 不存在")
        return doc.filename
    case = s.get(Case, object_id)
    if case is None or case_access(s, user, object_id) is None:
        raise NotFound(f"案件 {object_id} 不存在")
    return case.case_number or f"案件 #{object_id}"


def _text(value: str, limit: int, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(f"{what}不能为空")
    if len(value) > limit:
        raise Invalid(f"{what}最多 {limit} 个字")
    return value


def _note_view(n: UserNote) -> dict[str, Any]:
    return {"id": n.id, "object_type": n.object_type, "object_id": n.object_id,
            "text": n.text, "created_at": n.created_at.isoformat()}


def of_object(settings: Settings, user: User, kind: str, object_id: int) -> dict[str, Any]:
    """The user's notes (newest first) and tags on one document or case."""
    with session_scope(settings.db_url) as s:
        _check(s, user, kind, object_id)
        notes = s.execute(select(UserNote).where(
            UserNote.user_id == user.id, UserNote.object_type == kind,
            UserNote.object_id == object_id).order_by(UserNote.id.desc())).scalars()
        tags = s.execute(select(UserTag.tag).where(
            UserTag.user_id == user.id, UserTag.object_type == kind,
            UserTag.object_id == object_id).order_by(UserTag.tag)).scalars()
        return {"object_type": kind, "object_id": object_id,
                "notes": [_note_view(n) for n in notes], "tags": list(tags)}


def add_note(settings: Settings, user: User, kind: str, object_id: int, text: str,
             now: datetime | None = None) -> dict[str, Any]:
    with session_scope(settings.db_url) as s:
        _check(s, user, kind, object_id)
        note = UserNote(user_id=user.id, object_type=kind, object_id=object_id,
                        text=_text(text, MAX_NOTE, "备注"), created_at=now or datetime.now(UTC))
        s.add(note)
        s.flush()
        return _note_view(note)


def delete_note(settings: Settings, user: User, note_id: int) -> None:
    with session_scope(settings.db_url) as s:
        note = s.get(UserNote, note_id)
        if note is None or note.user_id != user.id:
            raise NotFound(f"备注 {note_id} 不存在")
        s.delete(note)


def add_tag(settings: Settings, user: User, kind: str, object_id: int, tag: str) -> list[str]:
    with session_scope(settings.db_url) as s:
        _check(s, user, kind, object_id)
        tag = _text(tag, MAX_TAG, "标签")
        exists = s.execute(select(UserTag.id).where(
            UserTag.user_id == user.id, UserTag.object_type == kind,
            UserTag.object_id == object_id, UserTag.tag == tag)).scalar_one_or_none()
        if exists is None:
            s.add(UserTag(user_id=user.id, object_type=kind, object_id=object_id, tag=tag))
    return of_object(settings, user, kind, object_id)["tags"]


def remove_tag(settings: Settings, user: User, kind: str, object_id: int,
               tag: str) -> list[str]:
    with session_scope(settings.db_url) as s:
        _check(s, user, kind, object_id)
        s.execute(delete(UserTag).where(
            UserTag.user_id == user.id, UserTag.object_type == kind,
            UserTag.object_id == object_id, UserTag.tag == tag.strip()))
    return of_object(settings, user, kind, object_id)["tags"]


def my_tags(settings: Settings, user: User) -> list[dict[str, Any]]:
    """Every tag of the user with how many objects carry it."""
    with session_scope(settings.db_url) as s:
        rows = s.execute(select(UserTag.tag, func.count()).where(UserTag.user_id == user.id)
                         .group_by(UserTag.tag).order_by(UserTag.tag)).all()
        return [{"tag": t, "count": n} for t, n in rows]


def tagged(settings: Settings, user: User, tag: str) -> list[dict[str, Any]]:
    """The documents and cases the user tagged ``tag`` that the user can still see."""
    with session_scope(settings.db_url) as s:
        out = []
        for t in s.execute(select(UserTag).where(UserTag.user_id == user.id, UserTag.tag == tag)
                           .order_by(UserTag.object_type, UserTag.object_id)).scalars():
            try:
                title = _check(s, user, t.object_type, t.object_id)
            except NotFound:
                continue  # no longer visible (a share revoked): not shown, kept for the user
            out.append({"object_type": t.object_type, "object_id": t.object_id, "title": title})
        return out


def _saved_view(x: SavedSearch) -> dict[str, Any]:
    return {"id": x.id, "name": x.name, "params": x.params, "created_at": x.created_at.isoformat()}


def save_search(settings: Settings, user: User, name: str, params: dict[str, Any],
                now: datetime | None = None) -> dict[str, Any]:
    """Name a search (its query and filters); the same name again replaces it."""
    name = _text(name, 100, "名称")
    kept = {k: str(v)[:1000] for k, v in params.items() if k in SEARCH_KEYS and v not in (None, "")}
    with session_scope(settings.db_url) as s:
        row = s.execute(select(SavedSearch).where(SavedSearch.user_id == user.id,
                                                  SavedSearch.name == name)).scalar_one_or_none()
        if row is None:
            row = SavedSearch(user_id=user.id, name=name, params=kept,
                              created_at=now or datetime.now(UTC))
            s.add(row)
        else:
            row.params = kept
        s.flush()
        return _saved_view(row)


def saved_searches(settings: Settings, user: User) -> list[dict[str, Any]]:
    with session_scope(settings.db_url) as s:
        return [_saved_view(x) for x in s.execute(
            select(SavedSearch).where(SavedSearch.user_id == user.id)
            .order_by(SavedSearch.name)).scalars()]


def delete_saved(settings: Settings, user: User, saved_id: int) -> None:
    with session_scope(settings.db_url) as s:
        row = s.get(SavedSearch, saved_id)
        if row is None or row.user_id != user.id:
            raise NotFound(f"保存的检索 {saved_id} 不存在")
        s.delete(row)

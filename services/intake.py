"""Accepting an upload: check it, store the original once, record it, queue its processing.

Checks happen before anything is written, so a rejected file leaves the data pool untouched.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import audit
from models.blob_store import open_blob_store
from models.db import session_scope
from models.schema import Case, Document, Task, TaskState, User
from models.settings import Settings
from services import case_identity

log = logging.getLogger(__name__)

MAX_CASE_NUMBER = case_identity.MAX_CASE_NUMBER  # a longer "case number" is not one


class UploadRejected(ValueError):
    """A file that cannot be accepted; ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class Inspection:
    mime: str
    page_count: int


@dataclass
class Accepted:
    document_id: int
    task_id: int
    case_id: int
    duplicate: bool


def inspect(data: bytes, filename: str | None, settings: Settings) -> Inspection:
    """Sniff the type from the bytes and open the file fully enough to know it is sound."""
    from ocr import errors
    from ocr.document import open_document
    from ocr.sniff import sniff

    if len(data) > settings.max_upload_mb * 1024 * 1024:
        raise UploadRejected(413, f"文件超过 {settings.max_upload_mb} MB 的上限")
    try:
        mime = sniff(data, filename)
        with open_document(data, mime, max_pages=settings.max_pages,
                           max_pixels=settings.max_image_pixels) as doc:
            return Inspection(mime=mime, page_count=doc.page_count)
    except errors.UnsupportedType as exc:
        raise UploadRejected(415, str(exc)) from exc
    except errors.TooLarge as exc:
        raise UploadRejected(413, str(exc)) from exc
    except errors.InputError as exc:
        raise UploadRejected(422, str(exc)) from exc


def accept(settings: Settings, user: User, data: bytes, filename: str,
           case_number: str | None, *, into_case: int | None = None) -> Accepted:
    """Store and record an upload; the same bytes in the same case are one document.

    ``into_case`` adds it to that case instead (a case handed to the user's agency with write
    access: the caller has checked that); otherwise the case is the agency's case of
    ``case_number`` in any spelling (（2015）…字第26号 is (2015)…26号), made when new; without a
    number a provisional case of its own, which processing settles by the extracted 案号
    (`services.case_identity.settle`)."""
    case_number = (case_number or "").strip() or None
    if case_number is not None and (len(case_number) > MAX_CASE_NUMBER
                                    or not case_number.isprintable()):
        raise UploadRejected(422, f"案号无效：最多 {MAX_CASE_NUMBER} 个可打印字符")
    info = inspect(data, filename, settings)
    digest = open_blob_store(settings).put(data)
    safe_name = _display_name(filename)
    for attempt in range(3):  # a concurrent upload may create the same case/document first
        try:
            return _record(settings, user, digest, len(data), safe_name, info, case_number,
                           into_case)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _serialise(s: Session, agency_id: int, digest: str) -> None:
    """Make "is this file here already?" and "store it" one step for one agency's copies of one
    file: without a case number no unique key catches two concurrent uploads of it."""
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"{agency_id}:{digest}".encode()).digest()[:8],
                             "big", signed=True)
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
    elif dialect == "sqlite":  # take the single writer's lock before reading
        s.execute(text("UPDATE cases SET id = id WHERE 0"))


def _record(settings: Settings, user: User, digest: str, size: int, filename: str,
            info: Inspection, case_number: str | None, into_case: int | None) -> Accepted:
    with session_scope(settings.db_url) as s:
        _serialise(s, user.agency_id, digest)
        case: Case | None = None
        if into_case is not None:
            case = s.get(Case, into_case)
            if case is None:
                raise LookupError(f"case {into_case} not found")
        elif case_number:  # the agency's case of this number in any spelling (case_identity)
            case_identity.lock_number(s, user.agency_id, case_number)
            case = case_identity.find_case(s, user.agency_id, case_number)
        existing = s.execute(
            select(Document).join(Case).where(
                Document.sha256 == digest,
                *([Case.id == case.id] if case else [Case.agency_id == user.agency_id]))
            .order_by(Document.id)).scalars().first()
        if existing is not None and case is None and case_number:
            case = _number_provisional(s, user, existing, case_number)
        if existing is not None and (case is not None or not case_number):
            task = s.execute(select(Task).where(Task.document_id == existing.id)
                             .order_by(Task.id.desc())).scalars().first()
            assert task is not None
            return Accepted(existing.id, task.id, existing.case_id, duplicate=True)
        if case is None:
            case = Case(case_number=case_number, agency_id=user.agency_id)
            s.add(case)
            s.flush()
            audit.record(s, "case.create", user_id=user.id, object_type="case", object_id=case.id,
                         detail={"case_number": case_number})
        doc = Document(case_id=case.id, filename=filename, sha256=digest, mime=info.mime,
                       size=size, page_count=info.page_count, uploaded_by=user.id)
        s.add(doc)
        s.flush()
        task = Task(document_id=doc.id, state=TaskState.pending, pages_total=info.page_count)
        s.add(task)
        s.flush()
        audit.record(s, "document.upload", user_id=user.id, object_type="document",
                     object_id=doc.id, detail={"sha256": digest, "filename": filename,
                                               "mime": info.mime, "case_id": case.id,
                                               "shared_case": case.agency_id != user.agency_id})
        return Accepted(doc.id, task.id, case.id, duplicate=False)


def _number_provisional(s: Session, user: User, existing: Document, case_number: str
                        ) -> Case | None:
    """These bytes wait in a provisional case (uploaded without a number) and now come with
    one that no case has: that case takes the number, and the upload is the same document,
    not a second case of one file. None when the file's case has a number of its own."""
    home = s.execute(select(Case).where(Case.id == existing.case_id).with_for_update()
                     ).scalar_one()
    if home.case_number:
        return None
    home.case_number = case_number
    audit.record(s, "case.number", user_id=user.id, object_type="case", object_id=home.id,
                 detail={"case_number": case_number, "document_id": existing.id,
                         "source": "upload"})
    return home


def _display_name(filename: str | None) -> str:
    """Keep the base name for display only; it is never used as a path."""
    name = (filename or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "upload"
    return name[:300]


def retry(settings: Settings, user: User, document_id: int) -> int:
    """A new task for a document whose processing failed (or is to be redone); the caller
    queues it (`workers.queue.submit`)."""
    with session_scope(settings.db_url) as s:
        doc = s.get(Document, document_id)
        if doc is None:
            raise LookupError(document_id)
        task = Task(document_id=doc.id, state=TaskState.pending, pages_total=doc.page_count)
        s.add(task)
        s.flush()
        audit.record(s, "document.retry", user_id=user.id, object_type="document",
                     object_id=doc.id, detail={"task_id": task.id})
        return int(task.id)

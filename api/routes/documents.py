"""Uploads, documents, pages, originals and task progress."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import select

from api.deps import SettingsDep, UserDep, require_role, visible_document, writable_document
from api.routes.schemas import (
    DocumentOut,
    DocumentTablesOut,
    PageOut,
    RetryAccepted,
    TaskOut,
    UploadAccepted,
)
from models import audit
from models.blob_store import open_blob_store
from models.db import session_scope
from models.schema import Case, EvidenceItem, FieldValue, IndexOutbox, Page, Task
from models.settings import Settings
from ocr.tables import find_tables, join_pages
from services import intake
from workers import queue

router = APIRouter(prefix="/api/v1", tags=["documents"])

#: OpenAPI content of a route that answers bytes, not JSON
BINARY: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}


def task_dict(task: Task, stale_after_s: int) -> dict[str, Any]:
    """The task row as the API shows it. ``stale``: a running task whose worker has not beaten
    for DOSSIER_STALE_AFTER_S — presumed lost; a sweeper sends it again (a killed worker's task
    used to show plain "running" for minutes)."""
    from datetime import UTC, datetime

    hb = task.heartbeat_at
    if hb is not None and hb.tzinfo is None:
        hb = hb.replace(tzinfo=UTC)
    age = round((datetime.now(UTC) - hb).total_seconds(), 1) if hb else None
    return {"task_id": task.id, "document_id": task.document_id, "state": task.state,
            "stage": task.stage, "pages_done": task.pages_done, "pages_total": task.pages_total,
            "error": task.error, "attempts": task.attempts,
            "heartbeat_at": hb.isoformat() if hb else None, "heartbeat_age_s": age,
            "stale": task.state == "running" and age is not None and age > stale_after_s}


async def read_upload(file: UploadFile, settings: Settings) -> bytes:
    """The uploaded file's bytes, refused when empty or over the upload limit (BodyGuard has cut
    an oversized body already; this names the file's own limit)."""
    limit = settings.max_upload_mb * 1024 * 1024
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"文件超过 {settings.max_upload_mb} MB 上限")
    if not data:
        raise HTTPException(422, "文件为空：请选择要上传的扫描件、PDF 或文本")
    return data


@router.post("/documents", status_code=202, response_model=UploadAccepted)
async def upload(settings: SettingsDep, user: UserDep,
                 file: Annotated[UploadFile, File(description="PDF, PNG, JPEG, TIFF, OFD, DOCX or UTF-8 text")],
                 case_number: Annotated[str | None, Form()] = None) -> dict[str, Any]:
    """Accept a file for processing; 202 with the document and the task that tracks it."""
    require_role(user, "clerk", "police")  # the police open the dossier
    data = await read_upload(file, settings)
    try:
        acc = await run_in_threadpool(intake.accept, settings, user, data,
                                      file.filename or "upload", case_number)
    except intake.UploadRejected as exc:
        raise HTTPException(exc.status, exc.reason) from exc
    if not acc.duplicate:
        await run_in_threadpool(queue.submit, settings, acc.task_id)
    return {"document_id": acc.document_id, "task_id": acc.task_id, "case_id": acc.case_id,
            "duplicate": acc.duplicate}


@router.get("/tasks/{task_id}", response_model=TaskOut)
def get_task(task_id: int, settings: SettingsDep, user: UserDep) -> dict[str, Any]:
    with session_scope(settings.db_url) as s:
        task = s.get(Task, task_id)
        doc_id = task.document_id if task else None
    if task is None or doc_id is None:
        raise HTTPException(404, f"任务 {task_id} 不存在")
    visible_document(settings, user, doc_id, for_task=task_id)
    with session_scope(settings.db_url) as s:
        audit.record(s, "task.read", user_id=user.id, object_type="task", object_id=task_id,
                     detail={"document_id": doc_id})
    return task_dict(task, settings.stale_after_s)


@router.get("/documents/{document_id}", response_model=DocumentOut)
def get_document(document_id: int, settings: SettingsDep, user: UserDep) -> dict[str, Any]:
    doc = visible_document(settings, user, document_id)
    with session_scope(settings.db_url) as s:
        case = s.get(Case, doc.case_id)
        task = s.execute(select(Task).where(Task.document_id == doc.id)
                         .order_by(Task.id.desc())).scalars().first()
        prov: dict[str, Any] = {}
        for fv in s.execute(select(FieldValue).where(FieldValue.document_id == doc.id)
                            .order_by(FieldValue.corrected)).scalars():
            prov[fv.path] = {"page": fv.page, "start": fv.start, "end": fv.end,
                             "confidence": fv.confidence, "extractor": fv.extractor,
                             "corrected": fv.corrected}
        evidence = [{"position": e.position, "kind": e.kind, "text": e.text, "page": e.page}
                    for e in s.execute(select(EvidenceItem).where(EvidenceItem.document_id == doc.id)
                                       .order_by(EvidenceItem.position)).scalars()]
        audit.record(s, "document.read", user_id=user.id, object_type="document",
                     object_id=doc.id)
        # parked in the index outbox (the search engine was down): stored, not yet searchable
        parked = s.execute(select(IndexOutbox.id).where(IndexOutbox.document_id == doc.id)
                           ).first() is not None
    return {
        "id": doc.id, "case_id": doc.case_id, "case_number": case.case_number if case else None,
        "filename": doc.filename, "mime": doc.mime, "size": doc.size, "sha256": doc.sha256,
        "status": doc.status, "error": doc.error, "doc_type": doc.doc_type,
        "doc_type_confidence": doc.doc_type_confidence, "page_count": doc.page_count,
        "created_at": doc.created_at.isoformat(), "fields": doc.fields or {},
        "provenance": prov, "evidence": evidence, "task": task_dict(task, settings.stale_after_s) if task else None,
        "searchable": doc.status == "processed" and not parked,
    }


@router.get("/documents/{document_id}/pages/{number}", response_model=PageOut)
def get_page(document_id: int, number: int, settings: SettingsDep,
             user: UserDep) -> dict[str, Any]:
    doc = visible_document(settings, user, document_id)
    with session_scope(settings.db_url) as s:
        page = s.execute(select(Page).where(Page.document_id == doc.id, Page.number == number)
                         ).scalar_one_or_none()
        if page is None:
            raise HTTPException(404, f"文书 {document_id} 没有第 {number} 页"
                                + ("（尚未处理完毕）" if 1 <= number <= doc.page_count else ""))
        audit.record(s, "page.read", user_id=user.id, object_type="document", object_id=doc.id,
                     detail={"page": number})
        return {"document_id": doc.id, "number": page.number, "text": page.text,
                "lines": page.lines, "method": page.method, "engine": page.engine,
                "width": page.width, "height": page.height, "confidence": page.confidence,
                "flags": page.flags, "marks": page.marks or [],
                "tables": _page_tables(s, doc.id, page)}


def _page_tables(s: Any, document_id: int, page: Page) -> list[dict[str, Any]]:
    """The page's tables, each saying whether it continues from the page before or on the
    next (``ocr.tables.join_pages`` over this page and its neighbours)."""
    around = [(n, lines or [], rules or None) for n, lines, rules in s.execute(
        select(Page.number, Page.lines, Page.rules).where(Page.document_id == document_id,
                                              Page.number.between(page.number - 1,
                                                                  page.number + 1))
        .order_by(Page.number))]
    joined = join_pages(around)
    out = []
    for t in find_tables(page.lines or [], rules=page.rules or None):
        d = t.to_dict()
        for dt in joined:
            at = [k for k, (n, b) in enumerate(zip(dt.pages, dt.boxes, strict=True))
                  if n == page.number and b == t.box]
            if at:
                d["continues_from"] = dt.pages[at[0] - 1] if at[0] > 0 else None
                d["continues_on"] = dt.pages[at[0] + 1] if at[0] + 1 < len(dt.pages) else None
        out.append(d)
    return out


@router.get("/documents/{document_id}/tables", response_model=DocumentTablesOut)
def get_tables(document_id: int, settings: SettingsDep, user: UserDep) -> dict[str, Any]:
    """The document's tables in page order, rows and cells, merged cells as spans; a table
    that runs over pages is one table with its ``pages`` (``ocr.tables.join_pages``)."""
    doc = visible_document(settings, user, document_id)
    with session_scope(settings.db_url) as s:
        pages = [(n, lines or [], rules or None) for n, lines, rules in s.execute(
            select(Page.number, Page.lines, Page.rules).where(Page.document_id == doc.id)
            .order_by(Page.number))]
        audit.record(s, "document.read", user_id=user.id, object_type="document",
                     object_id=doc.id, detail={"tables": True})
    return {"document_id": doc.id, "tables": [t.to_dict() for t in join_pages(pages)]}


@router.get("/documents/{document_id}/file", response_class=Response,
            responses={200: {"description": "the original bytes, as uploaded",
                             "content": {"application/octet-stream": BINARY}}})
def get_file(document_id: int, settings: SettingsDep, user: UserDep) -> Response:
    doc = visible_document(settings, user, document_id)
    data = open_blob_store(settings).get(doc.sha256)  # a failure: api.app's blob handlers
    with session_scope(settings.db_url) as s:
        audit.record(s, "document.download", user_id=user.id, object_type="document",
                     object_id=doc.id)
    return Response(data, media_type=doc.mime, headers={
        "Content-Disposition": f"attachment; filename=\"document-{doc.id}\"; "
                               f"filename*=UTF-8''{quote(doc.filename, safe='')}",
        "X-Content-SHA256": doc.sha256})


@router.get("/documents/{document_id}/searchable.pdf", response_class=Response,
            responses={200: {"description": "a PDF: page images, recognised text invisible on top",
                             "content": {"application/pdf": BINARY}}})
def get_searchable_pdf(document_id: int, settings: SettingsDep, user: UserDep) -> Response:
    """The scan as a searchable PDF: page images with the recognised text invisible on top."""
    from services.exports import NoPageImages, searchable_pdf

    doc = visible_document(settings, user, document_id)
    if doc.status != "processed":
        raise HTTPException(409, f"文书 {document_id} 尚未处理完毕（{doc.status}）")
    try:
        pdf = searchable_pdf(settings, doc.id)
    except NoPageImages as exc:
        raise HTTPException(409, str(exc)) from exc
    with session_scope(settings.db_url) as s:
        audit.record(s, "document.download", user_id=user.id, object_type="document",
                     object_id=doc.id, detail={"variant": "searchable.pdf"})
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"document-{doc.id}-searchable.pdf\""})


@router.post("/documents/{document_id}/retry", status_code=202, response_model=RetryAccepted)
def retry(document_id: int, settings: SettingsDep, user: UserDep) -> dict[str, Any]:
    """Process a document again (after a failure); the original is reused, nothing re-uploaded."""
    require_role(user, "clerk", "police")
    doc = writable_document(settings, user, document_id)
    with session_scope(settings.db_url) as s:
        busy = s.execute(select(Task).where(Task.document_id == doc.id,
                                            Task.state.in_(("pending", "running")))).first()
    if busy:
        raise HTTPException(409, "该文书正在处理中")
    task_id = intake.retry(settings, user, doc.id)
    queue.submit(settings, task_id)
    return {"document_id": doc.id, "task_id": task_id}

"""The stages of processing one document, as plain functions the stage runner calls.

Each stage reads what the previous one stored, writes its own rows keyed so that a re-run
replaces them, and updates the Task row. Stages never call each other: the worker chains them
(`workers.runner` for Celery tasks and for `dossier ingest --inline` alike).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from models.blob_store import open_blob_store
from models.db import session_scope
from models.records import PageResult
from models.schema import CaseVector, Document, Page, Task
from models.settings import Settings
from services import case_identity, engines, indexing, records
from services.indexing import page_texts
from services.progress import heartbeat

log = logging.getLogger(__name__)

STAGES = ("ocr", "extract", "index", "embed")


def _task_doc(settings: Settings, task_id: int) -> tuple[int, str, str]:
    with session_scope(settings.db_url) as s:
        task = s.get(Task, task_id)
        if task is None:
            raise LookupError(f"task {task_id} does not exist")
        doc = s.get(Document, task.document_id)
        assert doc is not None
        return doc.id, doc.sha256, doc.mime


def open_source(settings: Settings, task_id: int) -> tuple[int, Any]:
    """The task's document id and its original opened for reading pages."""
    from ocr.document import open_document

    doc_id, digest, mime = _task_doc(settings, task_id)
    data = open_blob_store(settings).get(digest)
    return doc_id, open_document(data, mime, max_pages=settings.max_pages,
                                 max_pixels=settings.max_image_pixels, decode_all=False)


def ocr_plan(settings: Settings, task_id: int, src: Any) -> list[int]:
    """Record the page count and return the pages not yet stored (a re-run resumes there)."""
    doc_id = _task_doc(settings, task_id)[0]
    total = src.page_count
    with session_scope(settings.db_url) as s:
        s.execute(delete(Page).where(Page.document_id == doc_id, Page.number > total))
        done = set(s.execute(select(Page.number).where(Page.document_id == doc_id)).scalars())
        doc = s.get(Document, doc_id)
        assert doc is not None
        doc.page_count = total
    heartbeat(settings.db_url, task_id, pages_done=len(done), pages_total=total)
    return [n for n in range(1, total + 1) if n not in done]


def ocr_page(settings: Settings, task_id: int, number: int, src: Any = None) -> int:
    """Read and store one page; returns how many pages of the document are stored now."""
    if src is None:
        doc_id, src = open_source(settings, task_id)
        with src:
            page = src.read_page(number, lambda: engines.ocr_engine(settings))
    else:
        doc_id = _task_doc(settings, task_id)[0]
        page = src.read_page(number, lambda: engines.ocr_engine(settings))
    _store_page(settings, doc_id, page)
    with session_scope(settings.db_url) as s:
        stored = s.execute(select(func.count()).select_from(Page)
                           .where(Page.document_id == doc_id)).scalar_one()
    heartbeat(settings.db_url, task_id, pages_done=stored)
    return int(stored)


def run_ocr(settings: Settings, task_id: int,
            progress: Callable[[int, int], None] | None = None) -> None:
    """Text of every page in this process: text layer where real, PP-OCR otherwise."""
    _, src = open_source(settings, task_id)
    with src:
        for n in ocr_plan(settings, task_id, src):
            stored = ocr_page(settings, task_id, n, src)
            if progress:
                progress(stored, src.page_count)


def _store_page(settings: Settings, doc_id: int, page: PageResult) -> None:
    with session_scope(settings.db_url) as s:
        s.execute(delete(Page).where(Page.document_id == doc_id, Page.number == page.number))
        s.add(Page(document_id=doc_id, number=page.number, text=page.text,
                   lines=[{"text": ln.text, "box": list(ln.box), "confidence": ln.confidence,
                           **({"handwritten": True} if ln.handwritten else {})}
                          for ln in page.lines],
                   method=page.method, engine=page.engine, width=page.width,
                   height=page.height, confidence=page.confidence, flags=list(page.flags),
                   marks=list(page.marks), rules=list(page.rules)))


def run_extract(settings: Settings, task_id: int) -> None:
    """Structured fields with provenance; clerks' corrections survive and win. An upload of
    several documents gets the kind of each page range (``fields["parts"]``) and the fields of
    its leading document."""
    from extraction.multidoc import extract_upload

    doc_id, _, _ = _task_doc(settings, task_id)
    extractor = engines.extractor(settings)
    result = extract_upload(extractor, page_texts(settings, doc_id))
    records.store_extraction(settings, doc_id, result, extractor.name)
    settle_case(settings, doc_id)


def settle_case(settings: Settings, doc_id: int) -> None:
    """A document uploaded without a case number joins the case of its extracted 案号, or its
    provisional case takes the number (`services.case_identity.settle`). Runs before the index
    and embed stages, which then write the search record and the vector under the case it is
    in."""
    settled = case_identity.settle(settings, doc_id)
    if settled is not None and settled.removed is not None:
        log.info("document %s joined case %s (provisional case %s removed)", doc_id,
                 settled.case_id, settled.removed)


def run_index(settings: Settings, task_id: int) -> None:
    indexing.index_document(settings, _task_doc(settings, task_id)[0])


def case_text(fields: dict[str, Any], facts: str, pages: list[str]) -> str:
    """What a case is compared on: charges first (short, decisive), then the facts."""
    charges = sorted({c for d in fields.get("defendants") or [] for c in d.get("charges") or []})
    body = facts or "\n".join(pages)
    return ("；".join(charges) + "\n" + body).strip()


def run_embed(settings: Settings, task_id: int) -> None:
    """Embed the case facts so the case is a neighbour for similar-case search at once."""
    import numpy as np

    doc_id, _, _ = _task_doc(settings, task_id)
    with session_scope(settings.db_url) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        case_id, facts, fields = doc.case_id, doc.facts or "", doc.fields or {}
        current = s.get(CaseVector, case_id)
        if current is not None and current.document_id != doc_id and not facts:
            return  # another document of the case already describes its facts better
    text = case_text(fields, facts, [] if facts else page_texts(settings, doc_id))
    if not text:
        return
    embedder = engines.embedder(settings)
    vec = np.asarray(embedder.embed_passages([text])[0], dtype=np.float32)
    for attempt in range(2):  # two documents of one case may create its row at once
        try:
            with session_scope(settings.db_url) as s:
                row = s.get(CaseVector, case_id)
                if row is None:
                    row = CaseVector(case_id=case_id)
                    s.add(row)
                row.document_id = doc_id
                row.model = embedder.name
                row.dim = int(vec.shape[0])
                row.vector = vec.tobytes()
            break
        except IntegrityError:
            if attempt:
                raise
    indexing.push_case_vector(settings, doc_id, case_id, vec)


def finish(settings: Settings, task_id: int) -> None:
    """Once the document is processed (its row no longer changes): store its case's comparison
    features, so that a cold comparison reads them instead of computing them."""
    from services import similar  # (lazy: it loads the similarity stage)

    doc_id, _, _ = _task_doc(settings, task_id)
    with session_scope(settings.db_url) as s:
        doc = s.get(Document, doc_id)
        case_id = doc.case_id if doc is not None else None
    if case_id is not None:
        similar.store_features(settings, [case_id])


Progress = Callable[[int, int], None]


def run(settings: Settings, task_id: int, stage: str, progress: Progress | None = None) -> None:
    """Run one stage of a task (``progress(done, total)`` follows the OCR of the pages)."""
    if stage == "ocr":
        run_ocr(settings, task_id, progress)
    else:
        STAGE_FUNCS[stage](settings, task_id)


STAGE_FUNCS: dict[str, Callable[[Settings, int], None]] = {
    "ocr": run_ocr, "extract": run_extract, "index": run_index, "embed": run_embed}

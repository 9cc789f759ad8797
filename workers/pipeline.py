"""The stages of processing one document, as plain functions the Celery tasks call.

Each stage reads what the previous one stored, writes its own rows keyed so that a re-run
replaces them, and updates the Task row. Stages never call each other: the worker chains them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, select

from models.blobs import BlobStore
from models.db import session_scope
from models.records import Extracted, PageResult
from models.schema import (
    Agency,
    Case,
    CaseShare,
    CaseVector,
    Charge,
    Document,
    FieldValue,
    Page,
    Party,
    Sentence,
    Task,
)
from models.settings import Settings
from workers import engines
from workers.fields import apply_corrections, get_path
from workers.progress import Heartbeat, heartbeat

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
    data = BlobStore(settings.blob_dir).get(digest)
    return doc_id, open_document(data, mime, max_pages=settings.max_pages,
                                 max_pixels=settings.max_image_pixels)


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
                   lines=[{"text": ln.text, "box": list(ln.box), "confidence": ln.confidence}
                          for ln in page.lines],
                   method=page.method, engine=page.engine, width=page.width,
                   height=page.height, confidence=page.confidence, flags=list(page.flags)))


def page_texts(settings: Settings, doc_id: int) -> list[str]:
    with session_scope(settings.db_url) as s:
        rows = s.execute(select(Page.text).where(Page.document_id == doc_id)
                         .order_by(Page.number)).scalars()
        return list(rows)


def run_extract(settings: Settings, task_id: int) -> None:
    """Structured fields with provenance; clerks' corrections survive and win. An upload of
    several documents gets the kind of each page range (``fields["parts"]``) and the fields of
    its leading document."""
    from extraction.multidoc import extract_upload

    doc_id, _, _ = _task_doc(settings, task_id)
    result = extract_upload(engines.extractor(settings), page_texts(settings, doc_id))
    store_extraction(settings, doc_id, result)


def store_extraction(settings: Settings, doc_id: int, result: Extracted) -> None:
    name = engines.extractor(settings).name
    with session_scope(settings.db_url) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        s.execute(delete(FieldValue).where(FieldValue.document_id == doc_id,
                                           FieldValue.corrected.is_(False)))
        for path, prov in result.provenance.items():
            s.add(FieldValue(document_id=doc_id, path=path, value=get_path(result.fields, path),
                             page=prov.page, start=prov.start, end=prov.end,
                             confidence=prov.confidence, extractor=prov.extractor))
        corrections = s.execute(select(FieldValue).where(
            FieldValue.document_id == doc_id, FieldValue.corrected.is_(True))).scalars().all()
        corrected = {c.path: c.value for c in corrections}
        fields = apply_corrections(result.fields, corrected)
        doc.fields = fields
        doc.facts = result.facts
        doc.doc_type = result.doc_kind or fields.get("doc_type")
        doc.doc_type_confidence = result.doc_type_confidence
        if "doc_type" in corrected:  # a clerk's type wins, as the kind its title names
            from extraction.classify import kind_of_title

            doc.doc_type = kind_of_title(fields.get("doc_type")) or fields.get("doc_type")
            doc.doc_type_confidence = 1.0
        doc.court = fields.get("court") or fields.get("procuratorate")
        doc.decision_date = fields.get("judgment_date")
        _replace_parties(s, doc, fields, name, result.evidence)
        case = s.get(Case, doc.case_id)
        number = fields.get("case_number")
        if case is not None and not case.case_number and number:
            taken = s.execute(select(Case.id).where(Case.agency_id == case.agency_id,
                                                    Case.case_number == number)).first()
            if not taken:
                case.case_number = number


def _replace_parties(s: Any, doc: Document, fields: dict[str, Any], extractor: str,
                     evidence: list[dict[str, Any]] | None = None) -> None:
    """Rewrite the Party/Charge/Sentence rows from ``fields``; also the EvidenceItem rows when
    ``evidence`` is given (a correction of a field leaves the evidence list as it is)."""
    from models.schema import EvidenceItem

    s.execute(delete(Charge).where(Charge.document_id == doc.id))
    s.execute(delete(Sentence).where(Sentence.document_id == doc.id))
    s.execute(delete(Party).where(Party.document_id == doc.id))
    if evidence is not None:
        s.execute(delete(EvidenceItem).where(EvidenceItem.document_id == doc.id))
    s.flush()
    for i, d in enumerate(fields.get("defendants") or []):
        party = Party(document_id=doc.id, case_id=doc.case_id, role="defendant", position=i,
                      name=(d.get("name") or "")[:120], gender=d.get("gender"),
                      birth_date=d.get("birth_date"), ethnicity=d.get("ethnicity"))
        s.add(party)
        s.flush()
        for c in d.get("charges") or []:
            s.add(Charge(document_id=doc.id, party_id=party.id, name=c))
        sen = d.get("sentence") or {}
        if any(sen.get(k) for k in ("principal", "term_months", "fine_yuan", "confiscation")):
            s.add(Sentence(document_id=doc.id, party_id=party.id, principal=sen.get("principal"),
                           term_months=sen.get("term_months"),
                           probation_months=sen.get("probation_months"),
                           fine_yuan=sen.get("fine_yuan"),
                           confiscation=bool(sen.get("confiscation"))))
    for role, key in (("victim", "victims"), ("counsel", "defense_counsel")):
        for i, name in enumerate(fields.get(key) or []):
            s.add(Party(document_id=doc.id, case_id=doc.case_id, role=role, position=i,
                        name=name[:120]))
    for i, item in enumerate(evidence or []):
        s.add(EvidenceItem(document_id=doc.id, position=i, kind=item.get("kind"),
                           text=item.get("text") or "", page=item.get("page")))


def index_doc(settings: Settings, doc_id: int) -> Any:
    """The search record of a document, built from the data pool."""
    from search.base import IndexDoc

    with session_scope(settings.db_url) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        case = s.get(Case, doc.case_id)
        assert case is not None
        agency = s.get(Agency, case.agency_id)
        shared = s.execute(select(Agency.code).join(CaseShare, CaseShare.agency_id == Agency.id)
                           .where(CaseShare.case_id == case.id)).scalars().all()
        fields = doc.fields or {}
        charges = sorted({c for d in fields.get("defendants") or [] for c in d.get("charges") or []})
        parties = [p for p in s.execute(select(Party.name).where(Party.document_id == doc_id))
                   .scalars() if p]
        return IndexDoc(
            document_id=doc.id, case_id=case.id, case_number=case.case_number,
            filename=doc.filename, doc_type=doc.doc_type, court=doc.court,
            agency=agency.code if agency else None, shared_with=list(shared), charges=charges,
            date=doc.decision_date, pages=page_texts(settings, doc_id), parties=parties)


def run_index(settings: Settings, task_id: int) -> None:
    index_document(settings, _task_doc(settings, task_id)[0])


def index_document(settings: Settings, doc_id: int) -> None:
    """Index a document; when the engine is down, park it in the outbox and go on."""
    from search.base import SearchUnavailable
    from workers import outbox

    try:
        engines.search_backend(settings).index(index_doc(settings, doc_id))
    except SearchUnavailable as exc:
        outbox.park(settings, doc_id, str(exc))


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
    with session_scope(settings.db_url) as s:
        row = s.get(CaseVector, case_id)
        if row is None:
            row = CaseVector(case_id=case_id)
            s.add(row)
        row.document_id = doc_id
        row.model = embedder.name
        row.dim = int(vec.shape[0])
        row.vector = vec.tobytes()
    push_case_vector(settings, doc_id, case_id, vec)


def push_case_vector(settings: Settings, doc_id: int, case_id: int, vec: Any) -> None:
    """Scale mode: the stored vector into the cluster's kNN index; when the cluster is down
    the document waits in the outbox, whose flush sends its case's vector again."""
    from search.base import SearchUnavailable
    from workers import outbox, similar

    try:
        similar.push_vector(settings, case_id, vec)
    except SearchUnavailable as exc:
        outbox.park(settings, doc_id, str(exc))


Progress = Callable[[int, int], None]


def run_stage(settings: Settings, task_id: int, stage: str, progress: Progress | None = None
              ) -> None:
    """Run one stage with a live heartbeat, so a slow step (a model load, a dense page) is
    never mistaken for a dead worker."""
    with Heartbeat(settings.db_url, task_id, every_s=max(1.0, settings.stale_after_s / 4)):
        if stage == "ocr":
            run_ocr(settings, task_id, progress)
        else:
            STAGE_FUNCS[stage](settings, task_id)


STAGE_FUNCS: dict[str, Callable[[Settings, int], None]] = {
    "ocr": run_ocr, "extract": run_extract, "index": run_index, "embed": run_embed}

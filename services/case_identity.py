"""Which case a document belongs to, by its case number in any spelling (案号归案).

A clerk may upload a judgment without a case number: it then waits in a provisional case of
its own (no number). Once extraction has read its 案号 it either joins the agency's case of that
number (compared by `extraction.case_numbers.case_key`, so （2015）…字第00026号 finds (2015)…26号)
and the provisional case is removed, or the provisional case takes the number. Without this
the same judgment uploaded twice became two cases, one of them without a number.

Both that step and an upload that names its case number run under a lock on (agency, key):
PostgreSQL's transaction-scoped advisory lock, SQLite's single writer. So two uploads of one
case at once, in two spellings or none, end in one case. No column stores the key (the schema
is shared, and the number keeps the spelling it was written in): candidates are found by the
serial number in the stored text, then their keys compared in Python.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import delete, exists, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from extraction.case_numbers import case_key, serial_of, year_of
from models import audit
from models.db import session_scope
from models.schema import (
    Case,
    CaseBusiness,
    CaseProcedure,
    CaseShare,
    CaseVector,
    ChecklistOverride,
    Document,
    FieldValue,
    Party,
    WorkflowClock,
)
from models.settings import Settings

log = logging.getLogger(__name__)

MAX_CASE_NUMBER = 120  # the column's width
#: a document joins another case only on a number read this surely (or typed by a clerk): a
#: wrong join hides a document in a stranger's case, a missed one leaves a visible provisional
#: case that a clerk's correction of 案号 settles
JOIN_CONFIDENCE = 0.9
_FULL_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def lock_number(s: Session, agency_id: int, number: str) -> str | None:
    """Serialise everything that looks up or gives this agency's case of ``number`` for the
    rest of the transaction; returns the number's key (None: no number, nothing locked)."""
    key = case_key(number)
    if key is None:
        return None
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        digest = hashlib.sha256(f"case-number:{agency_id}:{key}".encode()).digest()
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                  {"k": int.from_bytes(digest[:8], "big", signed=True)})
    elif dialect == "sqlite":  # take the single writer's lock before reading
        s.execute(text("UPDATE cases SET id = id WHERE 0"))
    return key


def find_case(s: Session, agency_id: int, number: str, *, other_than: int | None = None
              ) -> Case | None:
    """The agency's case whose number has the key of ``number`` (the oldest if, from before
    keys, several do), None when there is none."""
    key = case_key(number)
    if key is None:
        return None
    query = select(Case).where(Case.agency_id == agency_id, Case.case_number.is_not(None))
    # the stored spelling has the serial's digits and the year, half- or full-width
    for digits in (serial_of(number), year_of(key)):
        if digits:
            query = query.where(or_(Case.case_number.contains(digits),
                                    Case.case_number.contains(digits.translate(_FULL_DIGITS))))
    if other_than is not None:
        query = query.where(Case.id != other_than)
    for case in s.execute(query.order_by(Case.id)).scalars():
        if case_key(case.case_number) == key:
            return case
    return None


@dataclass(frozen=True)
class Settled:
    """What `settle` did: ``joined`` the existing case ``case_id`` (``removed`` the
    provisional one), or ``numbered`` the provisional case."""

    document_id: int
    case_id: int
    action: str  # "joined" | "numbered"
    removed: int | None = None
    vector_moved: bool = False


def settle(settings: Settings, doc_id: int) -> Settled | None:
    """`settle_rows`, then the cluster's kNN index follows (scale mode): the removed case's
    vector goes, a carried one is sent under the target case (the in-process index sees both
    at its next check of case_vectors)."""
    settled = settle_rows(settings, doc_id)
    if settled is not None and settled.removed is not None:
        _sync_vectors(settings, settled)
    elif settled is not None:  # numbered: the search records of its other documents say so
        from services import indexing

        with session_scope(settings.db_url) as s:
            others = list(s.execute(select(Document.id).where(
                Document.case_id == settled.case_id, Document.id != doc_id)).scalars())
        for other in others:
            indexing.refresh_document(settings, other)
    return settled


def _sync_vectors(settings: Settings, settled: Settled) -> None:
    from search.base import SearchUnavailable
    from services import engines, indexing

    knn = engines.cluster_knn(settings)
    if knn is None or settled.removed is None:
        return
    try:
        knn.delete(settled.removed)
        if settled.vector_moved:
            indexing.push_vector(settings, settled.case_id)
    except SearchUnavailable as exc:  # searches check case_vectors: a removed case is no hit
        log.warning("kNN index not updated for the move of document %s (until the next "
                    "reindex or outbox flush): %s", settled.document_id, exc)
        indexing.park(settings, settled.document_id, str(exc))


def settle_rows(settings: Settings, doc_id: int) -> Settled | None:
    """After extraction: put a document of a provisional case where its 案号 says it belongs.

    Nothing changes for a case that has a number (the clerk's number wins over the text's), a
    document without an extracted number, or a provisional case that holds more than this
    document or has procedure of its own (businesses, clocks, shares): moving part of it would
    split what a person put together. Audited as ``document.move`` and ``case.remove`` (or
    ``case.number``). The caller re-indexes the document (the pipeline's index stage comes
    next; a correction refreshes it)."""
    with session_scope(settings.db_url) as s:
        doc = s.get(Document, doc_id)
        if doc is None:
            return None
        number = _number_of(doc)
        case = s.get(Case, doc.case_id)
        if number is None or case is None or case.case_number:
            return None
        lock_number(s, case.agency_id, number)
        case = s.execute(select(Case).where(Case.id == doc.case_id).with_for_update()
                         ).scalar_one()
        if case.case_number:  # numbered meanwhile (another document of it)
            return None
        target = find_case(s, case.agency_id, number, other_than=case.id)
        if target is None:
            case.case_number = number
            audit.record(s, "case.number", object_type="case", object_id=case.id,
                         detail={"case_number": number, "document_id": doc.id,
                                 "source": "extraction"})
            return Settled(doc.id, case.id, "numbered")
        if _confidence(s, doc) < JOIN_CONFIDENCE:
            log.info("document %s reads case number %s of case %s with too little confidence "
                     "to join it; it stays in case %s", doc.id, number, target.id, case.id)
            return None
        if not _alone(s, case, doc) or _holds_copy(s, target, doc):
            log.info("document %s reads case number %s of case %s but stays in case %s, "
                     "which holds more than it (or the target has these bytes already)",
                     doc.id, number, target.id, case.id)
            return None
        case_id, target_id = case.id, target.id
        try:
            with s.begin_nested():  # a row of a newer table still naming the case: no move
                carried = _move(s, doc, case, target)
                s.execute(delete(Case).where(Case.id == case_id))  # empty now (`_alone`)
        except IntegrityError as exc:
            log.warning("document %s stays in case %s: %s", doc_id, case_id, exc)
            return None
        audit.record(s, "document.move", object_type="document", object_id=doc_id,
                     detail={"from_case": case_id, "to_case": target_id, "case_number": number,
                             "target_case_number": target.case_number,
                             "reason": "案号相同，并入已有案件"})
        audit.record(s, "case.remove", object_type="case", object_id=case_id,
                     detail={"merged_into": target_id, "document_id": doc_id,
                             "reason": "上传时未填案号的临时案件，文书已并入同案号案件"})
        return Settled(doc_id, target_id, "joined", removed=case_id, vector_moved=carried)


def _confidence(s: Session, doc: Document) -> float:
    """How sure the document's case number is: a clerk's correction 1.0, else the extractor's
    (0.95 for a criminal number right after the title, 0.7 for one read further off)."""
    rows = s.execute(select(FieldValue.corrected, FieldValue.confidence).where(
        FieldValue.document_id == doc.id, FieldValue.path == "case_number")).all()
    if any(corrected for corrected, _ in rows):
        return 1.0
    return max((c for _, c in rows if c is not None), default=0.0)


def _number_of(doc: Document) -> str | None:
    number = (doc.fields or {}).get("case_number")
    if not isinstance(number, str):
        return None
    number = number.strip()
    if not number or len(number) > MAX_CASE_NUMBER or not number.isprintable():
        return None
    return number


def _alone(s: Session, case: Case, doc: Document) -> bool:
    """Whether ``doc`` is all the case holds: no other document, no procedure, no share."""
    if s.execute(select(func.count()).select_from(Document)
                 .where(Document.case_id == case.id, Document.id != doc.id)).scalar_one():
        return False
    owned = (CaseBusiness, CaseProcedure, CaseShare, ChecklistOverride, WorkflowClock)
    return not any(s.execute(select(exists().where(t.case_id == case.id))).scalar()
                   for t in owned)


def _holds_copy(s: Session, target: Case, doc: Document) -> bool:
    """The same bytes are in the target already (one document per file and case): the
    provisional case then stays as it is; similar cases and sentencing count the two as one
    judgment by their hash."""
    return bool(s.execute(select(exists().where(Document.case_id == target.id,
                                                Document.sha256 == doc.sha256))).scalar())


def _move(s: Session, doc: Document, source: Case, target: Case) -> bool:
    """The document and the rows keyed by its case move. The source case's vector (a document
    processed before, then corrected) becomes the target's when the target has none, else it
    goes; True when it moved. The index stage (or the correction's refresh) re-indexes."""
    s.execute(update(Party).where(Party.document_id == doc.id).values(case_id=target.id))
    carried = False
    if s.get(CaseVector, source.id) is not None:
        if s.get(CaseVector, target.id) is None:
            s.execute(update(CaseVector).where(CaseVector.case_id == source.id)
                      .values(case_id=target.id))
            carried = True
        else:
            s.execute(delete(CaseVector).where(CaseVector.case_id == source.id))
    doc.case_id = target.id
    s.flush()
    return carried


def settle_existing(settings: Settings) -> list[Settled]:
    """Settle every provisional case that holds one processed document with a case number:
    the repair of a pool filled before documents joined their cases (the same 案号 uploaded
    twice then became two cases, one without a number). Each moved or numbered document is
    re-indexed. Safe to run again: a settled document is left as it is."""
    from services import indexing

    with session_scope(settings.db_url) as s:
        lone = (select(Document.case_id).group_by(Document.case_id)
                .having(func.count() == 1).subquery())
        docs = list(s.execute(
            select(Document.id).join(Case, Case.id == Document.case_id)
            .where(Case.case_number.is_(None), Document.case_id.in_(select(lone.c.case_id)))
            .order_by(Document.id)).scalars())
    done: list[Settled] = []
    for doc_id in docs:
        settled = settle(settings, doc_id)
        if settled is not None:
            indexing.refresh_document(settings, doc_id)
            done.append(settled)
    return done

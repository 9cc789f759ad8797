"""Keeping the derived indexes in step with the data pool: page search, case vectors, outbox.

The data pool is the source of truth; the search index and the cluster's kNN index are derived.
The index stage never fails a document because search is unreachable: it parks the document in
the outbox and the pipeline goes on. In scale mode the embed stage parks it too when the case's
vector cannot reach the cluster's kNN index; a flush re-sends the document and its case's vector.
Every worker's sweeper flushes the outbox, oldest first, as soon as the engine answers again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import delete, select

from extraction import citations
from models.db import session_scope
from models.schema import (
    Agency,
    Case,
    CaseShare,
    CaseVector,
    DocStatus,
    Document,
    IndexOutbox,
    Page,
    Party,
)
from models.settings import Settings
from services import engines

log = logging.getLogger(__name__)


def page_texts(settings: Settings, doc_id: int) -> list[str]:
    with session_scope(settings.db_url) as s:
        return list(s.execute(select(Page.text).where(Page.document_id == doc_id)
                              .order_by(Page.number)).scalars())


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
                           .where(CaseShare.case_id == case.id,
                                  CaseShare.revoked_at.is_(None))).scalars().all()
        fields = doc.fields or {}
        charges = sorted({c for d in fields.get("defendants") or [] if isinstance(d, dict)
                          for c in d.get("charges") or []})
        parties = [p for p in s.execute(select(Party.name).where(Party.document_id == doc_id))
                   .scalars() if p]
        pages = page_texts(settings, doc_id)
        number = fields.get("case_number") or case.case_number
        title = doc.filename + "\n" + (pages[0][:300] if pages else "")  # 张某盗窃二审刑事判决书
        return IndexDoc(
            document_id=doc.id, case_id=case.id, case_number=case.case_number,
            filename=doc.filename, doc_type=doc.doc_type, court=doc.court,
            agency=agency.code if agency else None, shared_with=list(shared), charges=charges,
            date=doc.decision_date, pages=pages, parties=parties,
            court_level=citations.court_level(fields.get("court"), number),
            # the extracted (or corrected) 审级 first; stages it does not name from the number
            trial_stage=fields.get("instance") or citations.trial_stage(number, title),
            articles=citations.criminal_law_articles("\n".join(pages)))


def index_document(settings: Settings, doc_id: int) -> None:
    """Index a document; when the engine is down, park it in the outbox and go on."""
    from search.base import SearchUnavailable

    try:
        engines.search_backend(settings).index(index_doc(settings, doc_id))
    except SearchUnavailable as exc:
        park(settings, doc_id, str(exc))


def refresh_document(settings: Settings, doc_id: int) -> None:
    """Re-index a processed document after a change of its fields or its sharing (a document
    still in the pipeline is indexed by its own index stage)."""
    with session_scope(settings.db_url) as s:
        row = s.get(Document, doc_id)
        if row is None or row.status != DocStatus.processed:
            return
    index_document(settings, doc_id)


def case_vector(settings: Settings, case_id: int) -> Any | None:
    import numpy as np

    with session_scope(settings.db_url) as s:
        row = s.get(CaseVector, case_id)
        return None if row is None else np.frombuffer(row.vector, dtype=np.float32)


def push_vector(settings: Settings, case_id: int, vec: Any = None) -> bool:
    """Copy a case's stored vector (`vec` when the caller just stored it, else read from
    case_vectors) to the cluster's kNN index (scale mode); False when there is nothing to
    copy, or it cannot go there (a vector of another embedding model than the index's: logged;
    the table keeps it and `dossier reindex` rebuilds the index). Raises SearchUnavailable
    while the cluster is down."""
    knn = engines.cluster_knn(settings)
    if knn is not None and vec is None:
        vec = case_vector(settings, case_id)
    if knn is None or vec is None:
        return False
    try:
        knn.upsert(case_id, vec)
    except ValueError as exc:
        log.warning("case %s left out of the cluster's kNN index: %s", case_id, exc)
        return False
    return True


def push_case_vector(settings: Settings, doc_id: int, case_id: int, vec: Any) -> None:
    """Scale mode: the stored vector into the cluster's kNN index; when the cluster is down
    the document waits in the outbox, whose flush sends its case's vector again."""
    from search.base import SearchUnavailable

    try:
        push_vector(settings, case_id, vec)
    except SearchUnavailable as exc:
        park(settings, doc_id, str(exc))


def rebuild_cluster_vectors(settings: Settings) -> tuple[str, int] | None:
    """Scale mode: a new version of the kNN index from case_vectors, then the alias switch.
    Vectors of another dimension than the most common one (a model change not yet re-embedded
    everywhere) are left out, as the in-process index does. Returns (index name, vectors)."""
    from collections import Counter

    import numpy as np

    knn = engines.cluster_knn(settings)
    if knn is None:
        return None
    with session_scope(settings.db_url) as s:
        rows = s.execute(select(CaseVector.case_id, CaseVector.dim, CaseVector.vector)
                         .order_by(CaseVector.case_id)).all()
    dim = Counter(d for _, d, _ in rows).most_common(1)[0][0] if rows else 384
    keep = [(cid, np.frombuffer(blob, dtype=np.float32)) for cid, d, blob in rows if d == dim]
    return knn.rebuild(keep, dim), len(keep)


def reindex_all(settings: Settings,
                wrap: Callable[[list[int]], Iterable[int]] = lambda ids: ids) -> tuple[int, str | None]:
    """Rebuild the search index from the data pool (on a cluster: a new index version, then an
    atomic alias switch, so searches never see a half-built index). ``wrap`` may show progress.
    Returns (documents indexed, the new index name on a cluster)."""
    backend = engines.search_backend(settings)
    with session_scope(settings.db_url) as s:
        ids = list(s.execute(select(Document.id).where(Document.status == DocStatus.processed)
                             .order_by(Document.id)).scalars())

    def docs() -> Iterator[Any]:
        for i in wrap(ids):
            yield index_doc(settings, i)

    rebuild = getattr(backend, "reindex", None)
    name = None
    if rebuild is not None:
        name = rebuild(docs())
    else:
        backend.clear()
        for doc in docs():
            backend.index(doc)
    with session_scope(settings.db_url) as s:
        s.execute(delete(IndexOutbox).where(IndexOutbox.document_id.in_(ids)))
    return len(ids), name


def park(settings: Settings, document_id: int, error: str, op: str = "index") -> None:
    with session_scope(settings.db_url) as s:
        row = s.execute(select(IndexOutbox).where(IndexOutbox.document_id == document_id)
                        ).scalar_one_or_none()
        if row is None:
            row = IndexOutbox(document_id=document_id, op=op, attempts=0)
            s.add(row)
        row.op = op
        row.attempts += 1
        row.last_error = error[:1000]
    log.warning("search engine unavailable; document %s parked in the outbox: %s",
                document_id, error)


def pending(settings: Settings) -> int:
    with session_scope(settings.db_url) as s:
        return len(s.execute(select(IndexOutbox.id)).all())


def flush(settings: Settings, limit: int = 500) -> int:
    """Send parked work to the engine; stops at the first outage. Returns how many were sent."""
    from search.base import SearchUnavailable

    with session_scope(settings.db_url) as s:
        rows = s.execute(select(IndexOutbox.id, IndexOutbox.document_id, IndexOutbox.op)
                         .order_by(IndexOutbox.id).limit(limit)).all()
    backend = engines.search_backend(settings)
    sent = 0
    for row_id, doc_id, op in rows:
        try:
            with session_scope(settings.db_url) as s:
                exists = s.get(Document, doc_id) is not None
            if op == "delete" or not exists:
                backend.delete(doc_id)
            else:
                record = index_doc(settings, doc_id)
                backend.index(record)
                push_vector(settings, record.case_id)  # scale mode: its case's vector too
        except SearchUnavailable as exc:
            log.info("outbox: search still unavailable (%s); %d left", exc, len(rows) - sent)
            break
        with session_scope(settings.db_url) as s:
            s.execute(delete(IndexOutbox).where(IndexOutbox.id == row_id))
        sent += 1
    if sent:
        log.info("outbox: %d documents sent to the search engine", sent)
    return sent

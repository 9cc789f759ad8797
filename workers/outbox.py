"""The index outbox: nothing is lost when the search engine is down.

The index stage never fails a document because search is unreachable: it parks the document
here and the pipeline goes on (the data pool is the source of truth; the index is derived).
In scale mode the embed stage parks it too when the case's vector cannot reach the cluster's
kNN index; a flush re-sends the document and its case's vector.
Every worker's sweeper flushes the outbox, oldest first, as soon as the engine answers again.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, select

from models.db import session_scope
from models.schema import Document, IndexOutbox
from models.settings import Settings

log = logging.getLogger(__name__)


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
    from workers import engines
    from workers.pipeline import index_doc
    from workers.similar import push_vector

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

"""Similar-case lookup over the stored case vectors.

The vector index lives in the reading process and is rebuilt from ``case_vectors`` whenever that
table changes (count or newest update), so a case processed by any worker is a neighbour at once
and scale-out needs no shared index file.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from models.db import session_scope
from models.schema import Case, CaseVector, Charge, Document, Party, Sentence
from models.settings import Settings

_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], Any]] = {}


def _index(settings: Settings) -> Any:
    import numpy as np

    from similarity.vector_index import VectorIndex

    with session_scope(settings.db_url) as s:
        stamp = tuple(s.execute(select(func.count(), func.max(CaseVector.updated_at))).one())
        with _lock:
            hit = _cache.get(settings.db_url)
            if hit and hit[0] == stamp:
                return hit[1]
        rows = s.execute(select(CaseVector.case_id, CaseVector.dim, CaseVector.vector)).all()
    dim = rows[0][1] if rows else 384
    index = VectorIndex(dim)
    for case_id, d, blob in rows:
        if d == dim:
            index.upsert(case_id, np.frombuffer(blob, dtype=np.float32))
    with _lock:
        _cache[settings.db_url] = (stamp, index)
    return index


def case_vector(settings: Settings, case_id: int) -> Any | None:
    import numpy as np

    with session_scope(settings.db_url) as s:
        row = s.get(CaseVector, case_id)
        return None if row is None else np.frombuffer(row.vector, dtype=np.float32)


def similar_cases(settings: Settings, vector: Any, k: int, *, allowed: set[int],
                  exclude: Iterable[int] = ()) -> list[dict[str, Any]]:
    """Top-k visible cases by cosine, each with its charges and the sentences it imposed."""
    hits = _index(settings).search(vector, k, exclude=set(exclude), allowed=allowed)
    return [dict(case_summary(settings, cid), score=round(float(score), 4)) for cid, score in hits]


def case_summary(settings: Settings, case_id: int) -> dict[str, Any]:
    with session_scope(settings.db_url) as s:
        case = s.get(Case, case_id)
        assert case is not None
        docs = s.execute(select(Document.id, Document.doc_type, Document.court,
                                Document.decision_date).where(Document.case_id == case_id)
                         .order_by(Document.id)).all()
        charges = sorted(set(s.execute(select(Charge.name).join(Document)
                                       .where(Document.case_id == case_id)).scalars()))
        sentences = [
            {"defendant": name, "principal": sen.principal, "term_months": sen.term_months,
             "probation_months": sen.probation_months, "fine_yuan": sen.fine_yuan,
             "confiscation": sen.confiscation}
            for sen, name in s.execute(select(Sentence, Party.name).join(Party)
                                       .join(Document, Document.id == Sentence.document_id)
                                       .where(Document.case_id == case_id)).all()
        ]
        return {"case_id": case.id, "case_number": case.case_number,
                "court": next((d.court for d in docs if d.court), None),
                "date": next((d.decision_date for d in docs if d.decision_date), None),
                "document_ids": [d.id for d in docs], "charges": charges,
                "sentences": sentences}

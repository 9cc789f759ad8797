"""Sharing a case between agencies: transfers (移送) and who may see what.

Every case belongs to an agency and is shared with the agencies it was transferred to; the
search index carries who may see each document, so a transfer re-indexes the case's documents.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import audit
from models.db import session_scope
from models.schema import Agency, Case, CaseShare, Document, User
from models.settings import Settings
from models.visibility import case_visible
from services import indexing


def transfer_case(settings: Settings, user: User, case_id: int, agency_code: str,
                  note: str | None = None) -> dict[str, Any]:
    """Share a case with another agency and re-index its documents for their new readers.

    Raises LookupError for a case the user cannot see, ValueError for an unknown agency.
    """
    with session_scope(settings.db_url) as s:
        if not case_visible(s, user, case_id):
            raise LookupError(f"case {case_id} not found")
        target = s.execute(select(Agency).where(Agency.code == agency_code)).scalar_one_or_none()
        if target is None:
            raise ValueError(f"unknown agency {agency_code!r}")
        case = s.get(Case, case_id)
        assert case is not None
        shared = set(s.execute(select(CaseShare.agency_id)
                               .where(CaseShare.case_id == case_id)).scalars())
        if target.id != case.agency_id and target.id not in shared:
            s.add(CaseShare(case_id=case_id, agency_id=target.id))
        audit.record(s, "case.transfer", user_id=user.id, object_type="case", object_id=case_id,
                     detail={"to": agency_code, "note": note})
        s.flush()
        docs = list(s.execute(select(Document.id).where(Document.case_id == case_id,
                                                        Document.status == "processed")).scalars())
        codes = sorted(s.execute(select(Agency.code).join(CaseShare)
                                 .where(CaseShare.case_id == case_id)).scalars())
    for doc_id in docs:  # the index carries who may see each document
        indexing.index_document(settings, doc_id)
    return {"case_id": case_id, "shared_with": codes, "documents_reindexed": len(docs)}

"""Sharing a case between agencies: transfers (移送), grants by businesses, revocation.

One mechanism for every way a case reaches another agency: `grant` writes the CaseShare row
(read-only unless the caller, a business that hands the case over, says ``write``), audits it
and re-indexes the case's documents, because the search index carries who may see each one.
Only the owning agency passes a case on or revokes a share; a receiving agency reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit
from models.db import session_scope
from models.schema import Agency, Case, CaseShare, DocStatus, Document, User
from models.settings import Settings
from models.visibility import Access, case_access
from services import indexing


class SharingDenied(PermissionError):
    """The user sees the case but may not share it or change its shares (a 403)."""


@dataclass(frozen=True)
class ShareResult:
    case_id: int
    shared_with: list[str]
    documents_reindexed: int

    def to_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "shared_with": self.shared_with,
                "documents_reindexed": self.documents_reindexed}


def _owned_case(s: Session, user: User, case_id: int) -> Case:
    access = case_access(s, user, case_id)
    if access is None:
        raise LookupError(f"case {case_id} not found")
    if access is not Access.OWNER:
        raise SharingDenied("只有承办机关可以移送或撤销共享；本机关对该案件只有"
                            + ("阅读" if access is Access.READ else "协作") + "权限")
    case = s.get(Case, case_id)
    assert case is not None
    return case


def _agency(s: Session, code: str) -> Agency:
    target = s.execute(select(Agency).where(Agency.code == code)).scalar_one_or_none()
    if target is None:
        raise ValueError(f"unknown agency {code!r}")
    return target


def grant(s: Session, case: Case, target: Agency, access: Access, *, user_id: int | None,
          business_id: int | None = None) -> CaseShare | None:
    """Share ``case`` with ``target`` in the caller's transaction (a revoked share comes back;
    an existing share is widened to ``write`` but never narrowed). None for the owner itself."""
    if target.id == case.agency_id:
        return None
    row = s.execute(select(CaseShare).where(CaseShare.case_id == case.id,
                                            CaseShare.agency_id == target.id)
                    ).scalar_one_or_none()
    if row is None:
        row = CaseShare(case_id=case.id, agency_id=target.id, access=access.value,
                        granted_by=user_id, business_id=business_id)
        s.add(row)
    else:
        if row.revoked_at is not None:
            row.revoked_at, row.revoked_by, row.access = None, None, access.value
        elif access is Access.WRITE:
            row.access = access.value
        row.granted_by, row.business_id = user_id, business_id or row.business_id
    return row


def _finish(settings: Settings, s: Session, case_id: int) -> tuple[list[str], list[int]]:
    s.flush()
    docs = list(s.execute(select(Document.id).where(
        Document.case_id == case_id, Document.status == DocStatus.processed)).scalars())
    codes = sorted(s.execute(select(Agency.code).join(CaseShare).where(
        CaseShare.case_id == case_id, CaseShare.revoked_at.is_(None))).scalars())
    return codes, docs


def transfer_case(settings: Settings, user: User, case_id: int, agency_code: str,
                  note: str | None = None) -> dict[str, Any]:
    """Transfer (移送) a case: the receiving agency may read it. Only the owning agency transfers.

    Raises LookupError for a case the user cannot see, SharingDenied for a case the user's agency
    does not own, ValueError for an unknown agency.
    """
    with session_scope(settings.db_url) as s:
        case = _owned_case(s, user, case_id)
        target = _agency(s, agency_code)
        grant(s, case, target, Access.READ, user_id=user.id)
        audit.record(s, "case.transfer", user_id=user.id, object_type="case", object_id=case_id,
                     detail={"to": agency_code, "note": note, "access": Access.READ.value})
        codes, docs = _finish(settings, s, case_id)
    for doc_id in docs:  # the index carries who may see each document
        indexing.index_document(settings, doc_id)
    return ShareResult(case_id, codes, len(docs)).to_dict()


def revoke(settings: Settings, user: User, case_id: int, agency_code: str,
           reason: str | None = None) -> dict[str, Any]:
    """End another agency's access to a case (owner only), audited; its documents are
    re-indexed so the agency's searches stop finding them at once."""
    with session_scope(settings.db_url) as s:
        _owned_case(s, user, case_id)
        target = _agency(s, agency_code)
        row = s.execute(select(CaseShare).where(
            CaseShare.case_id == case_id, CaseShare.agency_id == target.id,
            CaseShare.revoked_at.is_(None))).scalar_one_or_none()
        if row is None:
            raise LookupError(f"case {case_id} is not shared with {agency_code}")
        row.revoked_at, row.revoked_by = datetime.now(UTC), user.id
        audit.record(s, "case.share.revoke", user_id=user.id, object_type="case",
                     object_id=case_id, detail={"agency": agency_code, "reason": reason})
        codes, docs = _finish(settings, s, case_id)
    for doc_id in docs:
        indexing.index_document(settings, doc_id)
    return ShareResult(case_id, codes, len(docs)).to_dict()

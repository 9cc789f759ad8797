"""The completeness gate on stored dossiers (流转指引: 不规范的案件不能在平台流转).

``workflow.completeness`` judges a dossier given as plain data; this module reads that data from
the pool — a case's processed documents (each part of a multi-document upload as a document of
its own), their fields with provenance, the suspects, the case type (a clerk's choice, else
inferred from the extracted charges), the province of the acting agency and the overrides on
record — and applies the verdict:

* ``gate`` is called by the push of a business: a blocking gap raises ``Incomplete`` (HTTP 422,
  nothing pushed); a passing verdict is stored on the business so the receiver sees what was
  checked and every override with its reason;
* overrides (特批放行) are written by an authorised role with a reason, audited, and withdrawn
  (audited too) until a push uses them;
* a case whose type has no checklist (or is unknown) is not gated — the answer says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit
from models.db import session_scope
from models.schema import (
    Agency,
    Case,
    CaseProcedure,
    Charge,
    ChecklistOverride,
    DocStatus,
    Document,
    FieldValue,
    Party,
    User,
)
from models.settings import Settings
from models.visibility import Access, Denied, NotFound, case_for
from workflow import completeness as cl
from workflow.completeness import Dossier, DossierDocument, Override, Source, Verdict
from workflow.errors import Incomplete, WorkflowError
from workflow.registry import load as load_registry


def _case(s: Session, user: User, case_id: int, *, write: bool = False) -> tuple[Case, Access]:
    return case_for(s, user, case_id, write=write)


# ------------------------------------------------------------------------ reading the dossier
def inferred_type(s: Session, case_id: int) -> str | None:
    """The case type the extracted charges name (the first charge that has a checklist)."""
    names = s.execute(select(Charge.name).join(Document, Charge.document_id == Document.id)
                      .where(Document.case_id == case_id, Document.status == DocStatus.processed)
                      .order_by(Document.id, Charge.id)).scalars()
    return cl.case_type_of(names)


def case_type(s: Session, case: Case) -> tuple[str | None, str]:
    """(type, source): source ``clerk`` (set by a person), ``inferred`` or ``unknown``."""
    if case.case_type:
        return case.case_type, "clerk"
    found = inferred_type(s, case.id)
    return found, "inferred" if found else "unknown"


def _provenance(rows: Sequence[FieldValue], prefix: str = "") -> dict[str, Source]:
    """Field path -> where it was read; a clerk's correction keeps the machine's page."""
    out: dict[str, Source] = {}
    for fv in sorted(rows, key=lambda r: r.corrected):  # machine rows first
        if not fv.path.startswith(prefix):
            continue
        path = fv.path[len(prefix):]
        if fv.corrected and path in out:
            continue
        out[path] = Source(fv.page, fv.start or 0, fv.end or 0,
                           1.0 if fv.confidence is None else fv.confidence)
    return out


def _documents(doc: Document, rows: Sequence[FieldValue]) -> list[DossierDocument]:
    """One stored upload as the checklists see it: a multi-document scan is one document per
    part (the leading part carries the upload's fields, each other part its own dossier fields
    under ``parts/<i>/fields``); pages are the upload's, as the document view shows them."""
    fields = dict(doc.fields or {})
    parts = fields.pop("parts", None) or []
    prov = _provenance(rows)
    if not parts:
        return [DossierDocument(doc.id, doc.doc_type or "其他", fields, prov, doc.page_count)]
    out = []
    for i, part in enumerate(parts):
        if not isinstance(part, dict):
            continue
        kind = str(part.get("kind") or "其他")
        if part.get("primary"):
            own, own_prov = fields, prov
        else:
            own = dict(part.get("fields") or {})
            own_prov = _provenance(rows, f"parts/{i}/fields/")
        own_prov = dict(own_prov)
        if "title" not in own_prov:  # the part's title (or its first page) shows where it is
            at = prov.get(f"parts/{i}/kind")
            own_prov["title"] = at if at and at.page else Source(int(part.get("first") or 1))
        own.setdefault("title", kind)
        pages = int(part.get("last") or 1) - int(part.get("first") or 1) + 1
        out.append(DossierDocument(doc.id, kind, own, own_prov, pages))
    return out


def dossier_of(s: Session, case_id: int) -> Dossier:
    """The case's processed documents and its suspects (defendants of every document, and
    whom a 讯问笔录 questions)."""
    docs = list(s.execute(select(Document).where(Document.case_id == case_id,
                                                 Document.status == DocStatus.processed)
                          .order_by(Document.id)).scalars())
    rows: dict[int, list[FieldValue]] = {d.id: [] for d in docs}
    if docs:
        for fv in s.execute(select(FieldValue).where(
                FieldValue.document_id.in_(list(rows)))).scalars():
            rows[fv.document_id].append(fv)
    documents = [dd for d in docs for dd in _documents(d, rows[d.id])]
    suspects = list(dict.fromkeys(
        n for n in s.execute(select(Party.name).where(Party.case_id == case_id,
                                                      Party.role == "defendant")).scalars() if n))
    for dd in documents:
        who = (dd.fields.get("interrogation") or {}).get("suspect")
        if isinstance(who, str) and who and who not in suspects:
            suspects.append(who)
    return Dossier(documents, suspects=tuple(suspects))


def _overrides(s: Session, case_id: int, code: str) -> list[ChecklistOverride]:
    return list(s.execute(select(ChecklistOverride).where(
        ChecklistOverride.case_id == case_id, ChecklistOverride.business_code == code,
        ChecklistOverride.withdrawn_at.is_(None), ChecklistOverride.business_id.is_(None))
        .order_by(ChecklistOverride.id)).scalars())


def _override_view(o: ChecklistOverride, s: Session) -> dict[str, Any]:
    who = s.get(User, o.user_id)
    return {"id": o.id, "business": o.business_code, "item": o.item_id, "reason": o.reason,
            "by": who.name if who else None, "role": o.role, "at": o.created_at.isoformat(),
            "business_id": o.business_id,
            "withdrawn_at": o.withdrawn_at.isoformat() if o.withdrawn_at else None}


def overrides_of_businesses(s: Session, business_ids: Sequence[int]
                             ) -> dict[int, list[dict[str, Any]]]:
    """The overrides each business's push used, in one query (for inbox lists)."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not business_ids:
        return out
    rows = s.execute(select(ChecklistOverride, User.name)
                     .join(User, User.id == ChecklistOverride.user_id)
                     .where(ChecklistOverride.business_id.in_(list(business_ids)))
                     .order_by(ChecklistOverride.id)).all()
    for o, name in rows:
        assert o.business_id is not None
        out.setdefault(o.business_id, []).append(
            {"id": o.id, "business": o.business_code, "item": o.item_id, "reason": o.reason,
             "by": name, "role": o.role, "at": o.created_at.isoformat(),
             "business_id": o.business_id, "withdrawn_at": None})
    return out


def verdict(s: Session, case: Case, code: str, agency: Agency) -> tuple[Verdict | None, str]:
    """The checklist verdict of pushing ``code`` for ``case`` by ``agency`` with the overrides
    on record, or (None, why not checked)."""
    lib = cl.load()
    code = code.strip().upper()
    if code not in lib.businesses:
        return None, f"业务 {code} 不做完整性检查（只检查 {'、'.join(lib.businesses)}）"
    kind, source = case_type(s, case)
    if kind is None:
        return None, "案件类型未确定（未从文书中读出有流转清单的罪名），未做完整性检查；可在案件页设定案件类型"
    if kind not in lib.checklists:
        return None, f"「{kind}」案件没有流转清单，未做完整性检查"
    overrides = [Override(o.item_id, o.reason, str(o.user_id)) for o in _overrides(s, case.id, code)]
    v = cl.evaluate(kind, code, dossier_of(s, case.id), overrides=overrides,
                    province=lib.province_of(agency.region), library=lib)
    return v, ""


def _answer(s: Session, case: Case, code: str, agency: Agency) -> dict[str, Any]:
    v, why = verdict(s, case, code, agency)
    kind, source = case_type(s, case)
    return {"case_id": case.id, "case_type": kind, "case_type_source": source,
            "business": code.strip().upper(), "checked": v is not None, "reason": why,
            "verdict": v.to_dict() if v else None,
            "message": (v.refusal() if v and not v.passes else ""),
            "overrides": [_override_view(o, s) for o in _overrides(s, case.id, code.upper())],
            "override_roles": list(cl.load().override_roles)}


# ------------------------------------------------------------------------------ the gate
def gate(s: Session, case: Case, code: str, agency: Agency) -> dict[str, Any] | None:
    """Called inside a push's transaction: refuse (``Incomplete``) on a blocking gap, else
    mark the overrides used and return what to store on the business (None: not gated)."""
    v, why = verdict(s, case, code, agency)
    if v is None:
        return {"checked": False, "reason": why}
    if not v.passes:
        raise Incomplete(v.refusal(), {"case_id": case.id, **v.to_dict()})
    return {"checked": True, **v.to_dict()}


def mark_used(s: Session, case_id: int, code: str, business_id: int,
              checked: dict[str, Any]) -> None:
    """Tie the overrides a push used to its business, and put their records on the verdict."""
    used = {r["id"] for r in checked.get("items", []) if r.get("status") == "overridden"}
    records = []
    for o in _overrides(s, case_id, code):
        if o.item_id in used:
            o.business_id = business_id
            records.append(_override_view(o, s))
    checked["override_records"] = records


# ------------------------------------------------------------------------------ services
def next_gated(s: Session, case_id: int) -> str:
    """The gated business the case's state allows next (报捕 while investigating …), else the
    first gated one: what the case page shows by default."""
    lib = cl.load()
    reg = load_registry()
    state = s.execute(select(CaseProcedure.state).where(CaseProcedure.case_id == case_id)
                      ).scalar_one_or_none() or reg.initial
    allowed = [t.business for t in reg.transitions
               if t.business in lib.businesses and t.on == "push" and state in t.from_states]
    return next((b for b in lib.businesses if b in allowed), lib.businesses[0])


def check(settings: Settings, user: User, case_id: int, code: str | None = None
          ) -> dict[str, Any]:
    """What pushing ``code`` (default: the next gated business) would meet now: every item,
    with where it was found; the answer is the same data the push's gate reads."""
    with session_scope(settings.db_url) as s:
        case, access = _case(s, user, case_id)
        agency = s.get(Agency, user.agency_id)
        assert agency is not None
        lib = cl.load()
        reg = load_registry()
        answer = _answer(s, case, code or next_gated(s, case_id), agency)
        return {**answer, "access": access.value,
                "businesses": [{"code": b, "name": reg.business(b).name}
                               for b in lib.businesses],
                "case_types": list(lib.checklists)}


def set_case_type(settings: Settings, user: User, case_id: int,
                  kind: str | None) -> dict[str, Any]:
    """A clerk sets (or, with None, clears back to inferred) the case's type."""
    lib = cl.load()
    if kind is not None:
        kind = kind.strip()
        lib.checklist(kind)  # an unknown type: the library's Chinese refusal
    with session_scope(settings.db_url) as s:
        case, _ = _case(s, user, case_id, write=True)
        before = case.case_type
        case.case_type = kind or None
        case.case_type_by = user.id if kind else None
        audit.record(s, "case.type", user_id=user.id, object_type="case", object_id=case_id,
                     detail={"before": before, "after": case.case_type,
                             "inferred": inferred_type(s, case_id)})
        found, source = case_type(s, case)
        return {"case_id": case_id, "case_type": found, "case_type_source": source,
                "case_types": list(lib.checklists)}


def add_override(settings: Settings, user: User, case_id: int, code: str, item_id: str,
                 reason: str, *, now: datetime | None = None) -> dict[str, Any]:
    """特批放行 one item of ``code``'s checklist with a written reason (authorised roles only)."""
    lib = cl.load()
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("特批放行须写明理由")
    if str(user.role) not in lib.override_roles:
        raise Denied("本角色不能特批放行（可特批的角色："
                     + "、".join(lib.override_roles) + "；见 workflow/checklists/common.toml ⚠）")
    code = code.strip().upper()
    with session_scope(settings.db_url) as s:
        case, _ = _case(s, user, case_id, write=True)
        kind, _src = case_type(s, case)
        if kind is None or kind not in lib.checklists:
            raise WorkflowError("案件类型未确定或没有流转清单，无须特批")
        item = lib.checklist(kind).item(item_id)
        if code not in item.businesses:
            raise WorkflowError(f"条目「{item.name}」不在业务 {code} 的清单中")
        if any(o.item_id == item_id for o in _overrides(s, case_id, code)):
            raise WorkflowError(f"条目「{item.name}」已有特批放行，如需改理由请先撤回")
        o = ChecklistOverride(case_id=case_id, business_code=code, item_id=item_id,
                              reason=reason, user_id=user.id, agency_id=user.agency_id,
                              role=str(user.role), created_at=now or datetime.now(UTC))
        s.add(o)
        s.flush()
        audit.record(s, "checklist.override", user_id=user.id, object_type="case",
                     object_id=case_id, detail={"business": code, "item": item_id,
                                                "name": item.name, "reason": reason,
                                                "override_id": o.id})
        return _override_view(o, s)


def withdraw_override(settings: Settings, user: User, case_id: int, override_id: int,
                      *, now: datetime | None = None) -> dict[str, Any]:
    """Withdraw an override not yet used by a push (a used one stays on the business)."""
    with session_scope(settings.db_url) as s:
        _case(s, user, case_id, write=True)
        o = s.get(ChecklistOverride, override_id)
        if o is None or o.case_id != case_id or o.withdrawn_at is not None:
            raise NotFound(f"特批记录 {override_id} 不存在")
        if o.business_id is not None:
            raise WorkflowError("该特批已随业务推送，不能撤回")
        if o.user_id != user.id and str(user.role) != "admin":
            raise Denied("只有特批人本人或管理员可以撤回")
        o.withdrawn_at, o.withdrawn_by = now or datetime.now(UTC), user.id
        audit.record(s, "checklist.override_withdrawn", user_id=user.id, object_type="case",
                     object_id=case_id, detail={"override_id": o.id, "item": o.item_id,
                                                "business": o.business_code})
        return _override_view(o, s)

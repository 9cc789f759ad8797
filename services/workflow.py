"""The procedure between agencies, persisted: businesses, the case's state, clocks, reminders.

What the law allows is decided by the pure functions of ``workflow/`` (registry, state machine,
deadline calculator, reminder thresholds); this module applies their decisions to the data pool
in one transaction each, so a refused step changes nothing:

* a step first takes the case's CaseProcedure row for writing (an UPDATE, which PostgreSQL locks
  per row and SQLite serialises), so two agencies acting on one case at once run one after the
  other, the second seeing the first's result;
* pushing a business checks the transition, the sender's and receiver's kinds, the documents it
  must carry, grants the receiving agency access through ``services.sharing.grant`` (with the
  access the registry names) and starts/stops the clocks the transition names;
* a repeated push (same client key, or the same business not yet acted on) returns the first;
* every status change of a business is an audit event; a clock past its due day needs a
  recorded reason before it is stopped.

Times are stored in UTC; the law counts days in China time (``workflow.deadlines.CST``).
``now`` is always passed in, so tests move the clock instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, defer

from models import audit
from models.db import session_scope
from models.schema import (
    Agency,
    Case,
    CaseBusiness,
    CaseProcedure,
    CaseShare,
    DocStatus,
    Document,
    FieldValue,
    User,
    WorkflowClock,
    WorkflowClockEvent,
    WorkflowNotification,
)
from models.settings import Settings
from models.visibility import Access, Denied, NotFound, case_access, case_for
from services import completeness, indexing, sharing
from workflow import machine, registry, reminders
from workflow.deadlines import ClockEvent, Deadline, compute, local
from workflow.errors import IllegalTransition, WorkflowError
from workflow.machine import CaseFacts, Step
from workflow.registry import AGENCY_KINDS, Business, ClockDef, Registry

OPEN = ("已推送", "已签收", "已受理")
MOVE_NAMES = {"push": "推送", "receive": "签收", "accept": "受理", "return": "退回",
              "complete": "办结"}
FORM_FIELDS = ("case_number", "court", "procuratorate", "defendants", "charges", "victims",
               "judgment_date")



class Conflict(WorkflowError):
    """The step collided with another one on the same case (409, retry)."""


# --- small helpers ------------------------------------------------------------------------------
def utc(at: datetime) -> datetime:
    return local(at).astimezone(UTC)


def aware(at: datetime | None) -> datetime | None:
    """A stored time as an aware datetime (SQLite hands back naive UTC; PostgreSQL an aware
    one in the session's time zone, compared and printed with its offset as it is)."""
    if at is None:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def iso(at: datetime | None) -> str | None:
    a = aware(at)
    return a.isoformat() if a else None


def _reg() -> Registry:
    return registry.load()


def _agency(s: Session, agency_id: int) -> Agency:
    a = s.get(Agency, agency_id)
    assert a is not None
    return a


def _kind(a: Agency) -> str:
    if a.kind not in AGENCY_KINDS:
        raise Denied(f"本机关（{a.name}）未设定机关类别（公安/检察院/法院/司法局），不能办理协同业务")
    return a.kind


def _case(s: Session, user: User, case_id: int, *, write: bool) -> tuple[Case, Access]:
    return case_for(s, user, case_id, write=write,
                    read_only_reason="本机关对该案件只有阅读权限，不能办理该案件的协同业务")


def _lock(s: Session, case_id: int) -> CaseProcedure:
    """The case's procedure row, taken for writing (created in the initial state when new):
    an UPDATE first, which PostgreSQL row-locks and SQLite takes its write lock for."""
    bump = (update(CaseProcedure).where(CaseProcedure.case_id == case_id)
            .values(version=CaseProcedure.version + 1))
    if s.execute(bump).rowcount == 0:  # type: ignore[attr-defined]
        dialect = s.get_bind().dialect.name
        insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
        s.execute(insert(CaseProcedure).values(
            case_id=case_id, state=_reg().initial, procedure="普通", plea=False, detained=False,
            persons=[], version=0, updated_at=datetime.now(UTC)
        ).on_conflict_do_nothing(index_elements=["case_id"]))
        s.execute(bump)
    return s.execute(select(CaseProcedure).where(CaseProcedure.case_id == case_id)
                     .execution_options(populate_existing=True)).scalar_one()


def _facts(p: CaseProcedure) -> CaseFacts:
    return CaseFacts(p.state, p.procedure, bool(p.plea), bool(p.detained))


def _procedure(s: Session, case_id: int) -> CaseProcedure | None:
    return s.get(CaseProcedure, case_id)


# --- clocks -------------------------------------------------------------------------------------
def _events(s: Session, clock_id: int) -> list[ClockEvent]:
    rows = s.execute(select(WorkflowClockEvent).where(WorkflowClockEvent.clock_id == clock_id)
                     .order_by(WorkflowClockEvent.at, WorkflowClockEvent.id)).scalars()
    return [ClockEvent(r.kind, aware(r.at) or r.at, add=r.add, to=r.to,  # type: ignore[arg-type]
                       approver=r.approver, document=r.document, reason=r.reason) for r in rows]


def _store(row: WorkflowClock, d: Deadline, now: datetime) -> None:
    th = reminders.thresholds(d)
    row.due, row.due_at = d.due_iso(), utc(d.due_end)
    row.yellow_at, row.orange_at = utc(th.yellow_at), utc(th.orange_at)
    row.basis, row.unverified = d.basis, d.unverified  # the law or the calendar (not the
    # reminder thresholds, which are local policy and flagged in reminders.toml)
    row.status = "stopped" if d.stopped_at else "paused" if d.paused else "running"
    row.stopped_at = utc(d.stopped_at) if d.stopped_at else None
    row.updated_at = utc(now)


def _recompute(s: Session, row: WorkflowClock, now: datetime) -> Deadline:
    d = compute(_reg().clock(row.code), aware(row.started_at) or row.started_at,
                _events(s, row.id), detained=row.custody, now=now)
    _store(row, d, now)
    return d


def _level(row: WorkflowClock, now: datetime) -> str:
    if row.code in _reg().no_duty():
        return "none"
    if row.status != "running":
        return row.level if row.status == "stopped" else "none"
    n = utc(now)
    if n >= (aware(row.due_at) or n):
        return "red"
    if n >= (aware(row.orange_at) or n):
        return "orange"
    if n >= (aware(row.yellow_at) or n):
        return "yellow"
    return "none"


def _start_clock(s: Session, case_id: int, base: str, code: str, owner_id: int, now: datetime,
                 *, detained: bool, persons: Sequence[str], business_id: int | None
                 ) -> list[WorkflowClock]:
    clock: ClockDef = _reg().clock(code)
    who: list[str | None] = list(persons) if clock.custody == "always" and persons else [None]
    rows = []
    for person in who:
        d = compute(clock, now, detained=detained)
        row = WorkflowClock(case_id=case_id, code=code, base=base, name=clock.name, person=person,
                            business_id=business_id, owner_agency_id=owner_id,
                            started_at=utc(now), custody=d.custody, level="none")
        _store(row, d, now)
        row.level = _level(row, now)
        s.add(row)
        rows.append(row)
    s.flush()
    return rows


def _clocks(s: Session, case_id: int, base: str, statuses: Iterable[str]) -> list[WorkflowClock]:
    return list(s.execute(select(WorkflowClock).where(
        WorkflowClock.case_id == case_id, WorkflowClock.base == base,
        WorkflowClock.status.in_(list(statuses)))).scalars())


def _event(s: Session, row: WorkflowClock, kind: str, now: datetime, *, user_id: int | None,
           business_id: int | None = None, **fields: Any) -> Deadline:
    s.add(WorkflowClockEvent(clock_id=row.id, kind=kind, at=utc(now), user_id=user_id,
                             business_id=business_id, **fields))
    s.flush()
    return _recompute(s, row, now)


def _overrun_check(s: Session, rows: Sequence[WorkflowClock], now: datetime,
                   reason: str | None, user_id: int | None) -> None:
    """A clock stopped after its due day needs a recorded reason (given now or before)."""
    for row in rows:
        if row.code in _reg().no_duty():
            continue
        if utc(now) >= (aware(row.due_at) or utc(now)) and not row.overrun_reason:
            if not (reason and reason.strip()):
                raise IllegalTransition(
                    f"「{row.name}」已于{row.due}届满（超期），办结前须记录超期原因（overrun_reason）")
            row.overrun_reason, row.overrun_by = reason.strip(), user_id


def _apply_clocks(s: Session, case_id: int, step: Step, proc: CaseProcedure, owner_id: int,
                  now: datetime, *, user_id: int | None, business_id: int | None,
                  overrun_reason: str | None, who: Sequence[str] | None = None
                  ) -> list[WorkflowClock]:
    """Stop, pause, resume, restart and start the clocks a step names; the started ones.
    ``who``: the persons a per-person action concerns (None: all); the others' own clocks are
    left alone, and clocks of the whole case (no person) follow every action."""
    def mine(rows: list[WorkflowClock]) -> list[WorkflowClock]:
        return rows if who is None else [r for r in rows if r.person is None or r.person in who]

    persons = list(who) if who is not None else proc.persons or []
    for base in step.stop:
        rows = mine(_clocks(s, case_id, base, ("running", "paused")))
        _overrun_check(s, rows, now, overrun_reason, user_id)
        for row in rows:
            _event(s, row, "stop", now, user_id=user_id, business_id=business_id)
    for base in step.pause:
        for row in mine(_clocks(s, case_id, base, ("running",))):
            _event(s, row, "pause", now, user_id=user_id, business_id=business_id,
                   reason=step.pause_reason)
    for base in step.resume:
        for row in mine(_clocks(s, case_id, base, ("paused",))):
            _event(s, row, "resume", now, user_id=user_id, business_id=business_id)
    started: list[WorkflowClock] = []
    for base, code in step.restart:
        rows = _clocks(s, case_id, base, ("running", "paused", "stopped"))
        if rows:
            latest = max(rows, key=lambda r: r.id)
            same = [r for r in rows if r.started_at == latest.started_at and r.code == latest.code]
            for row in same:
                _event(s, row, "restart", now, user_id=user_id, business_id=business_id)
                row.level = _level(row, now)
                row.owner_agency_id = owner_id
                row.business_id = business_id or row.business_id  # kept now because of it
                started.append(row)
        else:
            started += _start_clock(s, case_id, base, code, owner_id, now, detained=step.detained,
                                    persons=persons, business_id=business_id)
    for base, code in step.start:
        started += _start_clock(s, case_id, base, code, owner_id, now, detained=step.detained,
                                persons=persons, business_id=business_id)
    return started


def _apply(s: Session, case_id: int, step: Step, proc: CaseProcedure, owner_id: int,
           now: datetime, *, user_id: int | None, business_id: int | None,
           overrun_reason: str | None, who: Sequence[str] | None = None) -> list[WorkflowClock]:
    started = _apply_clocks(s, case_id, step, proc, owner_id, now, user_id=user_id,
                            business_id=business_id, overrun_reason=overrun_reason, who=who)
    proc.state, proc.detained, proc.updated_at = step.state_after, step.detained, utc(now)
    return started


def _concerning(s: Session, case_id: int, proc: CaseProcedure, step: Step, action: str,
                names: Sequence[str] | None) -> list[str] | None:
    """The persons a per-person action names (added to the case's persons), or None for all.

    Refused: naming persons for an action of the whole case; a second 拘留 during 拘留 without
    names, or of a person whose custody clocks already run (they would run twice)."""
    t = step.transition
    if names is None:
        if t is not None and t.per_person and step.start and not step.changes_state:
            raise IllegalTransition(
                f"案件已处于「{machine.state_name(_reg(), proc.state)}」阶段：再次「{action}」"
                f"须写明所涉人员（concerning），其期限自各自「{action}」之日分别计算")
        return None
    who = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    if not who:
        raise WorkflowError("所涉人员（concerning）不能为空")
    if t is None or not t.per_person:
        raise WorkflowError(f"「{action}」按整个案件办理，不能只对部分人员（concerning）")
    held = {r.person: r.name for base, _ in step.start
            for r in _clocks(s, case_id, base, ("running", "paused")) if r.person in who}
    if held:
        raise IllegalTransition("；".join(f"{p}的「{name}」正在计算，不能重复「{action}」"
                                         for p, name in held.items()))
    proc.persons = list(dict.fromkeys([*(proc.persons or []), *who]))[:50]
    return who


def clock_view(row: WorkflowClock, now: datetime, case_number: str | None = None
               ) -> dict[str, Any]:
    level = _level(row, now)
    return {"id": row.id, "case_id": row.case_id, "case_number": case_number, "code": row.code,
            "base": row.base, "name": row.name, "person": row.person,
            "business_id": row.business_id, "owner_agency_id": row.owner_agency_id,
            "started_at": iso(row.started_at), "status": row.status, "custody": row.custody,
            "due": row.due, "due_at": iso(row.due_at), "level": level,
            "level_name": reminders.level_name(level), "basis": row.basis,
            "unverified": row.unverified, "stopped_at": iso(row.stopped_at),
            "overrun_reason": row.overrun_reason}


def deadline_view(row: WorkflowClock | None, now: datetime) -> dict[str, Any] | None:
    if row is None:
        return None
    v = clock_view(row, now)
    return {"clock_id": v["id"], "clock": v["code"], "name": v["name"], "due": v["due"],
            "level": v["level"], "level_name": v["level_name"], "basis": v["basis"],
            "unverified": v["unverified"], "custody": v["custody"], "person": v["person"]}


# --- businesses ---------------------------------------------------------------------------------
def business_views(s: Session, rows: Sequence[CaseBusiness], now: datetime,
                   with_form: bool = True) -> list[dict[str, Any]]:
    """The API's view of businesses, with their agencies, cases and deadlines read in one query
    each (an inbox page of 200 is four queries, not 800). Lists leave out the prefilled form
    (``with_form=False``: ``{}``); one business (GET /businesses/{id}) carries it."""
    reg = _reg()
    if not rows:
        return []
    ids = [b.id for b in rows]
    agencies = {a.id: a for a in s.execute(select(Agency).where(Agency.id.in_(
        {b.from_agency_id for b in rows} | {b.to_agency_id for b in rows}))).scalars()}
    numbers = dict(s.execute(select(Case.id, Case.case_number).where(
        Case.id.in_({b.case_id for b in rows}))).tuples().all())
    overrides = completeness.overrides_of_businesses(s, ids)
    clocks: dict[int, WorkflowClock] = {}
    for c in s.execute(select(WorkflowClock).where(WorkflowClock.business_id.in_(ids))
                       .order_by(WorkflowClock.id)).scalars():
        clocks.setdefault(int(c.business_id or 0), c)
    out = []
    for b in rows:
        spec = reg.business(b.code)
        frm, to = agencies[b.from_agency_id], agencies[b.to_agency_id]
        out.append({
            "id": b.id, "case_id": b.case_id, "case_number": numbers.get(b.case_id),
            "code": b.code, "name": spec.name, "category": reg.categories[spec.category],
            "from_agency": frm.code, "from_agency_name": frm.name, "to_agency": to.code,
            "to_agency_name": to.name, "status": b.status, "decision": b.decision,
            "note": b.note, "return_reason": b.return_reason,
            "document_ids": list(b.document_ids or []), "reply_to_id": b.reply_to_id,
            "access": spec.access, "state_before": b.state_before, "state_after": b.state_after,
            "form": (b.form or {}) if with_form else {}, "created_at": iso(b.created_at),
            "pushed_at": iso(b.pushed_at),
            "received_at": iso(b.received_at), "accepted_at": iso(b.accepted_at),
            "returned_at": iso(b.returned_at), "completed_at": iso(b.completed_at),
            "deadline": deadline_view(clocks.get(b.id), now),
            # 特批放行 the sender's push used: shown to the receiver, in lists too
            "overrides": overrides.get(b.id, []),
        })
    return out


def business_view(s: Session, b: CaseBusiness, now: datetime) -> dict[str, Any]:
    return business_views(s, [b], now)[0]


def _documents(s: Session, case_id: int, ids: Sequence[int], spec: Business) -> list[int]:
    """The documents a business carries: of this case, and covering the kinds it must carry."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    docs = list(s.execute(select(Document).where(Document.id.in_(ids))).scalars()) if ids else []
    if len(docs) != len(ids) or any(d.case_id != case_id for d in docs):
        raise WorkflowError("所附文书不属于本案件，或不存在")
    kinds: set[str] = set()
    for d in docs:
        if d.doc_type:
            kinds.add(d.doc_type)
        for part in (d.fields or {}).get("parts") or []:
            if isinstance(part, dict) and part.get("kind"):
                kinds.add(str(part["kind"]))
    missing = [k for k in spec.documents if k not in kinds]
    if missing:
        pending = [d.id for d in docs if d.status != DocStatus.processed]
        raise WorkflowError(
            f"「{spec.code} {spec.name}」须随附：{'、'.join(missing)}（所附文书中未识别到）"
            + (f"；文书 {pending} 尚未处理完毕" if pending else ""),
            basis="流转指引：" + "、".join(spec.documents_named))
    return ids


def prefill(s: Session, case_id: int, spec: Business) -> dict[str, Any]:
    """一次录入，多次利用: the form's fields from the case's extracted fields, each with its
    provenance (document, page, span, confidence, extractor; a clerk's correction wins)."""
    docs = list(s.execute(select(Document).where(Document.case_id == case_id,
                                                 Document.status == DocStatus.processed)
                          .order_by(Document.id)).scalars())
    fields: dict[str, Any] = {}
    for d in docs:
        rows = s.execute(select(FieldValue).where(FieldValue.document_id == d.id)
                         .order_by(FieldValue.corrected)).scalars()
        for fv in rows:
            top = fv.path.split("/", 1)[0]
            if top not in FORM_FIELDS or fv.value in (None, "", []):
                continue
            fields[fv.path] = {
                "value": fv.value, "document_id": d.id, "doc_type": d.doc_type, "page": fv.page,
                "start": fv.start, "end": fv.end, "confidence": fv.confidence,
                "extractor": fv.extractor, "corrected": fv.corrected,
                "correct_with": f"PUT /api/v1/documents/{d.id}/fields/{fv.path}"}
    suggested = {k: [d.id for d in docs if d.doc_type == k] for k in spec.documents}
    return {"code": spec.code, "name": spec.name, "fields": fields,
            "documents_required": list(spec.documents),
            "documents_named": list(spec.documents_named), "documents_suggested": suggested}


@dataclass
class Pushed:
    business: dict[str, Any]
    created: bool


def _replay(s: Session, case_id: int, user: User, spec: Business, target: Agency,
            client_key: str | None, document_ids: Sequence[int], decision: str | None,
            proc: CaseProcedure) -> CaseBusiness | None:
    if client_key:
        found = s.execute(select(CaseBusiness).where(CaseBusiness.case_id == case_id,
                                                     CaseBusiness.client_key == client_key)
                          ).scalar_one_or_none()
        if found is not None:
            if found.code != spec.code or found.to_agency_id != target.id:
                raise Conflict(f"客户端键 {client_key!r} 已用于另一业务（{found.code}）")
            return found
    # the same business again before anyone acted on it (a double click, a retry)
    for b in s.execute(select(CaseBusiness).where(
            CaseBusiness.case_id == case_id, CaseBusiness.code == spec.code,
            CaseBusiness.from_agency_id == user.agency_id, CaseBusiness.to_agency_id == target.id,
            CaseBusiness.status.in_(("草稿", "已推送")))).scalars():
        if (sorted(b.document_ids or []) == sorted(int(i) for i in document_ids)
                and b.decision == decision and b.state_after in (proc.state, None)):
            return b
    return None


def push(settings: Settings, user: User, case_id: int, code: str, to_agency: str,
         document_ids: Sequence[int] = (), note: str | None = None, *, now: datetime,
         decision: str | None = None, client_key: str | None = None, draft: bool = False,
         overrun_reason: str | None = None, reply_to_id: int | None = None) -> Pushed:
    """Create a business and push it (or keep it a draft). Refusals raise and change nothing."""
    reg = _reg()
    spec = reg.business(code)
    reindex: list[int] = []
    with session_scope(settings.db_url) as s:
        case, _ = _case(s, user, case_id, write=True)
        target = s.execute(select(Agency).where(Agency.code == to_agency)).scalar_one_or_none()
        if target is None:
            raise WorkflowError(f"未知的接收机关 {to_agency!r}")
        if target.id == user.agency_id:
            raise WorkflowError("不能向本机关推送业务")
        proc = _lock(s, case_id)
        found = _replay(s, case_id, user, spec, target, client_key, document_ids, decision, proc)
        if found is not None:
            return Pushed(business_view(s, found, now), False)
        sender = _kind(_agency(s, user.agency_id))
        receiver = target.kind if target.kind in AGENCY_KINDS else None
        if receiver is None:
            raise WorkflowError(f"接收机关 {target.name} 未设定机关类别，不能接收协同业务")
        previous = s.execute(select(func.count()).select_from(CaseBusiness).where(
            CaseBusiness.case_id == case_id, CaseBusiness.code == spec.code,
            CaseBusiness.status.not_in(("草稿", "已退回")))).scalar_one()
        step = machine.plan_business(reg, _facts(proc), spec, on="push", decision=decision,
                                     sender_kind=sender, receiver_kind=receiver,
                                     previous=int(previous))
        docs = _documents(s, case_id, document_ids, spec)
        if reply_to_id is None and spec.reply_to:
            reply_to_id = s.execute(select(CaseBusiness.id).where(
                CaseBusiness.case_id == case_id, CaseBusiness.code.in_(spec.reply_to),
                CaseBusiness.to_agency_id == user.agency_id)
                .order_by(CaseBusiness.id.desc()).limit(1)).scalar_one_or_none()
        b = CaseBusiness(case_id=case_id, code=spec.code, from_agency_id=user.agency_id,
                         to_agency_id=target.id, status="草稿", decision=decision, note=note,
                         document_ids=docs, form=prefill(s, case_id, spec), reply_to_id=reply_to_id,
                         client_key=client_key, created_by=user.id, created_at=utc(now))
        s.add(b)
        s.flush()
        audit.record(s, "business.draft", user_id=user.id, object_type="business",
                     object_id=b.id, detail={"case_id": case_id, "code": spec.code,
                                             "to": target.code, "status": "草稿"})
        if not draft:
            reindex = _do_push(s, b, spec, case, target, proc, step, user, now, overrun_reason)
        view = business_view(s, b, now)
    for doc_id in reindex:  # the search index carries who may see each document
        indexing.index_document(settings, doc_id)
    return Pushed(view, True)


def _do_push(s: Session, b: CaseBusiness, spec: Business, case: Case, target: Agency,
             proc: CaseProcedure, step: Step, user: User, now: datetime,
             overrun_reason: str | None) -> list[int]:
    # the completeness gate first: a blocking gap refuses the push before anything changes
    checked = completeness.gate(s, case, spec.code, _agency(s, user.agency_id))
    before = s.execute(select(CaseShare).where(CaseShare.case_id == case.id,
                                               CaseShare.agency_id == target.id)
                       ).scalar_one_or_none()
    had = None if before is None or before.revoked_at is not None else before.access
    b.status, b.pushed_at = "已推送", utc(now)
    b.state_before, b.state_after = step.state_before, step.state_after
    b.detained_before = bool(proc.detained)
    started = _apply(s, case.id, step, proc, target.id, now, user_id=user.id, business_id=b.id,
                     overrun_reason=overrun_reason)
    if step.transition is None and spec.receiver_clock:  # the receiver's own period
        code = _reg().variant(spec.receiver_clock, {**_facts(proc).clock_facts()}).code
        started += _start_clock(s, case.id, spec.receiver_clock, code, target.id, now,
                                detained=proc.detained, persons=(), business_id=b.id)
    sharing.grant(s, case, target, Access(spec.access), user_id=user.id, business_id=b.id)
    if checked is not None:
        completeness.mark_used(s, case.id, spec.code, b.id, checked)
        b.form = {**(b.form or {}), "checklist": checked}
    audit.record(s, "business.push", user_id=user.id, object_type="business", object_id=b.id,
                 detail={"checklist": _checked_summary(checked), "case_id": case.id, "code": spec.code, "to": target.code,
                         "status": "已推送", "decision": b.decision,
                         "state": [step.state_before, step.state_after],
                         "access": spec.access,
                         "clocks": [{"code": r.code, "due": r.due} for r in started]})
    s.flush()
    now_access = s.execute(select(CaseShare.access).where(
        CaseShare.case_id == case.id, CaseShare.agency_id == target.id)).scalar_one_or_none()
    if had == now_access:
        return []
    return list(s.execute(select(Document.id).where(
        Document.case_id == case.id, Document.status == DocStatus.processed)).scalars())


def _checked_summary(checked: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the audit keeps of the gate's verdict: checked or why not, warnings, overrides."""
    if checked is None:
        return None
    return {"checked": checked.get("checked"), "reason": checked.get("reason"),
            "case_type": checked.get("case_type"), "warnings": checked.get("warnings", []),
            "overrides": [{"item": o["item"], "reason": o["reason"], "by": o["by"]}
                          for o in checked.get("override_records", [])]}


def move(settings: Settings, user: User, business_id: int, name: str, *, now: datetime,
         reason: str | None = None, overrun_reason: str | None = None) -> dict[str, Any]:
    """push (a draft) / receive / accept / return (with a reason) / complete a business."""
    reg = _reg()
    reindex: list[int] = []
    with session_scope(settings.db_url) as s:
        b = s.get(CaseBusiness, business_id)
        if b is None or user.agency_id not in (b.from_agency_id, b.to_agency_id):
            raise NotFound(f"业务 {business_id} 不存在")
        spec = reg.business(b.code)
        m = machine.check_move(reg, b.status, name, reason=reason)
        side = b.from_agency_id if m.by == "sender" else b.to_agency_id
        if user.agency_id != side:
            who = "发起机关" if m.by == "sender" else "接收机关"
            raise Denied(f"只有{who}可以{MOVE_NAMES.get(name, name)}该业务")
        case = s.get(Case, b.case_id)
        assert case is not None
        proc = _lock(s, b.case_id)
        s.refresh(b)
        machine.check_move(reg, b.status, name, reason=reason)  # again, under the lock
        if name == "push":
            target = _agency(s, b.to_agency_id)
            _case(s, user, b.case_id, write=True)
            previous = s.execute(select(func.count()).select_from(CaseBusiness).where(
                CaseBusiness.case_id == b.case_id, CaseBusiness.code == spec.code,
                CaseBusiness.id != b.id,
                CaseBusiness.status.not_in(("草稿", "已退回")))).scalar_one()
            step = machine.plan_business(reg, _facts(proc), spec, on="push", decision=b.decision,
                                         sender_kind=_kind(_agency(s, user.agency_id)),
                                         receiver_kind=target.kind, previous=int(previous))
            reindex = _do_push(s, b, spec, case, target, proc, step, user, now, overrun_reason)
        else:
            detail: dict[str, Any] = {"case_id": b.case_id, "code": b.code, "status": m.to,
                                      "from_status": b.status}
            if name == "return":
                _undo_push(s, b, proc, user, now)
                b.return_reason, b.returned_at = (reason or "").strip(), utc(now)
                detail["reason"] = b.return_reason
            elif name in ("accept", "complete"):
                step = machine.plan_business(reg, _facts(proc), spec, on=name,
                                             decision=b.decision)
                if step.transition is not None:
                    _apply(s, b.case_id, step, proc, user.agency_id, now, user_id=user.id,
                           business_id=b.id, overrun_reason=overrun_reason)
                    detail["state"] = [step.state_before, step.state_after]
                if name == "accept":
                    b.accepted_at = utc(now)
                else:
                    b.completed_at = utc(now)
                    own = list(s.execute(select(WorkflowClock).where(
                        WorkflowClock.business_id == b.id,
                        WorkflowClock.base == (spec.receiver_clock or ""),
                        WorkflowClock.status.in_(("running", "paused")))).scalars())
                    _overrun_check(s, own, now, overrun_reason, user.id)
                    for row in own:  # the receiver has done what this business asked
                        _event(s, row, "stop", now, user_id=user.id, business_id=b.id)
            else:
                b.received_at = utc(now)
            b.status = m.to
            audit.record(s, f"business.{name}", user_id=user.id, object_type="business",
                         object_id=b.id, detail=detail)
        view = business_view(s, b, now)
    for doc_id in reindex:
        indexing.index_document(settings, doc_id)
    return view


def _undo_push(s: Session, b: CaseBusiness, proc: CaseProcedure, user: User,
               now: datetime) -> None:
    """A returned business takes back what its push did to the case: the state and the 在押
    flag (if nothing moved the case since) and the clocks it started. Its share stays
    (revocation is the owner's)."""
    if b.state_before and b.state_after and b.state_before != b.state_after:
        if proc.state != b.state_after:
            raise IllegalTransition(
                f"案件已从「{b.state_after}」进入「{proc.state}」，不能再退回该业务")
        proc.state = b.state_before
    if b.detained_before is not None and proc.state == b.state_before:
        proc.detained = b.detained_before  # a 不批准逮捕 sent in error: the person is held again
    events = s.execute(select(WorkflowClockEvent).where(
        WorkflowClockEvent.business_id == b.id)).scalars().all()
    touched = {e.clock_id for e in events}
    restarted = {e.clock_id for e in events if e.kind == "restart"}
    # what the push did to running clocks (stops, restarts, pauses) is taken back
    s.execute(delete(WorkflowClockEvent).where(WorkflowClockEvent.business_id == b.id))
    s.flush()
    for cid in sorted(touched):
        row = s.get(WorkflowClock, cid)
        if row is not None:
            _recompute(s, row, now)
            row.level = _level(row, now)
    for row in s.execute(select(WorkflowClock).where(WorkflowClock.business_id == b.id)
                         ).scalars().all():
        if row.id not in restarted and row.status != "stopped":  # clocks it started end here
            _event(s, row, "stop", now, user_id=user.id, business_id=b.id, reason="业务被退回")
    proc.updated_at = utc(now)


# --- documents an agency adds to a shared case -------------------------------------------------
def add_document(settings: Settings, user: User, case_id: int, data: bytes,
                 filename: str) -> tuple[int, int, bool]:
    """(document id, task id, duplicate): a document an agency with write access to a case adds
    to its dossier (the 起诉书 of the procuratorate, the court's 判决书), accepted as every upload
    is (services.intake: checks, the blob store, the same bytes are one document)."""
    from services import intake

    with session_scope(settings.db_url) as s:
        _case(s, user, case_id, write=True)
    acc = intake.accept(settings, user, data, filename, None, into_case=case_id)
    return acc.document_id, acc.task_id, acc.duplicate


# --- actions of the owning agency ----------------------------------------------------------------
def act(settings: Settings, user: User, case_id: int, action: str, *, now: datetime,
        persons: Sequence[str] | None = None, note: str | None = None,
        overrun_reason: str | None = None, concerning: Sequence[str] | None = None
        ) -> dict[str, Any]:
    """立案, 拘留, 讯问, 取保候审, 宣判, 生效, 二审裁判, 恢复审理, 结案 (procedure.toml).

    ``persons`` replaces the case's list of persons held; ``concerning`` names the persons a
    per-person action (拘留, 讯问) is about, on its own day (they join the list)."""
    reg = _reg()
    with session_scope(settings.db_url) as s:
        _case(s, user, case_id, write=True)
        proc = _lock(s, case_id)
        if persons is not None:
            proc.persons = [p.strip() for p in persons if p and p.strip()][:50]
        expired = {r.base for r in s.execute(select(WorkflowClock).where(
            WorkflowClock.case_id == case_id, WorkflowClock.due_at <= utc(now))).scalars()}
        step = machine.plan_action(reg, _facts(proc), action,
                                   actor_kind=_kind(_agency(s, user.agency_id)), expired=expired)
        who = _concerning(s, case_id, proc, step, action, concerning)
        started = _apply(s, case_id, step, proc, user.agency_id, now, user_id=user.id,
                         business_id=None, overrun_reason=overrun_reason, who=who)
        audit.record(s, "case.procedure", user_id=user.id, object_type="case", object_id=case_id,
                     detail={"action": action, "state": [step.state_before, step.state_after],
                             "note": note, "concerning": who,
                             "clocks": [{"code": r.code, "due": r.due,
                                                       "person": r.person} for r in started]})
        return {"case_id": case_id, "state": proc.state, "action": action,
                "concerning": who, "clocks": [clock_view(r, now) for r in started]}


def set_procedure(settings: Settings, user: User, case_id: int, procedure: str, plea: bool,
                  persons: Sequence[str] | None = None) -> dict[str, Any]:
    reg = _reg()
    machine.check_procedure(reg, procedure, plea)
    with session_scope(settings.db_url) as s:
        _case(s, user, case_id, write=True)
        proc = _lock(s, case_id)
        proc.procedure, proc.plea = procedure, plea
        if persons is not None:
            proc.persons = [p.strip() for p in persons if p and p.strip()][:50]
        audit.record(s, "case.procedure.set", user_id=user.id, object_type="case",
                     object_id=case_id, detail={"procedure": procedure, "plea": plea,
                                                "persons": proc.persons})
        return {"case_id": case_id, "state": proc.state, "procedure": procedure, "plea": plea,
                "persons": list(proc.persons or [])}


# --- clock events by their keeper ----------------------------------------------------------------
def clock_event(settings: Settings, user: User, clock_id: int, kind: str, *, now: datetime,
                add: str | None = None, to: str | None = None, approver: str | None = None,
                document: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """An extension approval, or a pause/resume (鉴定 …), recorded on a clock by its keeper."""
    if kind not in ("extend", "pause", "resume"):
        raise WorkflowError(f"未知的期限事件 {kind!r}：应为 extend、pause 或 resume")
    if kind == "extend" and not (approver and approver.strip()):
        raise WorkflowError("延长期限须写明批准机关或批准人（approver）")
    with session_scope(settings.db_url) as s:
        row = s.get(WorkflowClock, clock_id)
        if row is None or case_access(s, user, row.case_id) is None:
            raise NotFound(f"期限 {clock_id} 不存在")
        if row.owner_agency_id != user.agency_id:
            raise Denied("只有办理该期限的机关可以登记延长、中止或恢复")
        _lock(s, row.case_id)
        s.refresh(row)
        if row.status == "stopped":
            raise IllegalTransition(f"「{row.name}」已停止计算")
        _event(s, row, kind, now, user_id=user.id, add=add, to=to, approver=approver,
               document=document, reason=reason)
        row.level = _level(row, now)
        audit.record(s, f"clock.{kind}", user_id=user.id, object_type="clock", object_id=row.id,
                     detail={"case_id": row.case_id, "code": row.code, "add": add, "to": to,
                             "approver": approver, "document": document, "reason": reason,
                             "due": row.due})
        return clock_view(row, now)


def record_overrun(settings: Settings, user: User, clock_id: int, reason: str, *,
                   now: datetime) -> dict[str, Any]:
    if not reason.strip():
        raise WorkflowError("超期原因不能为空")
    with session_scope(settings.db_url) as s:
        row = s.get(WorkflowClock, clock_id)
        if row is None or case_access(s, user, row.case_id) is None:
            raise NotFound(f"期限 {clock_id} 不存在")
        if row.owner_agency_id != user.agency_id:
            raise Denied("只有办理该期限的机关可以记录超期原因")
        if utc(now) < (aware(row.due_at) or utc(now)):
            raise IllegalTransition(f"「{row.name}」尚未超期（{row.due}届满）")
        row.overrun_reason, row.overrun_by = reason.strip(), user.id
        audit.record(s, "clock.overrun", user_id=user.id, object_type="clock", object_id=row.id,
                     detail={"case_id": row.case_id, "code": row.code, "reason": reason.strip()})
        return clock_view(row, now)


# --- what an agency sees -------------------------------------------------------------------------
def inbox(settings: Settings, user: User, *, now: datetime, status: str | None = None,
          limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """The businesses sent to the caller's agency (open ones unless ``status`` says)."""
    with session_scope(settings.db_url) as s:
        q = select(CaseBusiness).where(CaseBusiness.to_agency_id == user.agency_id)
        q = q.where(CaseBusiness.status == status) if status else q.where(
            CaseBusiness.status.in_(OPEN))
        rows = s.execute(q.options(defer(CaseBusiness.form))
                         .order_by(CaseBusiness.pushed_at.desc(), CaseBusiness.id.desc())
                         .limit(limit).offset(offset)).scalars().all()
        return business_views(s, rows, now, with_form=False)


def _level_clause(level: str, now: datetime) -> Any:
    n = utc(now)
    duty = WorkflowClock.code.not_in(_reg().no_duty())
    if level == "red":
        return and_(duty, WorkflowClock.due_at <= n)
    if level == "orange":
        return and_(duty, WorkflowClock.orange_at <= n, WorkflowClock.due_at > n)
    if level == "yellow":
        return and_(duty, WorkflowClock.yellow_at <= n, WorkflowClock.orange_at > n)
    if level == "none":
        return or_(~duty, WorkflowClock.yellow_at > n)
    raise WorkflowError(f"未知的预警级别 {level!r}：应为 {'、'.join(reminders.LEVELS)}")


def due_list(settings: Settings, user: User, *, now: datetime, level: str | None = None,
             limit: int = 100, offset: int = 0, latest_first: bool = False
             ) -> list[dict[str, Any]]:
    """The running clocks the caller's agency keeps, soonest due first (or latest first)."""
    with session_scope(settings.db_url) as s:
        q = (select(WorkflowClock, Case.case_number).join(Case, Case.id == WorkflowClock.case_id)
             .where(WorkflowClock.owner_agency_id == user.agency_id,
                    WorkflowClock.status == "running"))
        if level:
            q = q.where(_level_clause(level, now))
        order = ((WorkflowClock.due_at.desc(), WorkflowClock.id.desc()) if latest_first
                 else (WorkflowClock.due_at, WorkflowClock.id))
        rows = s.execute(q.order_by(*order).limit(limit).offset(offset)).all()
        return [clock_view(r, now, num) for r, num in rows]


def badges(settings: Settings, user: User, *, now: datetime) -> dict[str, Any]:
    """Counts for the home page: open businesses in the inbox per code, clocks per level."""
    with session_scope(settings.db_url) as s:
        per_code: dict[str, int] = {str(c): int(n) for c, n in s.execute(
            select(CaseBusiness.code, func.count()).where(
            CaseBusiness.to_agency_id == user.agency_id, CaseBusiness.status.in_(OPEN))
            .group_by(CaseBusiness.code)).all()}
        levels = {}
        for lv in ("yellow", "orange", "red"):
            levels[lv] = int(s.execute(select(func.count()).select_from(WorkflowClock).where(
                WorkflowClock.owner_agency_id == user.agency_id,
                WorkflowClock.status == "running", _level_clause(lv, now))).scalar_one())
        reg = _reg()
        return {"inbox": {c: {"name": reg.business(c).name, "count": int(n)}
                          for c, n in sorted(per_code.items())},
                "inbox_total": int(sum(per_code.values())), "levels": levels}


def timeline(settings: Settings, user: User, case_id: int, *, now: datetime) -> dict[str, Any]:
    """Every business and clock of a case, in time order, with the procedure's state."""
    reg = _reg()
    with session_scope(settings.db_url) as s:
        case, access = _case(s, user, case_id, write=False)
        proc = _procedure(s, case_id)
        state = proc.state if proc else reg.initial
        bs = s.execute(select(CaseBusiness).where(CaseBusiness.case_id == case_id)
                       .order_by(CaseBusiness.id)).scalars().all()
        clocks = s.execute(select(WorkflowClock).where(WorkflowClock.case_id == case_id)
                           .order_by(WorkflowClock.started_at, WorkflowClock.id)).scalars().all()
        events = {c.id: [{"kind": e.kind, "at": iso(e.at), "add": e.add, "to": e.to,
                          "approver": e.approver, "document": e.document, "reason": e.reason}
                         for e in s.execute(select(WorkflowClockEvent).where(
                             WorkflowClockEvent.clock_id == c.id)
                             .order_by(WorkflowClockEvent.at, WorkflowClockEvent.id)).scalars()]
                  for c in clocks}
        st = reg.states.get(state)
        return {
            "case_id": case_id, "case_number": case.case_number, "access": access.value,
            "state": state, "state_name": st.name if st else state,
            "owner": st.owner if st else "", "owner_name": machine.kind_name(st.owner if st else ""),
            "procedure": proc.procedure if proc else "普通", "plea": bool(proc.plea) if proc else False,
            "detained": bool(proc.detained) if proc else False,
            "persons": list(proc.persons or []) if proc else [],
            "businesses": business_views(s, bs, now),
            "clocks": [{**clock_view(c, now), "events": events[c.id]} for c in clocks],
            "actions": [t.action for t in reg.transitions if t.action and state in t.from_states],
            "next_businesses": sorted({t.business for t in reg.transitions
                                       if t.business and t.on == "push" and state in t.from_states}),
        }


def receivers(settings: Settings, user: User) -> list[dict[str, str]]:
    """The agencies a business can be pushed to (every other agency with a kind), for forms."""
    with session_scope(settings.db_url) as s:
        rows = s.execute(select(Agency).where(Agency.id != user.agency_id,
                                              Agency.kind.in_(AGENCY_KINDS))
                         .order_by(Agency.kind, Agency.name)).scalars()
        return [{"code": a.code, "name": a.name, "kind": a.kind} for a in rows]


def form(settings: Settings, user: User, case_id: int, code: str) -> dict[str, Any]:
    with session_scope(settings.db_url) as s:
        _case(s, user, case_id, write=False)
        return prefill(s, case_id, _reg().business(code))


def get_business(settings: Settings, user: User, business_id: int, *, now: datetime
                 ) -> dict[str, Any]:
    with session_scope(settings.db_url) as s:
        b = s.get(CaseBusiness, business_id)
        if b is None or user.agency_id not in (b.from_agency_id, b.to_agency_id):
            raise NotFound(f"业务 {business_id} 不存在")
        return business_view(s, b, now)


def notifications(settings: Settings, user: User, limit: int = 100) -> list[dict[str, Any]]:
    with session_scope(settings.db_url) as s:
        rows = s.execute(select(WorkflowNotification).where(
            WorkflowNotification.agency_id == user.agency_id)
            .order_by(WorkflowNotification.id.desc()).limit(limit)).scalars()
        return [{"id": n.id, "clock_id": n.clock_id, "case_id": n.case_id, "level": n.level,
                 "previous": n.previous, "message": n.message, "created_at": iso(n.created_at)}
                for n in rows]


# --- the reminder job ------------------------------------------------------------------------------
def sweep_reminders(settings: Settings, now: datetime | None = None, batch: int = 5000) -> int:
    """Move running clocks to the level ``now`` puts them at and record one notification per
    change (a clock whose level did not change is not touched). Returns how many changed.

    Set-based: per target level, the candidates are read in one query, claimed by one UPDATE
    per previous level (``... AND level = previous RETURNING id``, so a clock another worker
    moved meanwhile is not claimed twice) and their notifications inserted in one statement."""
    now = now or datetime.now(UTC)
    changed = 0
    with session_scope(settings.db_url) as s:
        for lv in ("red", "orange", "yellow", "none"):
            rows = s.execute(
                select(WorkflowClock.id, WorkflowClock.level, WorkflowClock.case_id,
                       WorkflowClock.owner_agency_id, WorkflowClock.name, WorkflowClock.due,
                       WorkflowClock.person, Case.case_number)
                .join(Case, Case.id == WorkflowClock.case_id)
                .where(WorkflowClock.status == "running", WorkflowClock.level != lv,
                       _level_clause(lv, now)).limit(batch)).all()
            by_old: dict[str, list[Any]] = {}
            for row in rows:
                by_old.setdefault(row[1], []).append(row)
            notes = []
            for old, group in by_old.items():
                info = {r[0]: r for r in group}
                claimed: list[int] = []
                ids = list(info)
                for k in range(0, len(ids), 1000):
                    claimed += list(s.execute(
                        update(WorkflowClock).where(WorkflowClock.id.in_(ids[k:k + 1000]),
                                                    WorkflowClock.level == old)
                        .values(level=lv).returning(WorkflowClock.id)).scalars())
                changed += len(claimed)
                if lv == "none":
                    continue  # back to normal (an extension): nothing to warn about
                for cid in claimed:
                    _, _, case_id, agency_id, name, due, person, number = info[cid]
                    who = f"（{person}）" if person else ""
                    notes.append({
                        "clock_id": cid, "case_id": case_id, "agency_id": agency_id,
                        "level": lv, "previous": old, "created_at": utc(now),
                        "message": f"案件{number or case_id}{who}「{name}」"
                                   f"{reminders.level_name(lv)}：{due}届满"
                                   + ("，已超期，请记录超期原因" if lv == "red" else "")})
            if notes:
                s.execute(insert(WorkflowNotification), notes)
    return changed


def overdue_without_reason(settings: Settings, agency_id: int, now: datetime) -> int:
    with session_scope(settings.db_url) as s:
        return int(s.execute(select(func.count()).select_from(WorkflowClock).where(
            WorkflowClock.owner_agency_id == agency_id, WorkflowClock.due_at <= utc(now),
            or_(WorkflowClock.status == "running", WorkflowClock.stopped_at > WorkflowClock.due_at),
            WorkflowClock.overrun_reason.is_(None))).scalar_one())

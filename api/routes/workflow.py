"""Businesses between agencies, the case's procedure, legal deadlines and reminders (REST).

Every refusal is Chinese: an illegal transition, a clock event the law does not provide for (a
third 退补, an extension beyond the allowed ones) or a collision with another agency's step is a
409, a business the registry refuses (missing documents, unknown code) a 422, a case or business
the caller may not see a 404, one it sees but may not act on a 403. "Now" comes from the
``workflow_now`` dependency, which tests override to move the clock without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, File, Header, HTTPException, Query, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SettingsDep, UserDep
from services import workflow as wf
from workflow.errors import (
    ClockError,
    IllegalTransition,
    Incomplete,
    UnknownCode,
    WorkflowError,
)

router = APIRouter(prefix="/api/v1", tags=["workflow"])

T = TypeVar("T")


def workflow_now() -> datetime:
    """The moment the workflow counts from; tests override this dependency."""
    return datetime.now(UTC)


NowDep = Annotated[datetime, Depends(workflow_now)]


class IncompleteRefusal(HTTPException):
    """422 of the completeness gate: ``detail`` the Chinese refusal (one line per gap), and
    ``checklist`` the whole verdict (api/app.py answers both)."""

    def __init__(self, exc: Incomplete) -> None:
        super().__init__(422, str(exc))
        self.checklist = exc.checklist


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a service function, turning its refusals into HTTP answers with Chinese reasons:
    an unknown code 422, a case or business not found (LookupError) 404, not allowed
    (PermissionError) 403, an incomplete dossier 422 with its checklist."""
    try:
        return fn(*args, **kwargs)
    except UnknownCode as exc:
        raise HTTPException(422, str(exc)) from exc
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from exc
    except PermissionError as exc:
        raise HTTPException(403, str(exc)) from exc
    except Incomplete as exc:
        raise IncompleteRefusal(exc) from exc
    except (IllegalTransition, ClockError, wf.Conflict) as exc:
        raise HTTPException(409, str(exc)) from exc
    except WorkflowError as exc:
        raise HTTPException(422, str(exc)) from exc


# --- requests -----------------------------------------------------------------------------------
class PushIn(BaseModel):
    code: str = Field(min_length=2, max_length=4, description="business code of the registry, A1 … G3")
    to_agency: str = Field(min_length=1, max_length=64, description="code of the receiving agency")
    document_ids: list[int] = Field(default_factory=list, max_length=200)
    note: str | None = Field(None, max_length=2000)
    decision: str | None = Field(None, max_length=20, description="批准逮捕 / 不批准逮捕 …")
    client_key: str | None = Field(None, max_length=100,
                                   description="idempotency key: a repeated push returns the first")
    draft: bool = Field(False, description="keep it a draft (草稿); push it later")
    overrun_reason: str | None = Field(None, max_length=2000,
                                       description="why a clock this push stops ran over")


class MoveIn(BaseModel):
    reason: str | None = Field(None, max_length=2000, description="退回 needs a reason")
    overrun_reason: str | None = Field(None, max_length=2000)


class ActionIn(BaseModel):
    action: str = Field(min_length=1, max_length=20, description="立案, 拘留, 宣判, 生效 …")
    persons: list[str] | None = Field(None, max_length=50,
                                      description="persons held (custody clocks per person)")
    concerning: list[str] | None = Field(
        None, max_length=50, description="the persons this 拘留/讯问 is about, on its own day "
                                         "(their clocks only; they join the persons held)")
    note: str | None = Field(None, max_length=2000)
    overrun_reason: str | None = Field(None, max_length=2000)


class ProcedureIn(BaseModel):
    procedure: Literal["普通", "简易", "速裁"] = "普通"
    plea: bool = Field(False, description="认罪认罚")
    persons: list[str] | None = Field(None, max_length=50)


class ClockEventIn(BaseModel):
    kind: Literal["extend", "pause", "resume"]
    add: str | None = Field(None, max_length=12, description="extension: length added (15d, 1m)")
    to: str | None = Field(None, max_length=12, description="extension: the new total (15d)")
    approver: str | None = Field(None, max_length=100)
    document: str | None = Field(None, max_length=200)
    reason: str | None = Field(None, max_length=200, description="pause: 精神病鉴定, 二审阅卷 …")


class OverrunIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


# --- responses ----------------------------------------------------------------------------------
class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeadlineOut(Out):
    clock_id: int
    clock: str
    name: str
    due: str = Field(description="ISO date, or date-time for clocks counted in hours")
    level: Literal["none", "yellow", "orange", "red"]
    level_name: str
    basis: str = Field(description="legal basis; ⚠ marks what is unverified")
    unverified: bool
    custody: bool
    person: str | None


class BusinessOut(Out):
    id: int
    case_id: int
    case_number: str | None
    code: str
    name: str
    category: str
    from_agency: str
    from_agency_name: str
    to_agency: str
    to_agency_name: str
    status: str = Field(description="草稿 已推送 已签收 已受理 已退回 已办结")
    decision: str | None
    note: str | None
    return_reason: str | None
    document_ids: list[int]
    reply_to_id: int | None
    access: Literal["read", "write"]
    state_before: str | None
    state_after: str | None
    form: dict[str, Any] = Field(description="the form prefilled from the extracted fields, "
                                             "with provenance; {} in the inbox list")
    created_at: str | None
    pushed_at: str | None
    received_at: str | None
    accepted_at: str | None
    returned_at: str | None
    completed_at: str | None
    deadline: DeadlineOut | None
    overrides: list[dict[str, Any]] = Field(
        default_factory=list, description="特批放行 the push used: item, reason, by, role, at")


class PushOut(Out):
    business: BusinessOut
    deadline: DeadlineOut | None
    created: bool = Field(description="false: a repeated push, the first business is returned")


class ClockOut(Out):
    id: int
    case_id: int
    case_number: str | None
    code: str
    base: str
    name: str
    person: str | None
    business_id: int | None
    owner_agency_id: int
    started_at: str | None
    status: Literal["running", "paused", "stopped"]
    custody: bool
    due: str
    due_at: str | None
    level: Literal["none", "yellow", "orange", "red"]
    level_name: str
    basis: str
    unverified: bool
    stopped_at: str | None
    overrun_reason: str | None


class ClockEventOut(Out):
    kind: str
    at: str | None
    add: str | None
    to: str | None
    approver: str | None
    document: str | None
    reason: str | None


class TimelineClock(ClockOut):
    events: list[ClockEventOut]


class ActionOut(Out):
    case_id: int
    state: str
    action: str
    concerning: list[str] | None = None
    clocks: list[ClockOut]


class ProcedureOut(Out):
    case_id: int
    state: str
    procedure: str
    plea: bool
    persons: list[str]


class TimelineOut(Out):
    case_id: int
    case_number: str | None
    access: str
    state: str
    state_name: str
    owner: str
    owner_name: str
    procedure: str
    plea: bool
    detained: bool
    persons: list[str]
    businesses: list[BusinessOut]
    clocks: list[TimelineClock]
    actions: list[str]
    next_businesses: list[str]


class FormOut(Out):
    code: str
    name: str
    fields: dict[str, Any] = Field(description="path → {value, document_id, page, start, end, "
                                               "confidence, extractor, corrected, correct_with}")
    documents_required: list[str]
    documents_named: list[str]
    documents_suggested: dict[str, list[int]]


class NotificationOut(Out):
    id: int
    clock_id: int
    case_id: int
    level: str
    previous: str
    message: str
    created_at: str | None


class DocumentAdded(Out):
    document_id: int
    task_id: int
    case_id: int
    duplicate: bool


class BadgeCount(Out):
    name: str
    count: int


class BadgesOut(Out):
    inbox: dict[str, BadgeCount]
    inbox_total: int
    levels: dict[str, int]


# --- routes -------------------------------------------------------------------------------------
@router.post("/cases/{case_id}/businesses", status_code=201, response_model=PushOut)
def push_business(case_id: int, body: PushIn, settings: SettingsDep, user: UserDep, now: NowDep,
                  response: Response,
                  idempotency_key: Annotated[str | None, Header(max_length=100)] = None
                  ) -> dict[str, Any]:
    """Push a business (协同业务) to another agency: 201 with the business and the deadline its
    receiver must keep; a repeated push (same ``client_key`` / ``Idempotency-Key``, or the same
    business not yet acted on) answers 200 with the first one."""
    pushed = call(wf.push, settings, user, case_id, body.code, body.to_agency, body.document_ids,
                  body.note, now=now, decision=body.decision,
                  client_key=body.client_key or idempotency_key, draft=body.draft,
                  overrun_reason=body.overrun_reason)
    if not pushed.created:
        response.status_code = 200
    return {"business": pushed.business, "deadline": pushed.business["deadline"],
            "created": pushed.created}


@router.get("/cases/{case_id}/businesses/form", response_model=FormOut)
def business_form(case_id: int, settings: SettingsDep, user: UserDep,
                  code: Annotated[str, Query(min_length=2, max_length=4)]) -> dict[str, Any]:
    """The business form prefilled from the dossier's extracted fields, with their provenance."""
    return call(wf.form, settings, user, case_id, code)


@router.get("/businesses/{business_id}", response_model=BusinessOut)
def get_business(business_id: int, settings: SettingsDep, user: UserDep,
                 now: NowDep) -> dict[str, Any]:
    return call(wf.get_business, settings, user, business_id, now=now)


@router.post("/businesses/{business_id}/{move}", response_model=BusinessOut)
def move_business(business_id: int, move: Literal["push", "receive", "accept", "return",
                                                  "complete"],
                  settings: SettingsDep, user: UserDep, now: NowDep,
                  body: MoveIn | None = None) -> dict[str, Any]:
    """签收 (receive), 受理 (accept), 退回 (return, with a reason), 办结 (complete) by the
    receiving agency; push a draft by the sender. Audited at every change."""
    body = body or MoveIn()
    return call(wf.move, settings, user, business_id, move, now=now, reason=body.reason,
                overrun_reason=body.overrun_reason)


@router.get("/inbox", response_model=list[BusinessOut])
def inbox(settings: SettingsDep, user: UserDep, now: NowDep,
          status: Annotated[Literal["已推送", "已签收", "已受理", "已退回", "已办结"] | None,
                            Query()] = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 50,
          offset: Annotated[int, Query(ge=0, le=100_000)] = 0) -> list[dict[str, Any]]:
    """The businesses sent to the caller's agency (open ones by default), newest first."""
    return call(wf.inbox, settings, user, now=now, status=status, limit=limit, offset=offset)


@router.get("/deadlines", response_model=list[ClockOut])
def deadlines(settings: SettingsDep, user: UserDep, now: NowDep,
              level: Annotated[Literal["none", "yellow", "orange", "red"] | None,
                               Query()] = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 100,
              offset: Annotated[int, Query(ge=0, le=100_000)] = 0) -> list[dict[str, Any]]:
    """The running clocks the caller's agency keeps, soonest due first."""
    return call(wf.due_list, settings, user, now=now, level=level, limit=limit, offset=offset)


@router.get("/workflow/badges", response_model=BadgesOut)
def badges(settings: SettingsDep, user: UserDep, now: NowDep) -> dict[str, Any]:
    return call(wf.badges, settings, user, now=now)


@router.get("/notifications", response_model=list[NotificationOut])
def notifications(settings: SettingsDep, user: UserDep) -> list[dict[str, Any]]:
    return call(wf.notifications, settings, user)


@router.get("/cases/{case_id}/procedure", response_model=TimelineOut)
def procedure(case_id: int, settings: SettingsDep, user: UserDep, now: NowDep) -> dict[str, Any]:
    """The case's state, its businesses and clocks in time order (the timeline)."""
    return call(wf.timeline, settings, user, case_id, now=now)


@router.put("/cases/{case_id}/procedure", response_model=ProcedureOut)
def set_procedure(case_id: int, body: ProcedureIn, settings: SettingsDep,
                  user: UserDep) -> dict[str, Any]:
    """普通/简易/速裁 and 认罪认罚 (速裁 needs 认罪认罚), the persons held."""
    return call(wf.set_procedure, settings, user, case_id, body.procedure, body.plea,
                body.persons)


@router.post("/cases/{case_id}/actions", response_model=ActionOut)
def action(case_id: int, body: ActionIn, settings: SettingsDep, user: UserDep,
           now: NowDep) -> dict[str, Any]:
    """An action of the agency owning the case's current state: 立案, 拘留, 宣判, 生效 …"""
    return call(wf.act, settings, user, case_id, body.action, now=now, persons=body.persons,
                note=body.note, overrun_reason=body.overrun_reason, concerning=body.concerning)


@router.post("/clocks/{clock_id}/events", response_model=ClockOut)
def clock_event(clock_id: int, body: ClockEventIn, settings: SettingsDep, user: UserDep,
                now: NowDep) -> dict[str, Any]:
    """An extension approval (approver, document, length) or a pause/resume of a clock."""
    return call(wf.clock_event, settings, user, clock_id, body.kind, now=now, add=body.add,
                to=body.to, approver=body.approver, document=body.document, reason=body.reason)


@router.post("/clocks/{clock_id}/overrun-reason", response_model=ClockOut)
def overrun_reason(clock_id: int, body: OverrunIn, settings: SettingsDep, user: UserDep,
                   now: NowDep) -> dict[str, Any]:
    """Record why a clock ran over its due day (needed before it can be stopped)."""
    return call(wf.record_overrun, settings, user, clock_id, body.reason, now=now)


@router.post("/cases/{case_id}/documents", status_code=202, response_model=DocumentAdded)
async def add_document(case_id: int, settings: SettingsDep, user: UserDep,
                       file: Annotated[UploadFile, File(description="PDF, image or UTF-8 text")]
                       ) -> dict[str, Any]:
    """Add a document to a case the caller's agency owns or was handed with write access (the
    起诉书 to the police's case, the 判决书 …), processed like every upload."""
    from api.routes.documents import read_upload
    from services import intake
    from workers import queue

    data = await read_upload(file, settings)
    try:
        doc_id, task_id, dup = await run_in_threadpool(call, wf.add_document, settings, user,
                                                       case_id, data, file.filename or "upload")
    except intake.UploadRejected as exc:
        raise HTTPException(exc.status, exc.reason) from exc
    if not dup:
        await run_in_threadpool(queue.submit, settings, task_id)
    return {"document_id": doc_id, "task_id": task_id, "case_id": case_id, "duplicate": dup}

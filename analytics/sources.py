"""The rows behind each statistic (see analytics.query for the columns a source yields).

Businesses and clocks are those ``services.workflow`` writes: a business counts once pushed and
not returned (草稿 and 已退回 are not counted); a clock that a returned business had started (its
stop event carries the reason ``业务被退回``) never existed for the figures. Codes are those of
``workflow/data/registry.toml``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, literal, or_, select

from analytics.query import CASE_TYPES, Ctx, aware, persons_of, str_id
from models.schema import (
    AuditEvent,
    Case,
    CaseBusiness,
    CaseProcedure,
    Charge,
    Document,
    FieldValue,
    Sentence,
    Task,
    WorkflowClock,
    WorkflowClockEvent,
)

#: businesses that stand: pushed and not returned (drafts and returned ones are not counted)
LIVE = ("已推送", "已签收", "已受理", "已办结")
#: the stop reason services.workflow gives the clocks of a business that was returned
RETURNED_STOP = "业务被退回"
#: the clocks that measure a stage of the procedure, by the clock's base code, and its keeper
STAGES = {"B2": "审查逮捕", "INV_CUSTODY": "逮捕后侦查", "C1": "审查起诉",
          "C2": "退回补充侦查", "TRIAL1": "一审", "TRIAL2": "二审"}
#: a stopped stage clock whose case is still in one of these states has not finished its stage
#: (审查起诉 stopped by 退回补充侦查 restarts at 重新移送; 一审 stopped by 延期审理补充侦查 resumes)
REOPEN = {"C1": ("审查起诉", "退回补充侦查"), "TRIAL1": ("一审",), "TRIAL2": ("二审",)}
FIXED_TERMS = ("有期徒刑", "拘役")  # the principal penalties probation may suspend (刑法第七十二条)


# --- clocks -------------------------------------------------------------------------------------
def _not_voided() -> Any:
    return ~exists(select(WorkflowClockEvent.id).where(
        WorkflowClockEvent.clock_id == WorkflowClock.id, WorkflowClockEvent.kind == "stop",
        WorkflowClockEvent.reason == RETURNED_STOP))


def _finished() -> Any:
    still_open = [and_(WorkflowClock.base == b, func.coalesce(CaseProcedure.state, "").in_(st))
                  for b, st in REOPEN.items()]
    return and_(WorkflowClock.status == "stopped", ~or_(*still_open))


def clocks(ctx: Ctx, which: str, bases: tuple[str, ...] = tuple(STAGES),
           *extra: Any) -> Select[Any]:
    """Stage clocks ``started`` in the period, ``finished`` in the period (at their last stop,
    the case having left the stage), or ``open`` now (running or paused); kept by the agency
    the figure is attributed to."""
    agency, keep = ctx.attribute(WorkflowClock.owner_agency_id)
    at = WorkflowClock.stopped_at if which == "finished" else WorkflowClock.started_at
    q = (select(WorkflowClock.case_id.label("case_id"), agency.label("agency_id"), at.label("at"),
                WorkflowClock.base.label("stage"), *extra)
         .select_from(WorkflowClock)
         .outerjoin(CaseProcedure, CaseProcedure.case_id == WorkflowClock.case_id)
         .where(WorkflowClock.base.in_(bases), keep, _not_voided(),
                *ctx.cases(WorkflowClock.case_id)))
    if which == "finished":
        return q.where(_finished(), *ctx.period(WorkflowClock.stopped_at))
    if which == "started":
        return q.where(*ctx.period(WorkflowClock.started_at))
    return q.where(WorkflowClock.status.in_(("running", "paused")))


def received(ctx: Ctx) -> Select[Any]:
    return clocks(ctx, "started")


def finished(ctx: Ctx) -> Select[Any]:
    return clocks(ctx, "finished")


def pending(ctx: Ctx) -> Select[Any]:
    return clocks(ctx, "open")


def on_time(ctx: Ctx) -> Select[Any]:
    return clocks(ctx, "finished").where(WorkflowClock.stopped_at <= WorkflowClock.due_at)


def near_due(ctx: Ctx) -> Select[Any]:
    now = ctx.now
    return clocks(ctx, "open").where(WorkflowClock.status == "running",
                                     WorkflowClock.yellow_at <= now, WorkflowClock.due_at > now)


def overdue(ctx: Ctx) -> Select[Any]:
    return clocks(ctx, "open").where(WorkflowClock.status == "running",
                                     WorkflowClock.due_at <= ctx.now)


def overdue_custody(ctx: Ctx) -> list[dict[str, Any]]:
    """Persons held past a custody period now: per case, the named persons of its overdue
    custody clocks, or all persons of the case when such a clock is kept for the whole case."""
    agency, keep = ctx.attribute(WorkflowClock.owner_agency_id)
    q = (select(WorkflowClock.case_id, agency, WorkflowClock.base, WorkflowClock.person,
                WorkflowClock.due_at)
         .where(WorkflowClock.custody.is_(True), WorkflowClock.status == "running",
                WorkflowClock.due_at <= ctx.now, keep, _not_voided(),
                *ctx.cases(WorkflowClock.case_id)))
    by_stage = "stage" in ctx.filters.group_by
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for case_id, agency_id, base, person, due_at in ctx.s.execute(q).all():
        key = (case_id, agency_id, base if by_stage else None)
        g = groups.setdefault(key, {"named": set(), "whole": False, "at": due_at})
        g["at"] = min(g["at"], due_at)
        if person:
            g["named"].add(person)
        else:
            g["whole"] = True
    weights = persons_of(ctx.s, [k[0] for k in groups])
    return [{"case_id": k[0], "agency_id": k[1], "stage": k[2], "at": g["at"],
             "persons": weights[k[0]] if g["whole"] else len(g["named"])}
            for k, g in groups.items()]


def _seconds(ctx: Ctx, later: Any, earlier: Any) -> Any:
    if ctx.dialect == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def stage_days(ctx: Ctx) -> list[dict[str, Any]]:
    """Finished stage clocks with their net days: the sum of the spans the clock ran — from its
    start or a restart/resume to the next stop/pause — so the periods that do not count are left
    out (a pause such as 二审阅卷, the time a case spent back at the police for 补充侦查). Computed
    in the database (one window over the clocks' events); per-person clocks of one case and stage
    started together count once."""
    finished_clocks = clocks(ctx, "finished", tuple(STAGES), WorkflowClock.id.label("clock_id"),
                             WorkflowClock.started_at.label("started_at")).subquery()
    moves = ("stop", "pause", "restart", "resume")
    e = (select(WorkflowClockEvent.clock_id, WorkflowClockEvent.kind, WorkflowClockEvent.at,
                func.lag(WorkflowClockEvent.kind).over(
                    partition_by=WorkflowClockEvent.clock_id,
                    order_by=(WorkflowClockEvent.at, WorkflowClockEvent.id)).label("prev_kind"),
                func.lag(WorkflowClockEvent.at).over(
                    partition_by=WorkflowClockEvent.clock_id,
                    order_by=(WorkflowClockEvent.at, WorkflowClockEvent.id)).label("prev_at"))
         .where(WorkflowClockEvent.kind.in_(moves),
                WorkflowClockEvent.clock_id.in_(select(finished_clocks.c.clock_id)))
         .subquery())
    span = case((and_(e.c.kind.in_(("stop", "pause")), e.c.prev_kind.is_(None)),
                 _seconds(ctx, e.c.at, finished_clocks.c.started_at)),
                (and_(e.c.kind.in_(("stop", "pause")), e.c.prev_kind.in_(("restart", "resume"))),
                 _seconds(ctx, e.c.at, e.c.prev_at)), else_=0)
    ran = (select(e.c.clock_id, func.sum(span).label("secs"))
           .join(finished_clocks, finished_clocks.c.clock_id == e.c.clock_id)
           .group_by(e.c.clock_id).subquery())
    q = (select(finished_clocks.c.case_id, finished_clocks.c.agency_id, finished_clocks.c.at,
                finished_clocks.c.stage, finished_clocks.c.started_at,
                (ran.c.secs / 86400.0).label("value"))
         .join(ran, ran.c.clock_id == finished_clocks.c.clock_id)
         .order_by(finished_clocks.c.clock_id))
    rows, seen = [], set()
    for r in ctx.s.execute(q).all():
        key = (r.case_id, r.stage, aware(r.started_at))  # per-person clocks: the case once
        if key not in seen:
            seen.add(key)
            rows.append({"case_id": r.case_id, "agency_id": r.agency_id, "at": r.at,
                         "stage": r.stage, "value": round(float(r.value or 0), 2)})
    return rows


# --- businesses -----------------------------------------------------------------------------------
def businesses(ctx: Ctx, codes: tuple[str, ...], sides: tuple[str, ...], *extra: Any,
               statuses: tuple[str, ...] = LIVE) -> Select[Any]:
    """Businesses of these codes pushed in the period, attributed to the first of ``sides``
    ("from", "to") that is in the scope."""
    cols = [CaseBusiness.from_agency_id if s == "from" else CaseBusiness.to_agency_id
            for s in sides]
    agency, keep = ctx.attribute(*cols)
    return (select(CaseBusiness.case_id.label("case_id"), agency.label("agency_id"),
                   CaseBusiness.pushed_at.label("at"), CaseBusiness.code.label("code"), *extra)
            .where(CaseBusiness.code.in_(codes), CaseBusiness.status.in_(statuses),
                   CaseBusiness.pushed_at.is_not(None), keep,
                   *ctx.cases(CaseBusiness.case_id), *ctx.period(CaseBusiness.pushed_at)))


ARREST = ("批准逮捕", "不批准逮捕")


def arrest_decisions(ctx: Ctx) -> Select[Any]:
    return businesses(ctx, ("B2",), ("from", "to")).where(CaseBusiness.decision.in_(ARREST))


def non_arrests(ctx: Ctx) -> Select[Any]:
    return businesses(ctx, ("B2",), ("from", "to")).where(CaseBusiness.decision == "不批准逮捕")


def prosecution_decisions(ctx: Ctx) -> Select[Any]:
    return businesses(ctx, ("C4", "C5"), ("from",))


def non_prosecutions(ctx: Ctx) -> Select[Any]:
    return businesses(ctx, ("C4",), ("from",))


def transfers_for_prosecution(ctx: Ctx) -> Select[Any]:
    return businesses(ctx, ("C1",), ("to", "from"))


def _nth_return(ctx: Ctx, n: int) -> Any:
    """The C2 businesses that are the n-th standing 退补 of their case (ranked among the cases
    the scope sees only, so the window does not run over the whole pool)."""
    rank = func.row_number().over(partition_by=CaseBusiness.case_id,
                                  order_by=(CaseBusiness.pushed_at, CaseBusiness.id))
    ranked = (select(CaseBusiness.id.label("id"), rank.label("n"))
              .where(CaseBusiness.code == "C2", CaseBusiness.status.in_(LIVE),
                     CaseBusiness.pushed_at.is_not(None), *ctx.cases(CaseBusiness.case_id),
                     *([CaseBusiness.pushed_at < ctx.bounds()[1]] if ctx.bounds()[1] else []))
              .subquery())
    return CaseBusiness.id.in_(select(ranked.c.id).where(ranked.c.n == n))


def first_returns(ctx: Ctx) -> Select[Any]:
    return businesses(ctx, ("C2",), ("from", "to")).where(_nth_return(ctx, 1))


def second_returns(ctx: Ctx) -> Select[Any]:
    return businesses(ctx, ("C2",), ("from", "to")).where(_nth_return(ctx, 2))


def prosecutions(ctx: Ctx) -> Select[Any]:
    return businesses(ctx, ("C5",), ("from", "to"))


def prosecutions_in_custody(ctx: Ctx) -> Select[Any]:
    held = select(WorkflowClock.case_id).where(WorkflowClock.base == "C1",
                                               WorkflowClock.custody.is_(True), _not_voided())
    return prosecutions(ctx).where(CaseBusiness.case_id.in_(held))


def plea_decisions(ctx: Ctx) -> Select[Any]:
    pleaded = select(CaseProcedure.case_id).where(CaseProcedure.plea.is_(True))
    return prosecution_decisions(ctx).where(CaseBusiness.case_id.in_(pleaded))


def first_instance(ctx: Ctx) -> Select[Any]:
    return clocks(ctx, "finished", ("TRIAL1",))


def fast_track(ctx: Ctx) -> Select[Any]:
    return first_instance(ctx).where(WorkflowClock.code == "TRIAL1_FAST")


def summary(ctx: Ctx) -> Select[Any]:
    return first_instance(ctx).where(WorkflowClock.code == "TRIAL1_SIMPLE")


def appealed(ctx: Ctx) -> Select[Any]:
    d4 = select(CaseBusiness.case_id).where(CaseBusiness.code == "D4",
                                            CaseBusiness.status.in_(LIVE))
    return first_instance(ctx).where(WorkflowClock.case_id.in_(d4))


def second_instance(ctx: Ctx) -> Select[Any]:
    return clocks(ctx, "finished", ("TRIAL2",))


def remanded(ctx: Ctx) -> Select[Any]:
    d5 = select(CaseBusiness.case_id).where(CaseBusiness.code == "D5",
                                            CaseBusiness.decision == "发回重审",
                                            CaseBusiness.status.in_(LIVE))
    return second_instance(ctx).where(WorkflowClock.case_id.in_(d5))


def pushed_businesses(ctx: Ctx) -> Select[Any]:
    return businesses(ctx, _ALL_CODES, ("from", "to"), literal(1).label("amount"),
                      statuses=(*LIVE, "已退回"))


def returned_businesses(ctx: Ctx) -> Select[Any]:
    return businesses(ctx, _ALL_CODES, ("from", "to"), literal(1).label("amount"),
                      statuses=("已退回",))


_ALL_CODES = tuple(f"{c}{n}" for c, k in (("A", 2), ("B", 6), ("C", 5), ("D", 5), ("E", 3),
                                          ("F", 2), ("G", 3)) for n in range(1, k + 1))


def clock_done(base: str) -> Any:
    def source(ctx: Ctx) -> Select[Any]:
        return clocks(ctx, "finished", (base,))
    return source


def clock_done_on_time(base: str) -> Any:
    def source(ctx: Ctx) -> Select[Any]:
        return clocks(ctx, "finished", (base,)).where(
            WorkflowClock.stopped_at <= WorkflowClock.due_at)
    return source


def filing_to_effective(ctx: Ctx) -> list[dict[str, Any]]:
    """Days from 立案 to 生效 of the cases whose judgment took effect in the period: both are
    actions of the procedure (立案 by the police; 生效 or 二审裁判 by the court) recorded in
    the audit trail as ``case.procedure`` events — the only place the model keeps them."""
    action = AuditEvent.detail["action"].as_string()
    q = (select(Case.id, ctx.owner(), AuditEvent.ts, action)
         .join(AuditEvent, and_(AuditEvent.object_type == "case",
                                AuditEvent.object_id == str_id(Case.id)))
         .where(AuditEvent.action == "case.procedure",
                action.in_(("立案", "生效", "二审裁判")), *ctx.cases(Case.id))
         .order_by(AuditEvent.id))
    filed: dict[int, datetime] = {}
    effective: dict[int, tuple[int, datetime]] = {}
    for case_id, agency_id, ts, act in ctx.s.execute(q).all():
        if act == "立案":
            filed.setdefault(case_id, ts)
        else:
            effective.setdefault(case_id, (agency_id, ts))
    rows = []
    for case_id, (agency_id, ts) in effective.items():
        if case_id in filed and ctx.in_period(ts):
            days = (aware(ts) - aware(filed[case_id])).total_seconds() / 86400
            rows.append({"case_id": case_id, "agency_id": agency_id, "at": ts,
                         "value": round(days, 2)})
    return rows


# --- the document pipeline --------------------------------------------------------------------------
def _case_join(q: Select[Any], doc_col: Any) -> Select[Any]:
    return q.join(Document, Document.id == doc_col).join(Case, Case.id == Document.case_id)


def pages_processed(ctx: Ctx) -> Select[Any]:
    q = select(Case.id.label("case_id"), ctx.owner().label("agency_id"),
               Task.finished_at.label("at"), Task.pages_total.label("amount"))
    return _case_join(q, Task.document_id).where(
        Task.state == "succeeded", Task.finished_at.is_not(None), *ctx.cases(Case.id),
        *ctx.period(Task.finished_at))


def ocr_backlog(ctx: Ctx) -> Select[Any]:
    q = select(Case.id.label("case_id"), ctx.owner().label("agency_id"),
               Task.created_at.label("at"),
               func.greatest(Task.pages_total - Task.pages_done, 0).label("amount")
               if ctx.dialect == "postgresql" else
               func.max(Task.pages_total - Task.pages_done, 0).label("amount"))
    return _case_join(q, Task.document_id).where(Task.state.in_(("pending", "running")),
                                                 *ctx.cases(Case.id))


def fields_to_review(ctx: Ctx) -> Select[Any]:
    """As the home page's badge counts: machine values below 0.8 confidence that no correction
    of the same document and path replaced."""
    fixed = select(FieldValue.document_id, FieldValue.path).where(
        FieldValue.corrected.is_(True)).subquery()
    q = (select(Case.id.label("case_id"), ctx.owner().label("agency_id"),
                FieldValue.created_at.label("at"), literal(1).label("amount"),
                FieldValue.path.label("path"))
         .outerjoin(fixed, and_(fixed.c.document_id == FieldValue.document_id,
                                fixed.c.path == FieldValue.path)))
    return _case_join(q, FieldValue.document_id).where(
        FieldValue.corrected.is_(False), FieldValue.confidence < 0.8, fixed.c.path.is_(None),
        *ctx.cases(Case.id))


_INDEX = re.compile(r"/\d+(?=/|$)")


def corrections(ctx: Ctx) -> list[dict[str, Any]]:
    """Clerks' corrections per field path (list positions folded: defendants/*/name)."""
    q = select(Case.id, ctx.owner(), FieldValue.created_at, FieldValue.path)
    q = _case_join(q, FieldValue.document_id).where(
        FieldValue.corrected.is_(True), *ctx.cases(Case.id), *ctx.period(FieldValue.created_at))
    return [{"case_id": c, "agency_id": a, "at": at, "amount": 1, "path": _INDEX.sub("/*", p)}
            for c, a, at, p in ctx.s.execute(q).all()]


def seconds_per_page(ctx: Ctx) -> list[dict[str, Any]]:
    q = select(Case.id, ctx.owner(), Task.started_at, Task.finished_at, Task.pages_total)
    q = _case_join(q, Task.document_id).where(
        Task.state == "succeeded", Task.started_at.is_not(None), Task.finished_at.is_not(None),
        Task.pages_total > 0, *ctx.cases(Case.id), *ctx.period(Task.finished_at))
    return [{"case_id": c, "agency_id": a, "at": end,
             "value": (aware(end) - aware(start)).total_seconds() / pages}
            for c, a, start, end, pages in ctx.s.execute(q).all()]


# --- sentencing ------------------------------------------------------------------------------------
def _sentences(ctx: Ctx, *where: Any) -> Select[Any]:
    """One row per sentenced defendant of a judgment (per charge of theirs when grouped by
    charge), dated by the judgment's decision date."""
    cols = [Case.id.label("case_id"), ctx.owner().label("agency_id"),
            Document.decision_date.label("day"), Document.court.label("court"),
            Sentence.term_months.label("value"), literal(1).label("amount")]
    names: tuple[str, ...] = ()
    f = ctx.filters
    if f.case_type:
        names = CASE_TYPES[f.case_type]
    if f.charge:
        names = tuple(n for n in names if n == f.charge) if names else (f.charge,)
    by_charge = "charge" in f.group_by
    if by_charge:
        cols.append(Charge.name.label("charge"))
    q = (select(*cols).select_from(Sentence)
         .join(Document, Document.id == Sentence.document_id)
         .join(Case, Case.id == Document.case_id)
         .where(*where, *ctx.cases(Case.id), *ctx.period_day(Document.decision_date)))
    if by_charge:
        q = q.join(Charge, Charge.party_id == Sentence.party_id)
        if names:
            q = q.where(Charge.name.in_(names))
    elif names:
        q = q.where(exists(select(Charge.id).where(Charge.party_id == Sentence.party_id,
                                                   Charge.name.in_(names))))
    return q


def terms(ctx: Ctx) -> list[dict[str, Any]]:
    q = _sentences(ctx, Sentence.principal.in_(FIXED_TERMS), Sentence.term_months.is_not(None))
    return [dict(r._mapping) for r in ctx.s.execute(q).all()]


def fixed_terms(ctx: Ctx) -> Select[Any]:
    return _sentences(ctx, Sentence.principal.in_(FIXED_TERMS))


def probations(ctx: Ctx) -> Select[Any]:
    return _sentences(ctx, Sentence.principal.in_(FIXED_TERMS), Sentence.probation_months > 0)


"""Building the rollups: the source rows of analytics/sources.py materialised once per scope.

A *scope* is what one reader's figures are computed over: one agency (``a:<id>``) or every agency
of one region (``r:<region>``, a 政法委's). Per scope, a clock or business is kept when the
agency its figure is attributed to is in the scope *and* its case is visible to the scope — the
same two conditions ``Ctx.attribute`` and ``Ctx.cases`` put on the direct queries — so a read is a
range scan of one scope's rows with nothing left to join. Everything else a statistic filters on
(the stage, the decision, the n-th 退补, the flags taken from other rows of the case) is stored as
a column, computed by the same expressions as the direct queries.

Rows change only when a case's workflow moves (every step bumps ``case_procedures.version``), a
share is granted or revoked, or an agency's region changes; ``refresh`` rebuilds the cases whose
version moved or whose shares changed since the last run, and everything when the scopes changed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    union,
)
from sqlalchemy.orm import Session, aliased

from analytics import rollup_cells, rollup_values
from analytics.query import aware
from analytics.sources import LIVE, RETURNED_STOP, _finished
from models.schema import (
    Agency,
    AnalyticsBusinessFact,
    AnalyticsCaseVersion,
    AnalyticsClockFact,
    AnalyticsCount,
    AnalyticsRefresh,
    AnalyticsScope,
    AnalyticsValue,
    Case,
    CaseBusiness,
    CaseProcedure,
    CaseShare,
    WorkflowClock,
    WorkflowClockEvent,
)

BATCH = 500  # cases rebuilt per statement in an incremental run
#: a share granted or revoked this long before the last run is looked at again (a transaction
#: that stamped it before the run may have committed after it)
SHARE_SLACK = timedelta(minutes=10)
#: everything is rebuilt at least this often (rows written outside the workflow, deleted cases)
FULL_EVERY = timedelta(hours=24)
LOCK_KEY = 0x616E616C  # PostgreSQL advisory lock: one refresh at a time across workers
TABLES = ("analytics_clock_facts", "analytics_business_facts", "analytics_counts",
          "analytics_values")


def china_day(s: Session, col: Any) -> Any:
    """The China-time (UTC+8) date of an instant as ``YYYY-MM-DD``, as the direct queries group."""
    if s.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", col), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", col, "+8 hours")


def _seconds(s: Session, later: Any, earlier: Any) -> Any:
    if s.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _weight() -> Any:
    n = func.coalesce(func.json_array_length(CaseProcedure.persons), 0)
    return case((n > 1, n), else_=1)


def _flag(cond: Any) -> Any:
    return case((cond, true()), else_=false())


def desired_scopes(s: Session) -> set[tuple[str, int]]:
    rows = s.execute(select(Agency.id, Agency.region)).all()
    out = {(f"a:{aid}", int(aid)) for aid, _ in rows}
    out |= {(f"r:{region}", int(aid)) for aid, region in rows if region}
    return out


def _visible(cases: Sequence[int] | None) -> Any:
    """(scope, case_id) of every case each scope may see (models.visibility: owned by, or shared
    unrevoked with, one of its agencies), as a set to join — one hash join for the whole pool
    rather than a lookup per row."""
    m_own, m_share = aliased(AnalyticsScope), aliased(AnalyticsScope)
    own = (select(m_own.scope.label("scope"), Case.id.label("case_id"))
           .join(Case, Case.agency_id == m_own.agency_id))
    shared = (select(m_share.scope, CaseShare.case_id)
              .join(CaseShare, CaseShare.agency_id == m_share.agency_id)
              .where(CaseShare.revoked_at.is_(None)))
    if cases is not None:
        own = own.where(Case.id.in_(list(cases)))
        shared = shared.where(CaseShare.case_id.in_(list(cases)))
    return union(own, shared).subquery()


def _member(scope_col: Any, agency_id: Any, agency: Any) -> Any:
    """The agency (``agency`` its row) is one of the scope's (see desired_scopes)."""
    return or_(scope_col == literal("a:") + cast(agency_id, String),
               scope_col == literal("r:") + func.coalesce(agency.region, ""))


def _not_voided() -> Any:
    return ~exists(select(WorkflowClockEvent.id).where(
        WorkflowClockEvent.clock_id == WorkflowClock.id, WorkflowClockEvent.kind == "stop",
        WorkflowClockEvent.reason == RETURNED_STOP))


def _net_days(s: Session, cases: Sequence[int] | None) -> Any:
    """Per clock, the days it ran (analytics.sources.stage_days' window over its events)."""
    moves = ("stop", "pause", "restart", "resume")
    ev = WorkflowClockEvent
    order = (ev.at, ev.id)
    where = [ev.kind.in_(moves)]
    if cases is not None:
        where.append(ev.clock_id.in_(select(WorkflowClock.id)
                                     .where(WorkflowClock.case_id.in_(list(cases)))))
    e = (select(ev.clock_id, ev.kind, ev.at,
                func.lag(ev.kind).over(partition_by=ev.clock_id, order_by=order).label("prev_kind"),
                func.lag(ev.at).over(partition_by=ev.clock_id, order_by=order).label("prev_at"))
         .where(*where).subquery())
    clock = aliased(WorkflowClock)
    span = case((and_(e.c.kind.in_(("stop", "pause")), e.c.prev_kind.is_(None)),
                 _seconds(s, e.c.at, clock.started_at)),
                (and_(e.c.kind.in_(("stop", "pause")), e.c.prev_kind.in_(("restart", "resume"))),
                 _seconds(s, e.c.at, e.c.prev_at)), else_=0)
    return (select(e.c.clock_id, (func.sum(span) / 86400.0).label("days"))
            .join(clock, clock.id == e.c.clock_id).group_by(e.c.clock_id).subquery())


def _clock_rows(s: Session, cases: Sequence[int] | None) -> Any:
    m = aliased(AnalyticsScope)
    days = _net_days(s, cases)
    d4 = select(CaseBusiness.case_id).where(CaseBusiness.code == "D4",
                                            CaseBusiness.status.in_(LIVE))
    d5 = select(CaseBusiness.case_id).where(CaseBusiness.code == "D5",
                                            CaseBusiness.decision == "发回重审",
                                            CaseBusiness.status.in_(LIVE))
    c = WorkflowClock
    vis = _visible(cases)
    where = [_not_voided()]
    if cases is not None:
        where.append(c.case_id.in_(list(cases)))
    return (select(m.scope, c.case_id, c.id, c.owner_agency_id, c.base, c.code, c.person,
                   c.custody, c.status, c.started_at, china_day(s, c.started_at),
                   china_day(s, c.stopped_at), c.due_at, c.yellow_at, _flag(_finished()),
                   _flag(c.stopped_at <= c.due_at), days.c.days,
                   _flag(c.case_id.in_(d4)), _flag(c.case_id.in_(d5)),
                   func.coalesce(CaseProcedure.procedure, "普通"), _weight())
            .select_from(c).join(m, m.agency_id == c.owner_agency_id)
            .join(vis, and_(vis.c.scope == m.scope, vis.c.case_id == c.case_id))
            .outerjoin(CaseProcedure, CaseProcedure.case_id == c.case_id)
            .outerjoin(days, days.c.clock_id == c.id)
            .where(*where))


CLOCK_COLS = ("scope", "case_id", "clock_id", "agency_id", "stage", "code", "person", "custody",
              "status", "started_at", "start_day", "stop_day", "due_at", "yellow_at", "finished",
              "on_time", "days", "appealed", "remanded", "procedure", "persons")
BUSINESS_COLS = ("scope", "case_id", "code", "status", "decision", "day", "from_agency_id",
                 "from_in", "agency_ft", "agency_tf", "nth", "in_custody", "plea", "procedure",
                 "persons")


def _business_rows(s: Session, cases: Sequence[int] | None, sender_in: bool) -> Any:
    """Businesses whose sender is in the scope (``sender_in``), or whose receiver is and sender
    is not: each (business, scope) once."""
    m = aliased(AnalyticsScope)
    b = CaseBusiness
    rank = func.row_number().over(partition_by=b.case_id, order_by=(b.pushed_at, b.id))
    nth_where = [b.code == "C2", b.status.in_(LIVE), b.pushed_at.is_not(None)]
    if cases is not None:
        nth_where.append(b.case_id.in_(list(cases)))
    nth = select(b.id.label("id"), rank.label("n")).where(*nth_where).subquery()
    held = select(WorkflowClock.case_id).where(WorkflowClock.base == "C1",
                                               WorkflowClock.custody.is_(True), _not_voided())
    vis = _visible(cases)
    where: list[Any] = [b.pushed_at.is_not(None), b.status.in_((*LIVE, "已退回"))]
    if cases is not None:
        where.append(b.case_id.in_(list(cases)))
    # the other side's membership of the scope, as an expression (``a:<id>`` or ``r:<its
    # region>``: what desired_scopes stored), not a look-up per row
    other = aliased(Agency)
    if sender_in:
        joined = m.agency_id == b.from_agency_id
        other_on = other.id == b.to_agency_id
        cols = [true(), b.from_agency_id,
                case((_member(m.scope, b.to_agency_id, other), b.to_agency_id),
                     else_=b.from_agency_id)]
    else:
        where.append(~_member(m.scope, b.from_agency_id, other))
        joined = m.agency_id == b.to_agency_id
        other_on = other.id == b.from_agency_id
        cols = [false(), b.to_agency_id, b.to_agency_id]
    return (select(m.scope, b.case_id, b.code, b.status, b.decision, china_day(s, b.pushed_at),
                   b.from_agency_id, *cols, nth.c.n, _flag(b.case_id.in_(held)),
                   func.coalesce(CaseProcedure.plea, false()),
                   func.coalesce(CaseProcedure.procedure, "普通"), _weight())
            .select_from(b).join(m, joined).join(other, other_on)
            .join(vis, and_(vis.c.scope == m.scope, vis.c.case_id == b.case_id))
            .outerjoin(CaseProcedure, CaseProcedure.case_id == b.case_id)
            .outerjoin(nth, nth.c.id == b.id)
            .where(*where))


def _build(s: Session, cases: Sequence[int] | None) -> None:
    """Insert the facts of these cases (all cases when None) for every stored scope."""
    s.execute(insert(AnalyticsClockFact).from_select(list(CLOCK_COLS), _clock_rows(s, cases)))
    for sender_in in (True, False):
        s.execute(insert(AnalyticsBusinessFact).from_select(
            list(BUSINESS_COLS), _business_rows(s, cases, sender_in)))


def state(s: Session) -> AnalyticsRefresh | None:
    return s.get(AnalyticsRefresh, 1)


def _locked(s: Session) -> bool:
    if s.get_bind().dialect.name != "postgresql":
        return True  # SQLite: one writer at a time anyway
    return bool(s.execute(select(func.pg_try_advisory_xact_lock(LOCK_KEY))).scalar())


def _dirty(s: Session, since: datetime) -> list[int]:
    """Cases whose procedure version moved since their facts were built, or whose shares were
    granted or revoked since ``since`` (less the slack)."""
    v = AnalyticsCaseVersion
    moved = (select(CaseProcedure.case_id).outerjoin(v, v.case_id == CaseProcedure.case_id)
             .where(or_(v.version.is_(None), v.version != CaseProcedure.version)))
    after = since - SHARE_SLACK
    shared = select(CaseShare.case_id).where(or_(CaseShare.created_at >= after,
                                                 CaseShare.revoked_at >= after))
    return sorted({int(c) for c in s.execute(moved.union(shared)).scalars()})


def refresh(s: Session, now: datetime, *, full: bool = False) -> dict[str, Any] | None:
    """Bring the rollups up to date in this transaction: everything when ``full``, when never
    built, when the scopes changed or a day has passed; else the changed cases. None when
    another refresh holds the lock. ``as_of`` is when this run started reading: every change
    committed before it is in the figures."""
    if not _locked(s):
        return None
    t0 = time.perf_counter()
    state = s.get(AnalyticsRefresh, 1)
    desired = desired_scopes(s)
    stored = {(sc, int(a)) for sc, a in s.execute(select(AnalyticsScope.scope,
                                                         AnalyticsScope.agency_id)).all()}
    full = (full or state is None or desired != stored
            or aware(now) - aware(state.full_at) > FULL_EVERY)
    if full:
        for table in (AnalyticsCount, AnalyticsValue, AnalyticsClockFact, AnalyticsBusinessFact,
                      AnalyticsCaseVersion, AnalyticsScope):
            s.execute(delete(table))
        if desired:
            s.execute(insert(AnalyticsScope), [{"scope": sc, "agency_id": a} for sc, a in desired])
        # versions first: a step committed after this read is rebuilt by the next run
        s.execute(insert(AnalyticsCaseVersion).from_select(
            ["case_id", "version"], select(CaseProcedure.case_id, CaseProcedure.version)))
        _build(s, None)
        rollup_cells.build(s)
        rollup_values.build(s)
        count = int(s.execute(select(func.count()).select_from(AnalyticsCaseVersion)).scalar()
                    or 0)
        if s.get_bind().dialect.name == "postgresql":
            for name in TABLES:
                s.execute(text(f"ANALYZE {name}"))
    else:
        assert state is not None
        cases = _dirty(s, state.as_of)
        for i in range(0, len(cases), BATCH):
            batch = cases[i:i + BATCH]
            s.execute(delete(AnalyticsCaseVersion).where(AnalyticsCaseVersion.case_id.in_(batch)))
            s.execute(insert(AnalyticsCaseVersion).from_select(
                ["case_id", "version"], select(CaseProcedure.case_id, CaseProcedure.version)
                .where(CaseProcedure.case_id.in_(batch))))
            rollup_cells.add(s, batch, -1)  # the old rows' cells, before they go
            rollup_values.add(s, batch, -1)
            s.execute(delete(AnalyticsClockFact).where(AnalyticsClockFact.case_id.in_(batch)))
            s.execute(delete(AnalyticsBusinessFact)
                      .where(AnalyticsBusinessFact.case_id.in_(batch)))
            _build(s, batch)
            rollup_cells.add(s, batch, 1)
            rollup_values.add(s, batch, 1)
        if cases:
            rollup_cells.prune(s)
            rollup_values.prune(s)
        count = len(cases)
    seconds = round(time.perf_counter() - t0, 3)
    if state is None:
        state = AnalyticsRefresh(id=1, as_of=now, full_at=now)
        s.add(state)
    state.as_of, state.cases, state.seconds = now, count, seconds
    if full:
        state.full_at = now
    s.flush()
    return {"as_of": now.isoformat(), "full": full, "cases": count, "seconds": seconds}

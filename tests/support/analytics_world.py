"""A hand-built data pool for the statistics tests: two regions, their agencies, cases with
businesses, clocks (with stop/restart/pause events), documents, tasks, fields and sentences.

Rows are written as services.workflow writes them (a business pushed to an agency shares the case
with it; a clock a returned business had started carries a stop event ``业务被退回``), at chosen
instants, so every expected figure can be worked out by hand from the comments below. Not a test
module.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from models.db import migrate, session_scope
from models.schema import (
    Agency,
    AuditEvent,
    Case,
    CaseBusiness,
    CaseProcedure,
    CaseShare,
    Charge,
    Document,
    FieldValue,
    Party,
    Sentence,
    Task,
    User,
    WorkflowClock,
    WorkflowClockEvent,
)

CST = timezone(timedelta(hours=8))
LZ, TS = "甘肃省兰州市", "甘肃省天水市"
#: code: (name, kind, region)
AGENCIES = {
    "pol": ("兰州市公安局城关分局", "police", LZ),
    "pro": ("兰州市城关区人民检察院", "procuratorate", LZ),
    "crt": ("兰州市城关区人民法院", "court", LZ),
    "crt2": ("兰州市中级人民法院", "court", LZ),
    "jus": ("兰州市城关区司法局", "justice", LZ),
    "zfw": ("兰州市委政法委", "oversight", LZ),
    "pol-ts": ("天水市公安局秦州分局", "police", TS),
    "pro-ts": ("天水市秦州区人民检察院", "procuratorate", TS),
    "zfw-ts": ("天水市委政法委", "oversight", TS),
}
#: "now" of the snapshot figures
NOW = datetime(2025, 3, 25, 12, 0, tzinfo=CST)
_hash = itertools.count(1)


def t(text: str) -> datetime:
    """A China-time instant 'YYYY-MM-DD[ HH:MM]' as stored (UTC)."""
    if len(text) == 10:
        text += " 09:00"
    return datetime.fromisoformat(text).replace(tzinfo=CST).astimezone(UTC)


@dataclass
class World:
    db_url: str
    agency: dict[str, int] = field(default_factory=dict)
    case: dict[str, int] = field(default_factory=dict)
    user: dict[str, User] = field(default_factory=dict)


def build(db_url: str) -> World:
    migrate(db_url)
    w = World(db_url)
    with session_scope(db_url) as s:
        for code, (name, kind, region) in AGENCIES.items():
            a = s.query(Agency).filter_by(code=code).one_or_none()
            if a is None:
                a = Agency(code=code, name=name, kind=kind)
                s.add(a)
            a.name, a.kind, a.region = name, kind, region
            s.flush()
            w.agency[code] = a.id
        roles = {"pol": "police", "pro": "prosecutor", "crt": "judge", "crt2": "judge",
                 "jus": "justice", "zfw": "oversight", "pol-ts": "police",
                 "pro-ts": "prosecutor", "zfw-ts": "oversight"}
        for code, role in roles.items():
            u = s.query(User).filter_by(name=f"u-{code}").one_or_none()
            if u is None:
                u = User(name=f"u-{code}", role=role, agency_id=w.agency[code])
                s.add(u)
            s.flush()
        _cases(s, w)
    with session_scope(db_url) as s:
        for u in s.query(User).all():
            s.expunge(u)
            w.user[u.name.removeprefix("u-")] = u
    return w


def _mk_case(s: Any, w: World, key: str, owner: str = "pol", persons: tuple[str, ...] = (),
             procedure: str = "普通", plea: bool = False, state: str = "立案侦查") -> int:
    c = Case(case_number=f"（2025）{key}号", agency_id=w.agency[owner], title=key)
    s.add(c)
    s.flush()
    s.add(CaseProcedure(case_id=c.id, state=state, procedure=procedure, plea=plea,
                        detained=False, persons=list(persons), version=0,
                        updated_at=t("2025-01-01")))
    w.case[key] = c.id
    return c.id


def _biz(s: Any, w: World, key: str, code: str, frm: str, to: str, pushed: str,
         status: str = "已推送", decision: str | None = None) -> None:
    cid = w.case[key]
    b = CaseBusiness(case_id=cid, code=code, from_agency_id=w.agency[frm],
                     to_agency_id=w.agency[to], status=status, decision=decision,
                     document_ids=[], form={}, created_at=t(pushed),
                     pushed_at=None if status == "草稿" else t(pushed),
                     returned_at=t(pushed) + timedelta(days=1) if status == "已退回" else None)
    s.add(b)
    if status != "草稿" and s.query(CaseShare).filter_by(
            case_id=cid, agency_id=w.agency[to]).one_or_none() is None:
        s.add(CaseShare(case_id=cid, agency_id=w.agency[to], access="read"))
    s.flush()


def _clock(s: Any, w: World, key: str, base: str, owner: str, started: str, due: str, *,
           code: str | None = None, events: tuple[tuple[str, str], ...] = (),
           person: str | None = None, custody: bool = False, voided: bool = False,
           paused: bool = False) -> None:
    """``events``: (kind, instant) in order; the last 'stop' is ``stopped_at``."""
    last_stop = None
    status = "running"
    for kind, at in events:
        if kind == "stop":
            status, last_stop = "stopped", at
        elif kind in ("restart", "resume"):
            status, last_stop = "running", None
        elif kind == "pause":
            status = "paused"
    if paused:
        status = "paused"
    due_at = t(due)
    row = WorkflowClock(case_id=w.case[key], code=code or base, base=base, name=base,
                        person=person, owner_agency_id=w.agency[owner], started_at=t(started),
                        status=status, custody=custody, due=due, due_at=due_at,
                        yellow_at=due_at - timedelta(days=7), orange_at=due_at - timedelta(days=3),
                        level="none", basis="test", stopped_at=t(last_stop) if last_stop else None)
    s.add(row)
    s.flush()
    for kind, at in events:
        s.add(WorkflowClockEvent(clock_id=row.id, kind=kind, at=t(at),
                                 reason="业务被退回" if voided and kind == "stop" else None))
    s.flush()


def _audit(s: Any, key: str, action: str, at: str) -> None:
    n = next(_hash)
    s.add(AuditEvent(ts=t(at), action="case.procedure", object_type="case",
                     object_id=str(key), detail={"action": action}, prev_hash=f"{n - 1:064x}",
                     hash=f"{n:064x}", alg="sha256"))


def _doc(s: Any, key: str, case_id: int, *, court: str | None = None,
         decision_date: str | None = None) -> int:
    d = Document(case_id=case_id, filename=f"{key}.pdf", sha256=f"{next(_hash):064x}",
                 mime="application/pdf", size=100, page_count=1, status="processed",
                 court=court, decision_date=decision_date)
    s.add(d)
    s.flush()
    return d.id


def _task(s: Any, doc: int, state: str, pages: int, done: int, started: str | None,
          finished: str | None) -> None:
    s.add(Task(document_id=doc, state=state, pages_total=pages, pages_done=done,
               started_at=t(started) if started else None,
               finished_at=t(finished) if finished else None))


def _field(s: Any, doc: int, path: str, conf: float | None, corrected: bool = False,
           at: str = "2025-03-02") -> None:
    s.add(FieldValue(document_id=doc, path=path, value="x", confidence=conf, extractor="t",
                     corrected=corrected, created_at=t(at)))


def _defendant(s: Any, doc: int, case_id: int, pos: int, name: str, charges: tuple[str, ...],
               principal: str, term: int | None, probation: int | None = None) -> None:
    p = Party(document_id=doc, case_id=case_id, role="defendant", position=pos, name=name)
    s.add(p)
    s.flush()
    for c in charges:
        s.add(Charge(document_id=doc, party_id=p.id, name=c))
    s.add(Sentence(document_id=doc, party_id=p.id, principal=principal, term_months=term,
                   probation_months=probation))
    s.flush()


def _cases(s: Any, w: World) -> None:
    # --- 审查逮捕 (B2 decisions by pro, sent to pol) -----------------------------------------------
    _mk_case(s, w, "c1", persons=("甲", "乙"))  # two persons not arrested
    _biz(s, w, "c1", "B1", "pol", "pro", "2025-03-01")
    _biz(s, w, "c1", "B2", "pro", "pol", "2025-03-05", decision="不批准逮捕")
    _mk_case(s, w, "c2", persons=("丙",), state="逮捕后侦查")
    _biz(s, w, "c2", "B1", "pol", "pro", "2025-03-02")
    _biz(s, w, "c2", "B2", "pro", "pol", "2025-03-06", decision="批准逮捕")
    _clock(s, w, "c2", "INV_CUSTODY", "pol", "2025-01-20", "2025-03-20", person="丙",
           custody=True)  # running past its due day: 丙 is held too long
    _mk_case(s, w, "c3")  # no list of persons: 1 person
    _biz(s, w, "c3", "B1", "pol", "pro", "2025-03-30")
    _biz(s, w, "c3", "B2", "pro", "pol", "2025-04-02", decision="批准逮捕")
    _mk_case(s, w, "c9", persons=("己",))  # a decision the police returned: not counted
    _biz(s, w, "c9", "B1", "pol", "pro", "2025-03-04")
    _biz(s, w, "c9", "B2", "pro", "pol", "2025-03-08", status="已退回", decision="不批准逮捕")

    # --- 审查起诉 (C1 received by pro; C2 退补; C4/C5 decisions) ------------------------------------
    _mk_case(s, w, "c4", persons=("丁一", "丁二"), plea=True, state="上诉期")
    _biz(s, w, "c4", "C1", "pol", "pro", "2025-02-01")
    _clock(s, w, "c4", "C1", "pro", "2025-02-01", "2025-03-01", custody=True,
           events=(("stop", "2025-02-25"),))  # 24 days, on time
    _biz(s, w, "c4", "C5", "pro", "crt", "2025-02-25")
    _mk_case(s, w, "c5", persons=("戊",), state="不起诉")
    _biz(s, w, "c5", "C1", "pol", "pro", "2025-02-03")
    _clock(s, w, "c5", "C1", "pro", "2025-02-03", "2025-03-03",
           events=(("stop", "2025-03-12"),))  # 37 days, late
    _biz(s, w, "c5", "C4", "pro", "pol", "2025-03-12")
    # returned twice for 补充侦查: 10 + 4 + 5 = 19 net days at the procuratorate
    _mk_case(s, w, "c6", persons=("庚",), plea=True, state="生效")
    _biz(s, w, "c6", "C1", "pol", "pro", "2025-02-10")
    _biz(s, w, "c6", "C2", "pro", "pol", "2025-02-20")
    _biz(s, w, "c6", "C3", "pol", "pro", "2025-03-01")
    _biz(s, w, "c6", "C2", "pro", "pol", "2025-03-05")
    _biz(s, w, "c6", "C3", "pol", "pro", "2025-03-15")
    _clock(s, w, "c6", "C1", "pro", "2025-02-10", "2025-04-15",
           events=(("stop", "2025-02-20"), ("restart", "2025-03-01"), ("stop", "2025-03-05"),
                   ("restart", "2025-03-15"), ("stop", "2025-03-20")))
    _clock(s, w, "c6", "C2", "pol", "2025-02-20", "2025-03-20", events=(("stop", "2025-03-01"),))
    _clock(s, w, "c6", "C2", "pol", "2025-03-05", "2025-04-05", events=(("stop", "2025-03-15"),))
    _biz(s, w, "c6", "C5", "pro", "crt", "2025-03-20")
    _mk_case(s, w, "c7")  # a 不起诉 still a draft: not counted
    _biz(s, w, "c7", "C4", "pro", "pol", "2025-03-13", status="草稿")
    _mk_case(s, w, "c8", persons=("辛",), state="退回补充侦查")  # at the police now
    _biz(s, w, "c8", "C1", "pol", "pro", "2025-02-20")
    _biz(s, w, "c8", "C2", "pro", "pol", "2025-03-01")
    _clock(s, w, "c8", "C1", "pro", "2025-02-20", "2025-03-20", events=(("stop", "2025-03-01"),))
    _clock(s, w, "c8", "C2", "pol", "2025-03-01", "2025-04-01")  # yellow since 03-25: 临期
    _mk_case(s, w, "c10")  # a C1 the procuratorate returned: its clock never counts
    _biz(s, w, "c10", "C1", "pol", "pro", "2025-02-15", status="已退回")
    _clock(s, w, "c10", "C1", "pro", "2025-02-15", "2025-03-15", voided=True,
           events=(("stop", "2025-02-16"),))

    # --- 一审 / 二审 (courts) -----------------------------------------------------------------------
    _clock(s, w, "c4", "TRIAL1", "crt", "2025-03-12", "2025-03-22", code="TRIAL1_FAST",
           events=(("stop", "2025-03-20"),))
    _biz(s, w, "c4", "D4", "crt", "crt2", "2025-03-25")  # appealed
    _clock(s, w, "c6", "TRIAL1", "crt", "2025-03-22", "2025-05-22",
           events=(("stop", "2025-04-10"),))
    _biz(s, w, "c6", "D4", "crt", "crt2", "2025-04-15", status="已退回")  # withdrawn: not counted
    _mk_case(s, w, "c12", state="一审")  # stopped for 延期审理补充侦查: not finished
    _biz(s, w, "c12", "C5", "pro", "crt", "2024-12-29")
    _clock(s, w, "c12", "TRIAL1", "crt", "2025-03-01", "2025-03-21", code="TRIAL1_SIMPLE",
           events=(("stop", "2025-03-10"),))
    _mk_case(s, w, "c11", persons=("壬", "癸"), state="一审")  # custody past due: 2 persons
    _biz(s, w, "c11", "C5", "pro", "crt", "2024-12-28")
    _clock(s, w, "c11", "TRIAL1", "crt", "2025-01-01", "2025-03-01", custody=True)
    _mk_case(s, w, "c13", state="一审")  # remanded
    _biz(s, w, "c13", "D4", "crt", "crt2", "2025-03-30")
    _clock(s, w, "c13", "TRIAL2", "crt2", "2025-04-01", "2025-06-01",
           events=(("pause", "2025-04-05"), ("resume", "2025-04-10"), ("stop", "2025-04-20")))
    _biz(s, w, "c13", "D5", "crt2", "crt", "2025-04-20", decision="发回重审")
    _mk_case(s, w, "c14", state="交付执行")
    _biz(s, w, "c14", "D4", "crt", "crt2", "2025-03-30")
    _clock(s, w, "c14", "TRIAL2", "crt2", "2025-04-01", "2025-06-01",
           events=(("stop", "2025-04-25"),))
    _clock(s, w, "c14", "G1", "crt2", "2025-04-25", "2025-05-05", events=(("stop", "2025-05-03"),))
    _mk_case(s, w, "c15", state="交付执行")
    s.add(CaseShare(case_id=w.case["c15"], agency_id=w.agency["crt"], access="read"))
    _clock(s, w, "c15", "G1", "crt", "2025-04-30", "2025-05-10", events=(("stop", "2025-05-20"),))
    _biz(s, w, "c4", "F1", "crt", "jus", "2025-03-01")
    _clock(s, w, "c4", "F1", "jus", "2025-03-01", "2025-03-15", events=(("stop", "2025-03-10"),))
    _mk_case(s, w, "c16", state="生效")
    # 立案 → 生效: c14 114 days, c16 50 days (二审裁判), c13 not yet effective
    _audit(s, str(w.case["c14"]), "立案", "2025-01-01")
    _audit(s, str(w.case["c14"]), "生效", "2025-04-25")
    _audit(s, str(w.case["c16"]), "立案", "2025-01-10")
    _audit(s, str(w.case["c16"]), "二审裁判", "2025-03-01")
    _audit(s, str(w.case["c13"]), "立案", "2025-02-01")
    s.add(CaseShare(case_id=w.case["c16"], agency_id=w.agency["crt"], access="read"))

    # --- the other region (天水): never in 兰州's figures --------------------------------------------
    _mk_case(s, w, "c20", owner="pol-ts", persons=("子", "丑", "寅"))
    _biz(s, w, "c20", "B2", "pro-ts", "pol-ts", "2025-03-07", decision="不批准逮捕")
    _biz(s, w, "c20", "C1", "pol-ts", "pro-ts", "2025-02-05")
    _biz(s, w, "c20", "C2", "pro-ts", "pol-ts", "2025-02-25")
    _clock(s, w, "c20", "C1", "pro-ts", "2025-02-05", "2025-03-05",
           events=(("stop", "2025-02-25"),))
    _clock(s, w, "c20", "TRIAL1", "pro-ts", "2025-01-01", "2025-02-01", custody=True)

    # --- the document pipeline ---------------------------------------------------------------------
    d1 = _doc(s, "d1", w.case["c1"])
    _task(s, d1, "succeeded", 10, 10, "2025-03-01 10:00", "2025-03-01 10:01:40")  # 10 s/page
    d2 = _doc(s, "d2", w.case["c2"])
    _task(s, d2, "succeeded", 4, 4, "2025-03-01 11:00", "2025-03-01 11:00:20")  # 5 s/page
    d3 = _doc(s, "d3", w.case["c20"])
    _task(s, d3, "succeeded", 7, 7, "2025-03-01 12:00", "2025-03-01 12:01:00")
    d4 = _doc(s, "d4", w.case["c3"])
    _task(s, d4, "running", 6, 2, "2025-03-25 10:00", None)  # backlog 4 pages
    _task(s, d3, "pending", 5, 0, None, None)  # other region's backlog
    _field(s, d1, "case_number", 0.5)  # awaiting review
    _field(s, d1, "court", 0.6)  # corrected below: not awaiting
    _field(s, d1, "court", None, corrected=True, at="2025-03-02")
    _field(s, d1, "defendants/0/name", 0.9)
    _field(s, d2, "defendants/0/name", None, corrected=True, at="2025-03-03")
    _field(s, d2, "defendants/1/name", None, corrected=True, at="2025-04-03")
    _field(s, d3, "case_number", 0.1)  # other region

    # --- judgments ---------------------------------------------------------------------------------
    j1 = _doc(s, "j1", w.case["c4"], court="兰州市城关区人民法院", decision_date="2025-03-20")
    _defendant(s, j1, w.case["c4"], 0, "丁一", ("盗窃罪",), "有期徒刑", 12, 12)
    _defendant(s, j1, w.case["c4"], 1, "丁二", ("盗窃罪",), "拘役", 4)
    j2 = _doc(s, "j2", w.case["c6"], court="兰州市城关区人民法院", decision_date="2025-04-10")
    _defendant(s, j2, w.case["c6"], 0, "庚", ("故意伤害罪", "盗窃罪"), "有期徒刑", 36)
    j3 = _doc(s, "j3", w.case["c20"], court="天水市秦州区人民法院", decision_date="2025-03-01")
    _defendant(s, j3, w.case["c20"], 0, "子", ("盗窃罪",), "有期徒刑", 6, 12)

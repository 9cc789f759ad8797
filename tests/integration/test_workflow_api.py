"""Businesses between agencies through the REST API: pushes, status moves, refusals, deadlines,
reminders, inboxes per agency. Documents are stored rows (no model is loaded); the clock is moved
through the ``workflow_now`` dependency."""

from __future__ import annotations

from sqlalchemy import func, select

from models.db import session_scope
from models.schema import CaseBusiness, CaseShare, WorkflowNotification
from tests.workflow_support import World, add_case

DOCS = {"立案决定书": "立案决定书 决定对张三盗窃案立案侦查", "起诉意见书": "起诉意见书 移送审查起诉",
        "起诉书": "起诉书 提起公诉", "刑事判决书": "刑事判决书 判决如下", "换押证": "换押证"}


def _case(w: World) -> tuple[int, dict[str, int]]:
    return add_case(w.settings, "police-lz", "兰公（城）立字〔2025〕101号", DOCS)


def test_push_refusals_are_chinese_and_change_nothing(world: World) -> None:
    w = world
    case_id, docs = _case(w)
    r = w.push("pol", case_id, "B1", "proc-lz")
    assert r.status_code == 409 and "案件当前处于「受案」阶段" in r.json()["detail"]
    assert w.act("pros", case_id, "立案").status_code == 404  # not shared with it yet
    assert w.act("pol", case_id, "立案").status_code == 200
    r = w.push("pol", case_id, "C5", "court-lz")
    assert r.status_code == 409 and "公安机关不能发起「C5 提起公诉」" in r.json()["detail"]
    r = w.push("pol", case_id, "B1", "court-lz")
    assert r.status_code == 409 and "应送人民检察院" in r.json()["detail"]
    r = w.push("pol", case_id, "C1", "proc-lz", [docs["立案决定书"]])
    assert r.status_code == 422 and "须随附：起诉意见书" in r.json()["detail"]
    r = w.push("pol", case_id, "Z9", "proc-lz")
    assert r.status_code == 422 and "未知的协同业务编码" in r.json()["detail"]
    r = w.act("pol", case_id, "宣判")
    assert r.status_code == 409 and "只能在「一审」阶段进行" in r.json()["detail"]
    with session_scope(w.settings.db_url) as s:
        assert s.execute(select(func.count()).select_from(CaseBusiness)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(CaseShare)).scalar_one() == 0
    assert w.get("pol", f"/api/v1/cases/{case_id}/procedure").json()["state"] == "立案侦查"
    assert w.get("pros", f"/api/v1/cases/{case_id}/procedure").status_code == 404


def test_push_receive_accept_with_deadline_inbox_and_idempotency(world: World) -> None:
    w = world
    case_id, docs = _case(w)
    w.at("2025-03-03T09:00")
    assert w.act("pol", case_id, "立案").status_code == 200
    w.at("2025-03-03T14:25")
    r = w.act("pol", case_id, "拘留", persons=["张三"])
    assert r.status_code == 200, r.text
    clocks = {c["code"]: c for c in r.json()["clocks"]}
    assert clocks["DET_INTERROGATE"]["due"] == "2025-03-04T15:00+08:00"  # CPL 86, hours
    assert clocks["B1"]["due"] == "2025-03-06" and clocks["B1"]["person"] == "张三"
    w.at("2025-03-04T10:00")
    r = w.push("pol", case_id, "B1", "proc-lz", [docs["立案决定书"]], note="提请批准逮捕张三")
    assert r.status_code == 201, r.text
    body = r.json()
    b = body["business"]
    assert b["status"] == "已推送" and b["state_before"] == "拘留" and b["state_after"] == "审查逮捕"
    assert body["deadline"]["clock"] == "B2" and body["deadline"]["due"] == "2025-03-11"
    assert "第九十一条" in body["deadline"]["basis"] and body["deadline"]["level"] == "none"
    assert body["created"] is True
    # a double click: the same business comes back, nothing is created twice
    again = w.push("pol", case_id, "B1", "proc-lz", [docs["立案决定书"]], note="提请批准逮捕张三")
    assert again.status_code == 200 and again.json()["business"]["id"] == b["id"]
    assert again.json()["created"] is False
    # each agency sees only its own inbox
    assert [x["id"] for x in w.get("pros", "/api/v1/inbox").json()] == [b["id"]]
    assert w.get("pol", "/api/v1/inbox").json() == []
    assert w.get("judge", "/api/v1/inbox").json() == []
    assert w.get("judge", f"/api/v1/businesses/{b['id']}").status_code == 404
    # only the receiver signs for it; the procuratorate now reads (and may act on) the case
    assert w.move("pol", b["id"], "receive").status_code == 403
    assert w.move("pros", b["id"], "accept").status_code == 409  # not yet 签收
    assert w.move("pros", b["id"], "receive").json()["status"] == "已签收"
    assert w.move("pros", b["id"], "accept").json()["status"] == "已受理"
    assert w.get("pros", f"/api/v1/cases/{case_id}").status_code == 200
    # the procuratorate's due list: the 7 days of CPL 91, yellow two days before the last day
    w.at("2025-03-09T08:00")
    due = w.get("pros", "/api/v1/deadlines").json()
    assert [(d["code"], d["level"]) for d in due] == [("B2", "yellow")]
    assert w.get("pros", "/api/v1/deadlines", level="red").json() == []
    # 批准逮捕 (B2) answers B1, stops the 7 days and starts two months of 侦查羁押 for the police
    w.at("2025-03-10T16:00")
    r = w.push("pros", case_id, "B2", "police-lz", decision="批准逮捕", client_key="b2-1")
    assert r.status_code == 201, r.text
    b2 = r.json()
    assert b2["business"]["reply_to_id"] == b["id"]
    assert b2["deadline"]["clock"] == "INV_CUSTODY" and b2["deadline"]["due"] == "2025-05-10"
    assert w.push("pros", case_id, "B2", "police-lz", decision="批准逮捕",
                  client_key="b2-1").json()["business"]["id"] == b2["business"]["id"]
    assert w.get("pros", "/api/v1/deadlines").json() == []
    assert w.move("pros", b["id"], "complete").json()["status"] == "已办结"
    actions = [(e.action, e.detail.get("status")) for e in w.audit()]
    assert actions == [("business.draft", "草稿"), ("business.push", "已推送"),
                       ("business.receive", "已签收"), ("business.accept", "已受理"),
                       ("business.draft", "草稿"), ("business.push", "已推送"),
                       ("business.complete", "已办结")]


def test_reminders_once_per_level_and_overrun_needs_a_reason(world: World) -> None:
    from services.workflow import sweep_reminders

    w = world
    case_id, docs = _case(w)
    w.at("2025-03-03T09:00")
    w.act("pol", case_id, "立案")
    w.push("pol", case_id, "B1", "proc-lz")  # not detained: 15 days (规则 282)
    w.at("2025-03-05T09:00")
    r = w.push("pros", case_id, "B2", "police-lz", decision="批准逮捕")
    assert r.json()["deadline"]["due"] == "2025-05-05"
    clock_id = r.json()["deadline"]["clock_id"]
    for when, level in (("2025-04-20T09:00", "none"), ("2025-04-28T00:00", "yellow"),
                        ("2025-05-03T09:00", "orange"), ("2025-05-06T00:00", "red")):
        w.at(when)
        sweep_reminders(w.settings, w.now[0])
        sweep_reminders(w.settings, w.now[0])  # a second run records nothing new
        assert [d["level"] for d in w.get("pol", "/api/v1/deadlines").json()] == [level]
    notes = w.get("pol", "/api/v1/notifications").json()
    assert [n["level"] for n in notes] == ["red", "orange", "yellow"]
    assert "超期" in notes[0]["message"] and "逮捕后侦查羁押" in notes[0]["message"]
    assert w.get("pros", "/api/v1/notifications").json() == []
    # the overrun clock cannot be stopped by 移送审查起诉 without a recorded reason
    r = w.push("pol", case_id, "C1", "proc-lz", [docs["起诉意见书"]])
    assert r.status_code == 409 and "超期原因" in r.json()["detail"]
    r = w.post("pol", f"/api/v1/clocks/{clock_id}/overrun-reason", {"reason": "鉴定意见迟延"})
    assert r.status_code == 200 and r.json()["overrun_reason"] == "鉴定意见迟延"
    r = w.push("pol", case_id, "C1", "proc-lz", [docs["起诉意见书"]])
    assert r.status_code == 201 and r.json()["deadline"]["due"] == "2025-06-06"  # 6 June: 5 is a
    with session_scope(w.settings.db_url) as s:  # weekday; one month from 6 May
        assert s.execute(select(func.count()).select_from(WorkflowNotification)).scalar_one() == 3


def test_extension_pause_and_return_with_reason(world: World) -> None:
    w = world
    case_id, docs = _case(w)
    w.at("2025-03-03T09:00")
    w.act("pol", case_id, "立案")
    w.act("pol", case_id, "拘留", persons=["张三"])
    w.act("pol", case_id, "讯问")
    b1 = w.push("pol", case_id, "B1", "proc-lz").json()["business"]
    # returned with a reason: the case goes back to 拘留 and the 7-day clock ends
    assert w.move("pros", b1["id"], "return").status_code == 422  # 退回须写明理由
    r = w.move("pros", b1["id"], "return", reason="证据材料不全")
    assert r.status_code == 200 and r.json()["status"] == "已退回"
    assert r.json()["return_reason"] == "证据材料不全"
    tl = w.get("pol", f"/api/v1/cases/{case_id}/procedure").json()
    assert tl["state"] == "拘留"
    assert {c["code"]: c["status"] for c in tl["clocks"]}["B2"] == "stopped"
    assert {c["code"]: c["status"] for c in tl["clocks"]}["B1"] == "running"
    b1 = w.push("pol", case_id, "B1", "proc-lz").json()["business"]
    assert b1["status"] == "已推送"
    w.push("pros", case_id, "B2", "police-lz", decision="批准逮捕")
    clock = next(c for c in w.get("pol", "/api/v1/deadlines").json() if c["code"] == "INV_CUSTODY")
    # CPL 156: +1 month approved by the procuratorate above; CPL 149: 精神病鉴定 not counted
    r = w.post("pol", f"/api/v1/clocks/{clock['id']}/events",
               {"kind": "extend", "add": "1m", "approver": "兰州市人民检察院",
                "document": "批准延长侦查羁押期限决定书"})
    assert r.status_code == 200 and r.json()["due"] == "2025-06-03"
    r = w.post("pol", f"/api/v1/clocks/{clock['id']}/events", {"kind": "extend", "add": "3m",
                                                               "approver": "某院"})
    assert r.status_code == 409 and "不能延长3个月" in r.json()["detail"]
    w.at("2025-03-10T09:00")
    r = w.post("pol", f"/api/v1/clocks/{clock['id']}/events",
               {"kind": "pause", "reason": "精神病鉴定"})
    assert r.status_code == 200 and r.json()["status"] == "paused"
    w.at("2025-03-20T09:00")
    r = w.post("pol", f"/api/v1/clocks/{clock['id']}/events", {"kind": "resume"})
    assert r.json()["due"] == "2025-06-13" and "第一百四十九条" in r.json()["basis"]
    assert w.post("pros", f"/api/v1/clocks/{clock['id']}/events",
                  {"kind": "resume"}).status_code == 403


def test_the_worker_sweeper_runs_the_reminder_job(world: World) -> None:
    """The periodic Sweeper of every worker moves clocks to their level (here: real now, a
    clock that fell due in 2025) and records the notification once."""
    import time

    from workers.recovery import Sweeper

    w = world
    case_id, _ = _case(w)
    w.at("2025-03-03T09:00")
    w.act("pol", case_id, "立案")
    w.push("pol", case_id, "B1", "proc-lz")
    sweeper = Sweeper(w.settings, lambda task_id, stage: None, every_s=0.2)
    sweeper.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            notes = w.get("pros", "/api/v1/notifications").json()
            if notes:
                break
            time.sleep(0.1)
    finally:
        sweeper.stop()
        sweeper.join(10)
    assert [n["level"] for n in notes] == ["red"] and "审查批准逮捕" in notes[0]["message"]

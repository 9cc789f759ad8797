"""The businesses the four-agency case does not pass through, driven through the API:
不捕复议 (B4) after a 不批准逮捕 (B2), 延期审理补充侦查 (D2, at most twice) during the first
instance, and the second instance's 阅卷 (D5: the 审限 paused and resumed, CPL 235) and
发回重审 (D5: back to the first instance, its 审限 counted again, CPL 239)."""

from __future__ import annotations

from typing import Any

from tests.workflow_support import World, add_case

DOCS = {"起诉意见书": "起诉意见书", "换押证": "换押证", "起诉书": "起诉书", "刑事判决书": "刑事判决书"}


def ok(r: Any, status: int = 201) -> dict[str, Any]:
    assert r.status_code == status, r.text
    return dict(r.json())


def flow(w: World, who: str, bid: int, *moves: str) -> None:
    for m in moves:
        ok(w.move(who, bid, m), 200)


def clocks(w: World, who: str, case_id: int) -> dict[str, dict[str, Any]]:
    tl = w.get(who, f"/api/v1/cases/{case_id}/procedure").json()
    return {c["code"]: c for c in tl["clocks"]}


def to_first_instance(w: World, number: str) -> tuple[int, dict[str, int]]:
    case_id, docs = add_case(w.settings, "police-lz", number, DOCS)
    w.at("2025-03-03T09:00")
    ok(w.act("pol", case_id, "立案"), 200)
    c1 = ok(w.push("pol", case_id, "C1", "proc-lz", [docs["起诉意见书"], docs["换押证"]]))
    flow(w, "pros", c1["business"]["id"], "receive", "accept")
    w.at("2025-03-20T09:00")
    c5 = ok(w.push("pros", case_id, "C5", "court-lz", [docs["起诉书"], docs["换押证"]]))
    flow(w, "judge", c5["business"]["id"], "receive", "accept")
    assert w.get("judge", f"/api/v1/cases/{case_id}/procedure").json()["state"] == "一审"
    return case_id, docs


def test_reconsideration_after_a_refused_arrest(world: World) -> None:
    w = world
    case_id, _ = add_case(w.settings, "police-lz", "兰公（城）立字〔2025〕801号", DOCS)
    w.at("2025-03-03T09:00")
    ok(w.act("pol", case_id, "立案"), 200)
    ok(w.act("pol", case_id, "拘留", persons=["赵六"]), 200)
    ok(w.act("pol", case_id, "讯问"), 200)
    b1 = ok(w.push("pol", case_id, "B1", "proc-lz"))
    flow(w, "pros", b1["business"]["id"], "receive", "accept")
    w.at("2025-03-07T09:00")
    b2 = ok(w.push("pros", case_id, "B2", "police-lz", decision="不批准逮捕"))
    assert b2["business"]["reply_to_id"] == b1["business"]["id"]
    assert b2["business"]["state_after"] == "立案侦查"
    w.at("2025-03-10T09:00")
    b4 = ok(w.push("pol", case_id, "B4", "proc-lz", note="要求复议"))
    assert b4["business"]["reply_to_id"] == b2["business"]["id"]
    dl = b4["deadline"]  # the procuratorate's 7 days to decide the reconsideration ⚠
    assert dl is not None and dl["clock"] == "B4_RECONSIDER" and dl["due"] == "2025-03-17"
    assert dl["unverified"]
    inbox = w.get("pros", "/api/v1/inbox").json()
    assert [b["code"] for b in inbox if b["status"] == "已推送"] == ["B4"]
    # the state stays 立案侦查: a reconsideration does not move the case
    assert w.get("pol", f"/api/v1/cases/{case_id}/procedure").json()["state"] == "立案侦查"


def test_postponed_trial_for_supplementary_investigation_at_most_twice(world: World) -> None:
    w = world
    case_id, _ = to_first_instance(w, "兰公（城）立字〔2025〕802号")
    assert clocks(w, "judge", case_id)["TRIAL1"]["status"] == "running"
    w.at("2025-04-01T09:00")
    d2 = ok(w.push("pros", case_id, "D2", "court-lz", note="建议延期审理，补充侦查"))
    assert d2["business"]["state_after"] == "一审"
    cl = clocks(w, "judge", case_id)
    assert cl["TRIAL1"]["status"] == "stopped" and cl["D2"]["status"] == "running"
    flow(w, "judge", d2["business"]["id"], "receive", "accept", "complete")
    w.at("2025-04-20T09:00")
    second = ok(w.push("pros", case_id, "D2", "court-lz", note="第二次"))
    flow(w, "judge", second["business"]["id"], "receive", "accept", "complete")
    r = w.push("pros", case_id, "D2", "court-lz", note="第三次")
    assert r.status_code == 409 and "二次为限" in r.json()["detail"]


def test_second_instance_reading_pauses_the_time_limit_and_a_retrial_restarts_it(
        world: World) -> None:
    w = world
    case_id, docs = to_first_instance(w, "兰公（城）立字〔2025〕803号")
    w.at("2025-04-10T15:00")
    ok(w.act("judge", case_id, "宣判"), 200)
    ok(w.push("judge", case_id, "D3", "proc-lz", [docs["刑事判决书"]]))
    w.at("2025-04-15T09:00")  # an appeal within the 10 days: the case goes up
    d4 = ok(w.push("judge", case_id, "D4", "court-lz2", [docs["刑事判决书"]], note="上诉"))
    flow(w, "judge2", d4["business"]["id"], "receive", "accept")
    assert w.get("judge2", f"/api/v1/cases/{case_id}/procedure").json()["state"] == "二审"
    trial2 = clocks(w, "judge2", case_id)["TRIAL2"]
    assert trial2["status"] == "running"
    w.at("2025-04-20T09:00")
    d5 = ok(w.push("judge2", case_id, "D5", "proc-lz", decision="阅卷"))
    assert clocks(w, "judge2", case_id)["TRIAL2"]["status"] == "paused"  # CPL 235
    w.at("2025-05-20T09:00")  # a month of reading does not count
    flow(w, "pros", d5["business"]["id"], "receive", "accept", "complete")
    resumed = clocks(w, "judge2", case_id)["TRIAL2"]
    assert resumed["status"] == "running" and resumed["due"] > trial2["due"]
    w.at("2025-06-01T09:00")
    r = ok(w.push("judge2", case_id, "D5", "court-lz", decision="发回重审"))
    assert r["business"]["state_after"] == "一审"
    cl = clocks(w, "judge", case_id)
    assert cl["TRIAL2"]["status"] == "stopped"
    assert cl["TRIAL1"]["status"] == "running" and cl["TRIAL1"]["due"] > "2025-06-01"  # CPL 239


def person_clocks(w: World, who: str, case_id: int) -> dict[tuple[str, str | None], dict[str, Any]]:
    tl = w.get(who, f"/api/v1/cases/{case_id}/procedure").json()
    return {(c["code"], c["person"]): c for c in tl["clocks"]}


def test_accomplices_detained_on_different_days_keep_their_own_clocks(world: World) -> None:
    """CPL 91: the police ask for the arrest within three days of each person's own 拘留; an
    accomplice caught two days later has a period of his own, and questioning him stops only
    his 24-hour clocks (CPL 86)."""
    w = world
    case_id, _ = add_case(w.settings, "police-lz", "兰公（城）立字〔2025〕803号", DOCS)
    w.at("2025-03-03T09:00")
    ok(w.act("pol", case_id, "立案"), 200)
    first = ok(w.act("pol", case_id, "拘留", concerning=["张三"]), 200)
    assert first["concerning"] == ["张三"] and {c["person"] for c in first["clocks"]} == {"张三"}
    w.at("2025-03-03T12:00")
    ok(w.act("pol", case_id, "讯问", concerning=["张三"]), 200)
    w.at("2025-03-05T15:00")
    again = w.act("pol", case_id, "拘留")  # who? a second 拘留 must say
    assert again.status_code == 409 and "须写明所涉人员" in again.json()["detail"], again.text
    twice = w.act("pol", case_id, "拘留", concerning=["张三"])
    assert twice.status_code == 409 and "张三的「" in twice.json()["detail"], twice.text
    whole = w.act("pol", case_id, "取保候审", concerning=["张三"])
    assert whole.status_code == 422 and "按整个案件办理" in whole.json()["detail"], whole.text
    ok(w.act("pol", case_id, "拘留", concerning=["李四"]), 200)
    cl = person_clocks(w, "pol", case_id)
    # three days from each one's own 拘留, the first day not counted, no holiday roll-over
    assert cl[("B1", "张三")]["due"] == "2025-03-06" and cl[("B1", "李四")]["due"] == "2025-03-08"
    assert cl[("B1", "张三")]["custody"] and cl[("B1", "李四")]["custody"]
    procedure = w.get("pol", f"/api/v1/cases/{case_id}/procedure").json()
    assert procedure["persons"] == ["张三", "李四"] and procedure["state"] == "拘留"

    # 张三 was questioned on his first day; 李四's 24 hours run from his own 拘留
    assert cl[("DET_INTERROGATE", "张三")]["status"] == "stopped"
    assert cl[("DET_INTERROGATE", "李四")]["status"] == "running"
    # 24 hours, the hour it starts in not counted (CPL 105)
    assert cl[("DET_INTERROGATE", "李四")]["due"].startswith("2025-03-06T16:00")
    w.at("2025-03-05T18:00")
    ok(w.act("pol", case_id, "讯问", concerning=["李四"]), 200)
    assert person_clocks(w, "pol", case_id)[("DET_INTERROGATE", "李四")]["status"] == "stopped"
    audit = [e for e in w.audit("case.procedure") if e.detail.get("action") == "讯问"]
    assert audit and audit[-1].detail["concerning"] == ["李四"]

    w.at("2025-03-06T09:00")
    b1 = ok(w.push("pol", case_id, "B1", "proc-lz"))  # one request for both
    cl = person_clocks(w, "pol", case_id)
    assert cl[("B1", "张三")]["status"] == "stopped" and cl[("B1", "李四")]["status"] == "stopped"
    assert {p for (code, p) in cl if code == "B2"} == {"张三", "李四"}
    assert b1["business"]["state_after"] == "审查逮捕"


def test_a_returned_refusal_of_arrest_puts_the_person_back_in_custody(world: World) -> None:
    """A 不批准逮捕 pushed in error and returned by the police takes back its release: the case
    is again 审查逮捕 with its person held, so the next decision's clocks are the in-custody
    ones (before, the 在押 flag stayed off after the return)."""
    w = world
    case_id, _ = add_case(w.settings, "police-lz", "兰公（城）立字〔2025〕804号", DOCS)
    w.at("2025-03-03T09:00")
    ok(w.act("pol", case_id, "立案"), 200)
    ok(w.act("pol", case_id, "拘留", persons=["赵六"]), 200)
    b1 = ok(w.push("pol", case_id, "B1", "proc-lz"))
    flow(w, "pros", b1["business"]["id"], "receive", "accept")
    w.at("2025-03-07T09:00")
    refused = ok(w.push("pros", case_id, "B2", "police-lz", decision="不批准逮捕"))
    procedure = w.get("pol", f"/api/v1/cases/{case_id}/procedure").json()
    assert (procedure["state"], procedure["detained"]) == ("立案侦查", False)
    flow(w, "pol", refused["business"]["id"], "receive")
    ok(w.move("pol", refused["business"]["id"], "return", reason="决定书送错案件"), 200)
    procedure = w.get("pol", f"/api/v1/cases/{case_id}/procedure").json()
    assert (procedure["state"], procedure["detained"]) == ("审查逮捕", True)
    w.at("2025-03-08T09:00")
    ok(w.push("pros", case_id, "B2", "police-lz", decision="批准逮捕"), 201)
    cl = person_clocks(w, "pol", case_id)
    assert cl[("INV_CUSTODY", "赵六")]["custody"] and cl[("INV_CUSTODY", "赵六")]["status"] == "running"

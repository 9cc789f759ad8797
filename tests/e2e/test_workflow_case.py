"""One real case through the procedure between four agencies, through the API, each agency as its
own user, the clock moved by the ``workflow_now`` dependency (never by sleeping).

The case is the real judgment lecard-12174 of ../shared/data (宜兴市人民法院, 盗窃罪, 简易程序),
replayed in 2025 so that the checked holiday calendar applies:
the judgment itself and documents rendered from its facts (立案决定书, 起诉意见书, 换押证, 起诉书) go
through the real pipeline (eager tasks: sniff, extract, index, embed), so the business form is
prefilled from what extraction found. Police: 立案 → 拘留 → 报捕 (B1); procuratorate: 批捕 (B2);
police: 移送审查起诉 (C1); procuratorate: one 退补 (C2); police: 重新移送 (C3); procuratorate:
提起公诉 (C5); court: 受理 → 委托调查评估 (F1, justice bureau) → 宣判 → 判决书送达 (D3) → 生效 →
交付执行 (G1); police: 收押回执 (G2) → 结案. Every business, deadline and audit row is asserted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from models.db import session_scope
from tests.scans.dossier_templates import Doc, SourceCase, documents, read_case
from tests.workflow_support import World, make_world

pytestmark = pytest.mark.slow

JUDGMENT = "lecard-12174"


@pytest.fixture
def world(env: Callable[..., dict[str, str]]) -> Iterator[World]:
    env(task_always_eager="true")
    from api.auth import add_user, issue_token
    from models.settings import get_settings

    w = make_world(get_settings())
    with session_scope(w.settings.db_url) as s:  # the police clerk who opens the dossier
        w.tokens["pclerk"] = issue_token(s, add_user(s, "pclerk", "clerk", "police-lz"), 24)
    yield w
    w.client.close()


def render(judgment: str) -> dict[str, str]:
    """The documents before the judgment, rendered from the real judgment's own facts."""
    facts = re.search(r"检察院指控，(.+?)(?:2018年6月15日，被告人)", judgment, re.S)
    assert facts, "the facts paragraph of the judgment"
    what = facts.group(1).strip()
    return {
        "立案决定书": "立案决定书\n宜公（刑）立字〔2018〕1001号\n根据《中华人民共和国刑事诉讼法》"
                     "第一百一十二条之规定，决定对吴某被盗一案立案侦查。\n宜兴市公安局\n二〇一八年六月十四日",
        "起诉意见书": "起诉意见书\n宜公（刑）诉字〔2018〕1001号\n犯罪嫌疑人张某，务工人员。\n"
                     f"经依法侦查查明：{what}\n犯罪嫌疑人张某的行为已触犯《中华人民共和国刑法》第二百六十四条，"
                     "涉嫌盗窃罪。依照刑事诉讼法第一百六十二条之规定，现将此案移送审查起诉。\n此致\n"
                     "宜兴市人民检察院\n宜兴市公安局",
        "换押证": "换押证\n犯罪嫌疑人张某 原办案机关 宜兴市公安局 承接办案机关 宜兴市人民检察院\n"
                 "羁押期限 看守所 办案机关换押",
        "起诉书": "宜兴市人民检察院\n起诉书\n宜检诉刑诉（2019）45号\n被告人张某，务工人员。\n"
                 f"经依法审查查明：{what}\n本院认为，被告人张某以非法占有为目的，秘密窃取他人财物，"
                 "数额较大，其行为触犯了《中华人民共和国刑法》第二百六十四条，应当以盗窃罪追究其刑事责任。"
                 "根据《中华人民共和国刑事诉讼法》第一百七十六条的规定，提起公诉。\n此致\n"
                 "宜兴市人民法院\n检察员 张沛平",
    }


def the_rest_of_the_dossier(judgment: str) -> list[Doc]:
    """What a complete 盗窃 dossier holds beside those (受案登记表, 讯问笔录, 价格认定结论书 …),
    filled from the judgment's facts by the template generator of tests/scans."""
    facts = re.search(r"检察院指控，(.+?)(?:2018年6月15日，被告人)", judgment, re.S)
    assert facts
    case = read_case(SourceCase("lecard", JUDGMENT, "盗窃", facts.group(1).strip(), "张某"))
    return [d for d in documents(case) if d.material not in ("立案决定书", "起诉意见书", "起诉书")]


def upload(w: World, who: str, name: str, text: str, case_id: int | None = None,
           case_number: str | None = None) -> dict[str, Any]:
    files = {"file": (f"{name}.txt", text.encode("utf-8"), "text/plain")}
    if case_id is None:
        r = w.client.post("/api/v1/documents", files=files, data={"case_number": case_number},
                          headers=w.h(who))
    else:
        r = w.client.post(f"/api/v1/cases/{case_id}/documents", files=files, headers=w.h(who))
    assert r.status_code == 202, r.text
    doc = w.get(who, f"/api/v1/documents/{r.json()['document_id']}").json()
    assert doc["status"] == "processed", doc
    return {**r.json(), "doc_type": doc["doc_type"], "fields": doc["fields"]}


def flow(w: World, who: str, bid: int, *moves: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in moves:
        r = w.move(who, bid, m)
        assert r.status_code == 200, (m, r.text)
        out = r.json()
    return out


def state(w: World, who: str, case_id: int) -> str:
    return str(w.get(who, f"/api/v1/cases/{case_id}/procedure").json()["state"])


def test_a_real_case_from_filing_to_execution(world: World, shared_data: Path) -> None:
    from models.audit import verify_chain

    w = world
    judgment = (shared_data / "extraction_gold" / "texts" / f"{JUDGMENT}.txt").read_text("utf-8")
    docs = render(judgment)
    # --- police: the dossier, 立案, 拘留 ------------------------------------------------------------
    w.at("2025-06-13T09:00")
    first = upload(w, "pclerk", "立案决定书", docs["立案决定书"], case_number="（2019）苏0282刑初48号")
    case_id = first["case_id"]
    ids = {"立案决定书": first["document_id"]}
    for kind in ("起诉意见书", "换押证"):
        up = upload(w, "pol", kind, docs[kind], case_id=case_id)
        assert up["doc_type"] == kind, (kind, up["doc_type"])  # the classifier read its title
        ids[kind] = up["document_id"]
    assert w.act("pol", case_id, "立案").json()["state"] == "立案侦查"
    r = w.client.put(f"/api/v1/cases/{case_id}/procedure", headers=w.h("pol"),
                     json={"procedure": "简易", "plea": False, "persons": ["张某"]})
    assert r.status_code == 200 and r.json()["persons"] == ["张某"]
    w.at("2025-06-16T10:20")
    r = w.act("pol", case_id, "拘留")
    clocks = {c["code"]: c for c in r.json()["clocks"]}
    assert clocks["DET_INTERROGATE"]["due"] == "2025-06-17T11:00+08:00"  # CPL 86, 24 hours
    assert clocks["B1"]["due"] == "2025-06-19" and clocks["B1"]["person"] == "张某"  # CPL 91
    w.at("2025-06-16T16:00")
    w.act("pol", case_id, "讯问")
    # --- 报捕 (B1) → procuratorate ------------------------------------------------------------------
    # the completeness gate: the dossier lacks what 报捕 of a theft needs, nothing is pushed
    r = w.push("pol", case_id, "B1", "proc-lz", [ids["立案决定书"]])
    assert r.status_code == 422 and {"讯问笔录", "价格认定"} <= set(r.json()["checklist"]["blocking"])
    for d in the_rest_of_the_dossier(judgment):
        upload(w, "pol", d.material, "\f".join(d.pages), case_id=case_id)
    w.at("2025-06-18T10:00")
    form = w.get("pol", f"/api/v1/cases/{case_id}/businesses/form", code="C1").json()
    assert form["documents_suggested"]["起诉意见书"] == [ids["起诉意见书"]]
    r = w.push("pol", case_id, "B1", "proc-lz", [ids["立案决定书"]], note="提请批准逮捕张某",
               client_key="b1")
    assert r.status_code == 201, r.text
    b1 = r.json()
    assert b1["deadline"]["clock"] == "B2" and b1["deadline"]["due"] == "2025-06-25"  # 7 days
    assert b1["deadline"]["custody"] and "第九十一条第三款" in b1["deadline"]["basis"]
    assert w.push("pol", case_id, "B1", "proc-lz", [ids["立案决定书"]],
                  client_key="b1").json()["business"]["id"] == b1["business"]["id"]
    assert [b["code"] for b in w.get("pros", "/api/v1/inbox").json()] == ["B1"]
    assert w.get("judge", "/api/v1/inbox").json() == [] and w.get("just", "/api/v1/inbox").json() == []
    flow(w, "pros", b1["business"]["id"], "receive", "accept")
    assert state(w, "pros", case_id) == "审查逮捕"
    # --- 批捕 (B2) → police: two months of 侦查羁押 -----------------------------------------------------
    w.at("2025-06-22T15:00")
    r = w.push("pros", case_id, "B2", "police-lz", decision="批准逮捕")
    b2 = r.json()
    assert r.status_code == 201 and b2["business"]["reply_to_id"] == b1["business"]["id"]
    assert b2["deadline"]["clock"] == "INV_CUSTODY" and b2["deadline"]["due"] == "2025-08-22"
    flow(w, "pros", b1["business"]["id"], "complete")
    flow(w, "pol", b2["business"]["id"], "receive", "accept", "complete")
    assert state(w, "pol", case_id) == "逮捕后侦查"
    # the police's due list turns yellow a week before the end of the two months
    w.at("2025-08-16T09:00")
    due = w.get("pol", "/api/v1/deadlines").json()
    assert [(d["code"], d["due"], d["level"]) for d in due] == [
        ("INV_CUSTODY", "2025-08-22", "yellow")]
    # --- 移送审查起诉 (C1) ------------------------------------------------------------------------------
    w.at("2025-08-20T10:00")
    r = w.push("pol", case_id, "C1", "proc-lz", [ids["起诉意见书"], ids["换押证"]])
    c1 = r.json()
    assert r.status_code == 201, r.text
    assert c1["deadline"]["clock"] == "C1" and c1["deadline"]["due"] == "2025-09-20"  # Saturday; custody
    assert c1["business"]["form"]["fields"], "prefilled from the extracted fields"
    assert all("document_id" in f and "extractor" in f
               for f in c1["business"]["form"]["fields"].values())
    flow(w, "pros", c1["business"]["id"], "receive", "accept")
    assert w.get("pol", "/api/v1/deadlines").json() == []  # 侦查羁押 stopped by C1
    # --- one 退补 (C2): the review clock stops; the police have one month ------------------------------
    w.at("2025-09-05T10:00")
    r = w.push("pros", case_id, "C2", "police-lz", [ids["换押证"]], note="补充侦查提纲：赃物去向")
    c2 = r.json()
    assert c2["deadline"]["clock"] == "C2" and c2["deadline"]["due"] == "2025-10-05"  # holiday; custody
    assert state(w, "pros", case_id) == "退回补充侦查"
    assert w.get("pros", "/api/v1/deadlines").json() == []
    flow(w, "pol", c2["business"]["id"], "receive", "accept")
    # --- 重新移送 (C3): the review month restarts in full (CPL 175) ---------------------------------------
    w.at("2025-09-28T10:00")
    r = w.push("pol", case_id, "C3", "proc-lz", [ids["换押证"]])
    c3 = r.json()
    assert r.status_code == 201, r.text
    assert c3["deadline"]["clock"] == "C1" and c3["deadline"]["due"] == "2025-10-28"
    assert "重新计算" in c3["deadline"]["basis"] and "第一百七十五条" in c3["deadline"]["basis"]
    flow(w, "pol", c2["business"]["id"], "complete")
    flow(w, "pros", c3["business"]["id"], "receive", "accept")
    # --- 提起公诉 (C5): the procuratorate adds its 起诉书 to the shared case --------------------------------
    w.at("2025-10-20T10:00")
    ind = upload(w, "pros", "起诉书", docs["起诉书"], case_id=case_id)
    assert ind["doc_type"] == "起诉书"
    r = w.push("pros", case_id, "C5", "court-lz", [ind["document_id"], ids["换押证"]])
    c5 = r.json()
    assert r.status_code == 201, r.text
    assert c5["deadline"]["clock"] == "C5" and c5["deadline"]["unverified"]  # 解释 219 ⚠
    flow(w, "pros", c1["business"]["id"], "complete")
    flow(w, "pros", c3["business"]["id"], "complete")
    w.at("2025-10-21T09:00")
    flow(w, "judge", c5["business"]["id"], "receive")
    flow(w, "judge", c5["business"]["id"], "accept")
    tl = w.get("judge", f"/api/v1/cases/{case_id}/procedure").json()
    assert tl["state"] == "一审"
    trial = next(c for c in tl["clocks"] if c["base"] == "TRIAL1")
    assert trial["code"] == "TRIAL1_SIMPLE" and trial["due"] == "2025-11-10"  # 简易: 20 days (CPL 220)
    # --- the justice bureau: 委托社区矫正调查评估 (F1), ten working days ⚠ ---------------------------------
    r = w.push("judge", case_id, "F1", "justice-lz", note="委托调查评估张某")
    f1 = r.json()
    assert r.status_code == 201 and f1["deadline"]["due"] == "2025-11-04"
    assert f1["deadline"]["unverified"]
    assert [b["code"] for b in w.get("just", "/api/v1/inbox").json()] == ["F1"]
    w.at("2025-10-27T09:00")
    flow(w, "just", f1["business"]["id"], "receive", "accept", "complete")
    # --- 宣判, 判决书送达 (D3), the appeal period, 生效 ----------------------------------------------------
    w.at("2025-10-28T15:00")
    r = w.act("judge", case_id, "宣判")
    appeal = {c["code"]: c for c in r.json()["clocks"]}["D4"]
    assert appeal["due"] == "2025-11-07" and appeal["level"] == "none"  # CPL 230; no duty
    jud = upload(w, "judge", "刑事判决书", judgment, case_id=case_id)
    assert jud["doc_type"] == "刑事判决书"
    r = w.push("judge", case_id, "D3", "proc-lz", [jud["document_id"]])
    assert r.status_code == 201 and r.json()["business"]["state_after"] == "上诉期"
    w.at("2025-11-01T10:00")
    r = w.act("judge", case_id, "生效")
    assert r.status_code == 409 and "尚未届满" in r.json()["detail"]
    w.at("2025-11-08T09:00")
    r = w.act("judge", case_id, "生效")
    assert r.status_code == 200 and r.json()["state"] == "生效"
    g1_clock = {c["code"]: c for c in r.json()["clocks"]}["G1"]
    assert g1_clock["due"] == "2025-11-18"  # CPL 264: ten days
    # --- 交付执行 (G1) → police; 收押回执 (G2) → 结案 --------------------------------------------------------
    w.at("2025-11-10T10:00")
    r = w.push("judge", case_id, "G1", "police-lz", [jud["document_id"], ind["document_id"]])
    g1 = r.json()
    assert r.status_code == 201 and g1["deadline"]["clock"] == "G2"
    assert g1["deadline"]["due"] == "2025-12-10" and g1["deadline"]["custody"]
    flow(w, "pol", g1["business"]["id"], "receive", "accept")
    w.at("2025-11-20T10:00")
    r = w.push("pol", case_id, "G2", "court-lz")
    assert r.status_code == 201 and r.json()["business"]["state_after"] == "结案"
    flow(w, "pol", g1["business"]["id"], "complete")
    r = w.push("judge", case_id, "D3", "proc-lz", [jud["document_id"]], note="again")
    assert r.status_code == 409 and "案件已结案" in r.json()["detail"]

    # --- every business, deadline and audit row -----------------------------------------------------------
    tl = w.get("pol", f"/api/v1/cases/{case_id}/procedure").json()
    assert tl["state"] == "结案"
    assert [(b["code"], b["status"], b["state_before"], b["state_after"])
            for b in tl["businesses"]] == [
        ("B1", "已办结", "拘留", "审查逮捕"), ("B2", "已办结", "审查逮捕", "逮捕后侦查"),
        ("C1", "已办结", "逮捕后侦查", "审查起诉"), ("C2", "已办结", "审查起诉", "退回补充侦查"),
        ("C3", "已办结", "退回补充侦查", "审查起诉"), ("C5", "已受理", "审查起诉", "提起公诉"),
        ("F1", "已办结", "一审", "一审"), ("D3", "已推送", "上诉期", "上诉期"),
        ("G1", "已办结", "生效", "交付执行"), ("G2", "已推送", "交付执行", "结案")]
    clocks = [(c["code"], c["due"], c["status"]) for c in tl["clocks"]]
    assert clocks == [
        ("DET_TRANSFER", "2025-06-17T11:00+08:00", "stopped"),
        ("DET_NOTICE", "2025-06-17T11:00+08:00", "stopped"),
        ("DET_INTERROGATE", "2025-06-17T11:00+08:00", "stopped"),
        ("B1", "2025-06-19", "stopped"), ("B2", "2025-06-25", "stopped"),
        ("INV_CUSTODY", "2025-08-22", "stopped"), ("C1", "2025-10-28", "stopped"),
        ("C2", "2025-10-05", "stopped"), ("C5", "2025-10-27", "stopped"),
        ("TRIAL1_SIMPLE", "2025-11-10", "stopped"), ("F1", "2025-11-04", "stopped"),
        ("D4", "2025-11-07", "stopped"), ("G1", "2025-11-18", "stopped"),
        ("G2", "2025-12-10", "stopped")]
    assert all(c["basis"] for c in tl["clocks"])
    assert not any(c["overrun_reason"] for c in tl["clocks"])  # every step in time
    events = [(e.action, e.detail.get("code"), e.detail.get("status")) for e in w.audit()]
    codes = [c for _, c, st in events if st == "已推送"]
    assert codes == ["B1", "B2", "C1", "C2", "C3", "C5", "F1", "D3", "G1", "G2"]
    assert events.count(("business.receive", "C5", "已签收")) == 1
    assert ("business.complete", "F1", "已办结") in events
    assert sum(1 for a, _, _ in events if a == "business.draft") == 10  # nothing created twice
    steps = [e.detail["action"] for e in w.audit("case.procedure") if "action" in e.detail]
    assert steps == ["立案", "拘留", "讯问", "宣判", "生效"]
    with session_scope(w.settings.db_url) as s:
        assert verify_chain(s).ok
    # the receiving agencies read the case; the justice bureau reads it; nobody else
    for who in ("pros", "judge", "just"):
        assert w.get(who, f"/api/v1/cases/{case_id}").status_code == 200

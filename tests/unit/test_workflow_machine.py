"""The business registry, the case state machine and the reminder levels (workflow/)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from extraction.classify import KINDS
from workflow import machine, registry, reminders
from workflow.deadlines import CST, compute, deadline_for
from workflow.errors import IllegalTransition, UnknownCode, WorkflowError
from workflow.machine import CaseFacts


def test_registry_has_the_26_core_businesses_in_7_categories() -> None:
    reg = registry.load()
    assert len(reg.businesses) == 26 and len(reg.categories) == 7
    assert sorted({b.category for b in reg.businesses.values()}) == list("ABCDEFG")
    for b in reg.businesses.values():
        assert set(b.documents) <= set(KINDS), b.code  # the classifier's kind names
        assert b.period in reg.clocks and b.access in ("read", "write")
        assert all(k in registry.AGENCY_KINDS for k in b.from_kinds + b.to_kinds)
    assert reg.business("B2").reply_to == ("B1",)
    assert reg.business("C2").max_per_case == 2 and "第一百七十五条" in (reg.business("C2").max_basis or "")
    # every clock carries a legal basis; the unverified ones are flagged with it
    for c in reg.clocks.values():
        assert c.basis
    assert reg.clock("E1").unverified and reg.clock("B3").unverified and not reg.clock("B2").unverified


def test_registry_refuses_a_file_naming_an_unknown_clock() -> None:
    import tomllib

    raw = tomllib.loads((registry.DATA / "registry.toml").read_text("utf-8"))
    proc = tomllib.loads((registry.DATA / "procedure.toml").read_text("utf-8"))
    raw["business"][0]["period"] = "NOPE"
    with pytest.raises(WorkflowError, match="未知期限 NOPE"):
        registry.parse(raw, proc)


def _walk(reg: registry.Registry, facts: CaseFacts, step: machine.Step) -> CaseFacts:
    return CaseFacts(step.state_after, facts.procedure, facts.plea, step.detained)


def test_a_case_walks_from_filing_to_closing() -> None:
    """立案 → 拘留 → 报捕 → 批捕 → 移送审查起诉 → 退补 → 重新移送 → 提起公诉 → 受理 → 宣判 → 生效 → 交付执行 → 结案."""
    reg = registry.load()
    f = CaseFacts(reg.initial)
    f = _walk(reg, f, machine.plan_action(reg, f, "立案", actor_kind="police"))
    step = machine.plan_action(reg, f, "拘留", actor_kind="police")
    assert dict(step.start)["B1"] == "B1" and step.detained
    f = _walk(reg, f, step)
    step = machine.plan_business(reg, f, "B1", sender_kind="police", receiver_kind="procuratorate")
    assert step.state_after == "审查逮捕" and dict(step.start) == {"B2": "B2"}  # detained: 7 days
    f = _walk(reg, f, step)
    step = machine.plan_business(reg, f, "B2", decision="批准逮捕", sender_kind="procuratorate")
    assert step.state_after == "逮捕后侦查" and "B2" in step.stop
    f = _walk(reg, f, step)
    f = _walk(reg, f, machine.plan_business(reg, f, "C1", sender_kind="police"))
    step = machine.plan_business(reg, f, "C2", sender_kind="procuratorate", previous=0)
    assert step.stop == ("C1",) and dict(step.start) == {"C2": "C2"}
    f = _walk(reg, f, step)
    step = machine.plan_business(reg, f, "C3", sender_kind="police")
    assert dict(step.restart) == {"C1": "C1"}
    f = _walk(reg, f, step)
    f = _walk(reg, f, machine.plan_business(reg, f, "C5", sender_kind="procuratorate"))
    assert f.state == "提起公诉"
    step = machine.plan_business(reg, f, "C5", on="accept")
    assert step.state_after == "一审" and dict(step.start) == {"TRIAL1": "TRIAL1"}
    f = _walk(reg, f, step)
    f = _walk(reg, f, machine.plan_action(reg, f, "宣判", actor_kind="court"))
    with pytest.raises(IllegalTransition, match="上诉、抗诉期」尚未届满"):
        machine.plan_action(reg, f, "生效", actor_kind="court")
    f = _walk(reg, f, machine.plan_action(reg, f, "生效", actor_kind="court", expired={"D4"}))
    f = _walk(reg, f, machine.plan_business(reg, f, "G1", sender_kind="court"))
    f = _walk(reg, f, machine.plan_business(reg, f, "G2", sender_kind="police"))
    assert f.state == "结案"
    with pytest.raises(IllegalTransition, match="案件已结案"):
        machine.plan_business(reg, f, "E1", sender_kind="police")


def test_illegal_transitions_are_refused_with_a_chinese_reason() -> None:
    reg = registry.load()
    f = CaseFacts("立案侦查")
    with pytest.raises(IllegalTransition) as e:
        machine.plan_business(reg, f, "C5", sender_kind="procuratorate")
    assert "案件当前处于「立案侦查」阶段，不能推送「C5 提起公诉」" in e.value.message
    assert "审查起诉" in e.value.message and "第一百七十六条" in str(e.value)
    with pytest.raises(IllegalTransition, match="人民法院不能发起「B1 提请批准逮捕」"):
        machine.plan_business(reg, f, "B1", sender_kind="court")
    with pytest.raises(IllegalTransition, match="应送人民检察院"):
        machine.plan_business(reg, f, "B1", sender_kind="police", receiver_kind="court")
    with pytest.raises(IllegalTransition, match="由公安机关办理"):
        machine.plan_action(reg, f, "拘留", actor_kind="procuratorate")
    with pytest.raises(WorkflowError, match="须写明决定"):
        machine.plan_business(reg, CaseFacts("审查逮捕"), "B2", sender_kind="procuratorate")
    with pytest.raises(UnknownCode):
        machine.plan_action(reg, f, "枪毙")
    with pytest.raises(IllegalTransition, match="尚未立案"):
        machine.plan_business(reg, CaseFacts("受案"), "E1", sender_kind="police")


def test_cpl175_third_return_for_supplementary_investigation_is_refused() -> None:
    """CPL 175 ¶3: 补充侦查以二次为限 — the registry's max_per_case for C2."""
    reg = registry.load()
    f = CaseFacts("审查起诉", detained=True)
    assert machine.plan_business(reg, f, "C2", sender_kind="procuratorate", previous=1)
    with pytest.raises(IllegalTransition) as e:
        machine.plan_business(reg, f, "C2", sender_kind="procuratorate", previous=2)
    assert "每案至多2次" in e.value.message and "二次为限" in str(e.value)


def test_procedures_choose_their_clocks_and_fast_track_needs_a_plea() -> None:
    """CPL 222: 速裁 needs 认罪认罚; CPL 172 / 225 / 220 give each procedure its own clocks."""
    reg = registry.load()
    with pytest.raises(WorkflowError, match="认罪认罚"):
        machine.check_procedure(reg, "速裁", plea=False)
    machine.check_procedure(reg, "速裁", plea=True)
    with pytest.raises(WorkflowError, match="未知的程序"):
        machine.check_procedure(reg, "特别", plea=False)
    fast = CaseFacts("逮捕后侦查", procedure="速裁", plea=True, detained=True)
    assert dict(machine.plan_business(reg, fast, "C1").start) == {"C1": "C1_FAST"}
    simple = CaseFacts("提起公诉", procedure="简易")
    assert dict(machine.plan_business(reg, simple, "C5", on="accept").start) == {
        "TRIAL1": "TRIAL1_SIMPLE"}
    # not detained: 15 days to decide on arrest (规则 282)
    free = CaseFacts("立案侦查", detained=False)
    assert dict(machine.plan_business(reg, free, "B1").start) == {"B2": "B2_FREE"}


def test_business_status_flow() -> None:
    reg = registry.load()
    assert machine.check_move(reg, "已推送", "receive").to == "已签收"
    assert machine.check_move(reg, "已签收", "accept").to == "已受理"
    assert machine.check_move(reg, "已受理", "complete").to == "已办结"
    with pytest.raises(WorkflowError, match="退回须写明理由"):
        machine.check_move(reg, "已签收", "return", reason=" ")
    assert machine.check_move(reg, "已签收", "return", reason="缺起诉意见书").to == "已退回"
    with pytest.raises(IllegalTransition, match="业务当前为「已办结」，不能签收"):
        machine.check_move(reg, "已办结", "receive")


def test_reminder_levels_follow_the_note_thresholds() -> None:
    """Local policy (note §4): a month-long clock turns yellow 7 days before, orange 3 days,
    red after the last day; a clock of 15 days or less yellow 2 days before, orange on the last
    day; hours: 6 h / 2 h (⚠)."""
    c1 = deadline_for("C1", "2025-03-03", custody=True)  # due 2025-04-03
    th = reminders.thresholds(c1)
    lv = lambda s: reminders.level_at(th, datetime.fromisoformat(s).replace(tzinfo=CST))  # noqa: E731
    assert [lv("2025-03-26T23:59"), lv("2025-03-27T00:00"), lv("2025-03-31T08:00"),
            lv("2025-04-03T23:59"), lv("2025-04-04T00:00")] == [
        "none", "yellow", "orange", "orange", "red"]
    b2 = deadline_for("B2", "2025-03-03")  # due 2025-03-10
    th = reminders.thresholds(b2)
    assert [lv("2025-03-07T12:00"), lv("2025-03-08T00:00"), lv("2025-03-10T00:00"),
            lv("2025-03-11T00:00")] == ["none", "yellow", "orange", "red"]
    h = compute(registry.load().clock("DET_INTERROGATE"), datetime(2025, 3, 1, 14, 25, tzinfo=CST))
    th = reminders.thresholds(h)
    assert [lv("2025-03-02T08:59"), lv("2025-03-02T09:00"), lv("2025-03-02T13:00"),
            lv("2025-03-02T15:00")] == ["none", "yellow", "orange", "red"]
    assert th.unverified and reminders.level_name("red") == "红色预警（超期）"
    assert b2.due == date(2025, 3, 10)

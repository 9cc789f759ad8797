"""The completeness gate (workflow/completeness.py) on dossiers generated from real cases.

For every case type: a complete dossier passes B1, C1 and C5; removing the documents of each
blocking item fails with exactly that item; a value across its threshold fails (or flags) with
exactly that item; an override lets the item through with its reason. The dossiers are the
template generator's (tests/scans/dossier_templates.py) filled with the facts of the first
single-charge CAIL2018 case of the type (the gun charge: the first even-id LeCaRD judgment),
each document read by the rule extractor.
"""

from __future__ import annotations

import dataclasses
import tomllib
from functools import cache

import pytest

from extraction.classify import KINDS
from tests.scans.dossier_templates import CASE_TYPES, Case, Doc, cases, documents, read_case
from tests.support.dossiers import as_dossier, dev_case
from tests.support.env import REPO, SHARED
from workflow import completeness
from workflow.completeness import Dossier, Override, case_type_of, case_types_of, evaluate
from workflow.errors import UnknownCode, WorkflowError
from workflow.registry import load as load_registry

pytestmark = [pytest.mark.needs_shared("cail2018", "cases.jsonl.gz"),
              pytest.mark.needs_shared("lecard", "corpus.jsonl.gz")]
BUSINESSES = ("B1", "C1", "C5")


def build(case: Case, docs: list[Doc] | None = None) -> Dossier:
    return as_dossier(documents(case) if docs is None else docs, [case.suspect])


@cache
def complete(case_type: str) -> tuple[Case, list[Doc], Dossier]:
    case = dev_case(case_type)
    docs = documents(case)
    return case, docs, build(case, docs)


def blocking(verdict: completeness.Verdict) -> set[str]:
    return {r.id for r in verdict.blocking}


# ---------------------------------------------------------------------------------- data
def test_checklists_are_data_for_the_six_types_with_their_basis() -> None:
    lib = completeness.load()
    assert set(lib.checklists) == set(CASE_TYPES)
    registry = load_registry()
    for cl in lib.checklists.values():
        assert cl.basis and cl.charges
        for item in cl.items:
            assert item.basis, (cl.case_type, item.id)
            assert set(item.businesses) <= set(registry.businesses), item.id
    for material in lib.materials.values():
        assert set(material.kinds) <= set(KINDS), material.name
        assert material.manual or material.kinds or material.titles or material.subjects
    # the numbers the note marks ⚠ are configuration marked unverified
    assert lib.national["醉驾从严"].unverified and lib.national["醉驾从严"].value == 180
    assert not lib.national["醉酒血液酒精含量"].unverified
    assert lib.provinces["甘肃"]["盗窃数额较大"].unverified


def test_checklist_files_ship_in_the_wheel() -> None:
    with (REPO / "pyproject.toml").open("rb") as fh:
        package_data = tomllib.load(fh)["tool"]["setuptools"]["package-data"]
    assert "checklists/*.toml" in package_data["workflow"]


def test_a_wrong_checklist_file_is_refused_with_what_is_wrong() -> None:
    lib = completeness.load()
    common = {"businesses": ["C1"], "materials": {"讯问笔录": {"kinds": ["讯问笔录"]}}}
    bad = {"x.toml": {"case_type": "X", "charges": ["X罪"], "basis": "b", "item": [
        {"id": "a", "name": "a", "businesses": ["C1"], "severity": "block", "basis": "b",
         "materials": ["不存在的材料"]}]}}
    with pytest.raises(WorkflowError, match="未定义的材料「不存在的材料」"):
        completeness.parse(common, bad, {"national": {}})
    assert lib.checklist("盗窃").case_type == "盗窃"
    with pytest.raises(UnknownCode, match="没有「诈骗」案件的流转清单"):
        lib.checklist("诈骗")


def test_case_type_from_charges() -> None:
    assert case_type_of(["危险驾驶罪"]) == "危险驾驶"
    assert case_type_of(["非法持有枪支罪"]) == "非法持有、私藏枪支弹药"
    assert case_type_of(["非法持有、私藏枪支、弹药罪"]) == "非法持有、私藏枪支弹药"
    assert case_type_of(["盗窃"]) == "盗窃"
    assert case_type_of(["诈骗罪"]) is None
    assert case_types_of(["诈骗罪", "寻衅滋事罪", "故意伤害罪"]) == ["寻衅滋事", "故意伤害"]


# ------------------------------------------------------------------------ complete dossiers
@pytest.mark.parametrize("case_type", CASE_TYPES)
def test_a_complete_dossier_passes(case_type: str) -> None:
    _, _, dossier = complete(case_type)
    for code in BUSINESSES:
        verdict = evaluate(case_type, code, dossier)
        assert verdict.passes, verdict.refusal()
        assert verdict.items and all(r.status != "missing" or r.severity == "warn"
                                     for r in verdict.items)
        for r in verdict.items:
            if r.status == "satisfied":
                assert r.found and all(e.page >= 1 and e.title for e in r.found), r.id


def test_a_satisfied_item_names_the_document_page_and_value() -> None:
    case, _, dossier = complete("危险驾驶")
    r = evaluate("危险驾驶", "C1", dossier).result("血液酒精鉴定")
    assert r.status == "satisfied" and r.mark == "✔"
    [e] = r.found
    assert e.value == case.blood_alcohol and e.page == 1
    assert e.title == "血液酒精含量检验鉴定意见书"
    assert r.threshold is not None and r.threshold.value == 80


@pytest.mark.parametrize("case_type", CASE_TYPES)
def test_removing_each_required_document_fails_with_exactly_that_item(case_type: str) -> None:
    case, docs, dossier = complete(case_type)
    lib = completeness.load()
    checked = 0
    for code in BUSINESSES:
        for item in lib.checklist(case_type).for_business(code):
            if item.kind != "require" or item.severity != "block" or item.when_forms:
                continue  # (an item only for cases of some form: see the 致人死亡 test)
            materials = [lib.materials[m] for m in item.materials]
            if all(m.manual for m in materials):
                continue
            kept = [d for d in dossier.documents
                    if not any(completeness._matches(d, m) for m in materials)]
            assert len(kept) < len(dossier.documents), (item.id, "no document satisfied it")
            verdict = evaluate(case_type, code, Dossier(kept, dossier.suspects))
            assert blocking(verdict) == {item.id}, (code, item.id, verdict.refusal())
            assert verdict.result(item.id).status == "missing"
            assert item.basis in verdict.refusal()
            checked += 1
    assert checked >= 8


def _changed(case_type: str, **changes: object) -> Dossier:
    case = dataclasses.replace(dev_case(case_type), **changes)  # type: ignore[arg-type]
    return build(case)


def test_blood_alcohol_below_80_fails_only_that_item_and_above_180_flags() -> None:
    verdict = evaluate("危险驾驶", "C1", _changed("危险驾驶", blood_alcohol=75))
    assert blocking(verdict) == {"血液酒精鉴定"}
    r = verdict.result("血液酒精鉴定")
    assert r.status == "failed" and r.found[0].value == 75 and "80" in r.line()
    high = evaluate("危险驾驶", "C1", _changed("危险驾驶", blood_alcohol=186.4))
    assert high.passes and high.result("血醇高于180").status == "flagged"
    assert high.result("血醇高于180").unverified  # 180 is ⚠ configuration
    assert evaluate("危险驾驶", "C1", _changed("危险驾驶", blood_alcohol=120)
                    ).result("血醇高于180").status == "clear"


def test_injury_below_light_injury_fails_intentional_injury_and_flags_affray() -> None:
    verdict = evaluate("故意伤害", "C5", _changed("故意伤害", injury="轻微伤"))
    assert blocking(verdict) == {"损伤程度鉴定"}
    assert verdict.result("损伤程度鉴定").found[0].value == "轻微伤"
    assert evaluate("故意伤害", "C5", _changed("故意伤害", injury="重伤二级")
                    ).result("重伤").status == "flagged"
    affray = evaluate("寻衅滋事", "C1", _changed("寻衅滋事", injury="轻微伤"))
    assert affray.passes and affray.result("仅轻微伤").status == "flagged"
    assert evaluate("寻衅滋事", "C1", _changed("寻衅滋事", injury="轻伤二级")
                    ).result("仅轻微伤").status == "clear"


def test_minor_responsibility_fails_traffic_and_equal_responsibility_flags() -> None:
    verdict = evaluate("交通肇事", "C1", _changed("交通肇事", responsibility="次要"))
    assert blocking(verdict) == {"事故认定书"}
    assert verdict.result("事故认定书").found[0].value == "次要"
    equal = evaluate("交通肇事", "C1", _changed("交通肇事", responsibility="同等"))
    assert equal.passes and equal.result("同等责任").status == "flagged"
    assert evaluate("交通肇事", "C1", _changed("交通肇事", responsibility="主要")).passes
    fled = evaluate("交通肇事", "C1", _changed("交通肇事", forms=("逃逸",)))
    assert fled.passes and fled.result("逃逸").status == "flagged"


def test_theft_amount_against_the_provincial_threshold() -> None:
    low = _changed("盗窃", appraised_value=800)
    verdict = evaluate("盗窃", "C1", low)
    assert verdict.passes
    flag = verdict.result("数额低于较大")
    assert flag.status == "flagged" and flag.found[0].value == 800
    assert flag.threshold is not None and flag.threshold.value == 1000 and flag.unverified
    assert evaluate("盗窃", "C1", _changed("盗窃", appraised_value=1500)
                    ).result("数额低于较大").status == "clear"
    gansu = evaluate("盗窃", "C1", low, province="甘肃").result("数额低于较大")
    assert gansu.threshold is not None and gansu.threshold.region == "甘肃省"
    with pytest.raises(UnknownCode, match="未配置「火星」的数额标准"):
        evaluate("盗窃", "C1", low, province="火星")


def test_theft_by_entering_a_home_needs_no_price_finding() -> None:
    case = dataclasses.replace(dev_case("盗窃"), forms=("入户盗窃",), appraised_value=300)
    docs = [d for d in documents(case) if d.material != "价格认定结论书"]
    verdict = evaluate("盗窃", "C1", build(case, docs))
    assert verdict.passes, verdict.refusal()
    r = verdict.result("价格认定")
    assert r.status == "exempt" and "入户盗窃" in r.message and r.found


def test_gun_case_needs_a_gun_on_the_seizure_list() -> None:
    case = dev_case("非法持有、私藏枪支弹药")
    no_gun = dataclasses.replace(case, items=(("手机", "1部", "黑色"),))
    verdict = evaluate("非法持有、私藏枪支弹药", "B1", build(no_gun))
    assert blocking(verdict) == {"扣押枪弹"}
    air = dataclasses.replace(case, items=(("气枪", "2支", "黑色"),))
    flagged = evaluate("非法持有、私藏枪支弹药", "C1", build(air))
    assert flagged.passes and flagged.result("气枪").status == "flagged"


def test_questioning_without_the_notice_of_rights_fails() -> None:
    case, docs, _ = complete("盗窃")
    changed = []
    for d in docs:
        if d.material == "讯问笔录":
            page = d.pages[0].replace("这是《犯罪嫌疑人诉讼权利义务告知书》，你看清楚了吗？", "")
            d = dataclasses.replace(d, pages=[page])
        changed.append(d)
    verdict = evaluate("盗窃", "B1", build(case, changed))
    assert blocking(verdict) == {"讯问笔录"}
    assert verdict.result("讯问笔录").status == "failed"


# ---------------------------------------------------------------------------- overrides
def test_an_override_lets_one_item_through_with_its_reason() -> None:
    case, docs, _ = complete("危险驾驶")
    without = build(case, [d for d in docs if d.material != "血样提取笔录"])
    refused = evaluate("危险驾驶", "C1", without)
    assert blocking(refused) == {"血样提取笔录"}
    reason = "犯罪嫌疑人在抽血前逃离，依呼气检测结果认定（附说明）"
    verdict = evaluate("危险驾驶", "C1", without,
                       overrides=[Override("血样提取笔录", reason, by="张科长")])
    assert verdict.passes
    r = verdict.result("血样提取笔录")
    assert r.status == "overridden" and r.overridden_status == "missing"
    assert r.override is not None and r.override.reason == reason and r.override.by == "张科长"
    assert reason in r.line() and r.to_dict()["override"]["reason"] == reason
    # an override of an item that is satisfied changes nothing and is reported unused
    other = evaluate("危险驾驶", "C1", without, overrides={"血样提取笔录": reason,
                                                         "立案决定书": "多余的特批"})
    assert other.result("立案决定书").status == "satisfied"
    assert [o.item_id for o in other.unused_overrides] == ["立案决定书"]


def test_an_override_needs_a_reason_and_a_known_item() -> None:
    _, _, dossier = complete("盗窃")
    with pytest.raises(WorkflowError, match="须写明理由"):
        evaluate("盗窃", "C1", dossier, overrides={"价格认定": "  "})
    with pytest.raises(UnknownCode, match="没有条目"):
        evaluate("盗窃", "C1", dossier, overrides={"不存在": "理由"})


def test_unknown_business_and_ungated_business() -> None:
    _, _, dossier = complete("盗窃")
    with pytest.raises(UnknownCode):
        evaluate("盗窃", "Z9", dossier)
    verdict = evaluate("盗窃", "D3", dossier)
    assert verdict.passes and verdict.items == ()


def test_refusal_lists_every_blocking_gap_in_chinese() -> None:
    verdict = evaluate("交通肇事", "C1", Dossier([]))
    text = verdict.refusal()
    assert not verdict.passes
    assert text.splitlines()[0].startswith("「交通肇事」案件办理「C1 移送审查起诉」前卷宗不完整")
    assert len(text.splitlines()) == 1 + len(verdict.blocking)
    assert "✗ 道路交通事故认定书" in text and "法释〔2000〕33号第二条" in text
    data = verdict.to_dict()
    assert data["passes"] is False and "事故认定书" in data["blocking"]


def test_a_title_with_one_misread_character_still_names_its_material() -> None:
    lib = completeness.load()
    arrival = completeness.DossierDocument("a", "其他", {"title": "到業经过"})
    assert completeness._matches(arrival, lib.materials["到案经过"], lib)
    # but a 询问笔录 (classified as such) is not a 讯问笔录, one character apart
    witness = completeness.DossierDocument("w", "询问笔录", {"title": "询问笔录"})
    assert not completeness._matches(witness, lib.materials["讯问笔录"], lib)
    # and a short title must be read exactly
    custody = completeness.DossierDocument("c", "其他", {"title": "狗留证"})
    assert not completeness._matches(custody, lib.materials["强制措施文书"], lib)


def test_injury_causing_death_needs_an_autopsy_not_an_injury_grade() -> None:
    """故意伤害致人死亡 (a real case whose victim died): the referral states 致人死亡, so the
    尸体检验 is required and the 损伤程度鉴定 and the victim's statement are not."""
    [src] = cases(SHARED, "故意伤害", "cail2018", limit=1, death=True)
    case = read_case(src)
    assert case.death and case.forms == ("致人死亡",)
    docs = documents(case)
    assert "尸体检验鉴定意见" in [d.material for d in docs]
    assert not {"损伤程度鉴定意见", "被害人陈述"} & {d.material for d in docs}
    dossier = build(case, docs)
    for code in BUSINESSES:
        verdict = evaluate("故意伤害", code, dossier)
        assert verdict.passes, verdict.refusal()
    c1 = evaluate("故意伤害", "C1", dossier)
    assert c1.result("尸体检验").status == "satisfied"
    assert c1.result("损伤程度鉴定").status == "exempt"
    assert c1.result("被害人陈述").status == "exempt"
    without = [d for d in dossier.documents if "尸体检验" not in d.title]
    verdict = evaluate("故意伤害", "C1", Dossier(without, dossier.suspects))
    assert blocking(verdict) == {"尸体检验"}
    # and a living victim's case still needs the injury grade, not an autopsy
    alive = evaluate("故意伤害", "C1", complete("故意伤害")[2])
    assert alive.result("尸体检验").status == "exempt"
    assert alive.result("损伤程度鉴定").status == "satisfied"

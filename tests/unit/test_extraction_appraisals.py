"""The fields the completeness checklists read from non-judgment documents (extraction/
appraisals.py, records_of_questioning.py, dossier_fields.py), with provenance, on forms filled
with real cases' facts (tests/scans/dossier_templates.py) and on small hand-written forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from extraction.rules import RuleExtractor
from tests.scans.dossier_templates import CASE_TYPES, Doc, cases, compare, dossier
from tests.support.env import GOLD, SHARED

NEW_FIELDS = {"title", "subject", "appraised_value_yuan", "injuries", "responsibility",
              "seized_items", "interrogation", "offence_forms"}


def _docs(case_type: str, n: int = 5) -> list[Doc]:
    source = "lecard" if case_type.startswith("非法持有") else "cail2018"
    found = cases(SHARED, case_type, source, limit=n, parity=0 if source == "lecard" else None)
    return [d for src in found for d in dossier(src)[1] if d.truth]


@pytest.mark.parametrize("case_type", CASE_TYPES)
@pytest.mark.needs_shared("cail2018", "cases.jsonl.gz")
@pytest.mark.needs_shared("lecard", "corpus.jsonl.gz")
def test_generated_documents_give_back_their_values_with_provenance(case_type: str) -> None:
    docs = _docs(case_type)
    assert len(docs) >= 5
    for doc in docs:
        result = RuleExtractor().extract(doc.pages)
        wrong = {k: v for k, v in compare(doc.truth, result.fields).items() if not v}
        assert not wrong, (doc.material, doc.truth, {k: result.fields.get(k) for k in doc.truth})
        for key in doc.truth:
            paths = [p for p in result.provenance if p == key or p.startswith(key + "/")]
            if doc.truth[key] not in ([], None):
                assert paths, (doc.material, key)
            for path in paths:
                prov = result.provenance[path]
                assert prov.page == 1 and 0 <= prov.start < prov.end <= len(doc.pages[0])
                assert 0 < prov.confidence <= 1 and prov.extractor.startswith("rules")


def _fields(text: str) -> tuple[dict, dict]:
    result = RuleExtractor().extract([text])
    return result.fields, result.provenance


def test_blood_alcohol_from_the_conclusion_not_the_breath_test() -> None:
    text = """某市公安局物证鉴定所
血液酒精含量检验鉴定意见书
委托单位：某市公安局交通警察大队
案情摘要：呼气酒精含量检测结果为95mg/100mL。
鉴定意见：送检的陈某血样中检出乙醇，乙醇含量为 176.5 mg/100mL。
"""
    fields, prov = _fields(text)
    assert fields["subject"] == "血液酒精"
    assert fields["blood_alcohol_mg_per_100ml"] == 176.5
    p = prov["blood_alcohol_mg_per_100ml"]
    assert text[p.start:p.end] == "176.5" and p.confidence == 0.9


def test_a_notice_of_appraisal_is_not_an_appraisal() -> None:
    text = """某市公安局
鉴定意见通知书
陈某：我局聘请有关人员对你的血液乙醇含量进行了鉴定，鉴定意见是：血液中乙醇含量为176mg/100mL。
"""
    fields, _ = _fields(text)
    assert fields["title"] == "鉴定意见通知书"
    assert "subject" not in fields and fields["blood_alcohol_mg_per_100ml"] is None


def test_price_finding_in_capital_numerals_and_injury_grade_with_examinee() -> None:
    price, _ = _fields("某县价格认证中心\n价格认定结论书\n价格认定标的：电动自行车一辆\n"
                       "价格认定结论：价格认定标的在基准日的价格为人民币叁仟伍佰元（¥3500.00）。\n")
    assert price["subject"] == "价格" and price["appraised_value_yuan"] == 3500
    injury, prov = _fields("某市公安局司法鉴定中心\n法医学人体损伤程度鉴定书\n被鉴定人：李某某，女。\n"
                           "分析说明：依据《人体损伤程度鉴定标准》5.6.4b），构成轻伤一级。\n"
                           "鉴定意见：李某某之损伤程度属轻伤一级。\n")
    assert injury["injuries"] == [{"person": "李某某", "grade": "轻伤", "level": "一级"}]
    assert prov["injuries/0/grade"].confidence == 0.9


def test_responsibility_of_each_party_from_the_finding() -> None:
    text = """某县公安局交通警察大队
道路交通事故认定书
道路交通事故发生经过：周某驾驶轿车与骑电动车的吴某某相撞。
当事人导致交通事故的过错及责任或者意外原因：周某应负此事故的主要责任；吴某某负此事故的次要责任；乘车人郑某无责任。
"""
    fields, prov = _fields(text)
    assert fields["responsibility"] == [
        {"party": "周某", "share": "主要"}, {"party": "吴某某", "share": "次要"},
        {"party": "郑某", "share": "无"}]
    p = prov["responsibility/1/share"]
    assert text[p.start:p.end] == "次要"


def test_seizure_list_rows_even_when_ocr_glues_cells() -> None:
    text = """某市公安局
扣押物品、文件清单
编号 名称 数量 特征 备注
1 自制火药枪 1支 长约90厘米 木质枪托
2子弹 20发 铅弹
3 手机1部 黑色
持有人：张某  见证人：王某
"""
    fields, prov = _fields(text)
    assert fields["seized_items"] == [
        {"name": "自制火药枪", "quantity": "1支", "notes": "长约90厘米 木质枪托"},
        {"name": "子弹", "quantity": "20发", "notes": "铅弹"},
        {"name": "手机", "quantity": "1部", "notes": "黑色"},
    ]
    p = prov["seized_items/2/quantity"]
    assert text[p.start:p.end] == "1部"


def test_questioning_parties_and_times_across_midnight() -> None:
    text = """讯 问 笔 录
时间：2019年3月1日23时40分至2019年3月2日0时35分
地点：某县公安局执法办案中心
侦查人员：刘某、陈某甲  工作单位：某县公安局
记录人：陈某甲
被讯问人：马某某  性别：男
问：这是《犯罪嫌疑人诉讼权利义务告知书》，你看清楚了吗？
答：看清楚了。
"""
    fields, prov = _fields(text)
    assert fields["interrogation"] == {
        "suspect": "马某某", "interrogators": ["刘某", "陈某甲"], "recorder": "陈某甲",
        "start": "2019-03-01T23:40", "end": "2019-03-02T00:35",
        "place": "某县公安局执法办案中心", "rights_notified": True}
    p = prov["interrogation/interrogators/1"]
    assert text[p.start:p.end] == "陈某甲"


def test_offence_forms_only_of_the_charge_the_referral_names() -> None:
    theft, _ = _fields("某市公安局\n起诉意见书\n犯罪嫌疑人张某窜入被害人家中盗走现金，后逃逸。"
                       "犯罪嫌疑人张某涉嫌盗窃罪，现将此案移送审查起诉。\n此致\n某市人民检察院\n")
    assert theft["offence_forms"] == ["入户盗窃"]


@pytest.mark.needs_shared("extraction_gold", "texts")
def test_judgments_get_none_of_the_new_fields() -> None:
    for path in sorted(Path(GOLD / "texts").glob("*.txt"))[:10]:
        fields = RuleExtractor().extract([path.read_text("utf-8")]).fields
        assert not NEW_FIELDS & set(fields), path.name


def test_a_spaced_title_that_ocr_broke_into_short_lines_is_joined() -> None:
    # rapidocr's reading of "到 案 经 过" and "户 籍 证 明" on a scanned form (seen in
    # benchmarks.completeness): one title, several lines
    arrival, _ = _fields("山东省章丘市公安局\n到\n案经\n过\n2013年8月6日15时许，民警孙某将陈某抓获。\n")
    assert arrival["title"] == "到案经过"
    identity, prov = _fields("山东省章丘市公安局\n户籍证\n明\n经查询，陈某，男，汉族。\n")
    assert identity["title"] == "户籍证明" and prov["title"].confidence == 0.8
    form, _ = _fields("某局\n讯 问 笔 录\n时间：2019年3月1日9时00分至10时00分\n")
    assert form["title"] == "讯问笔录"  # the agency line is not part of the title

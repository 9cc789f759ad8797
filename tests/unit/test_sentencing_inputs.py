"""Reading the guideline's inputs from facts (with the span each came from), the judge's
changes winning over them, and the blended estimate's fall-backs on small pools."""

from __future__ import annotations

from sentencing.case import guideline_for
from sentencing.estimate import Params, estimate, pool_size
from sentencing.facts import from_fields, number, read
from sentencing.guideline import load

EQ = load().national["drugs"]["heroin_equivalent"]


def test_numbers() -> None:
    assert number("十二") == 12 and number("两") == 2 and number("1,200") == 1200
    assert number("三十") == 30 and number("abc") is None


def test_theft_facts_amount_acts_and_circumstances_with_spans() -> None:
    text = ("被告人张某于2017年3月先后3次在某超市盗窃，共计价值人民币8000元。"
            "案发后赔偿被害人损失500元。到案后如实供述，已退赃。")
    r = read(text, EQ)
    assert r.measures["amount_yuan"] == 8000  # the total, not the 500 yuan compensation
    assert r.measures["acts"] == 3
    assert {"坦白", "退赃", "赔偿"} <= r.circumstances
    p = r.provenance["amount_yuan"]
    assert text[p.start:p.end] == p.text == "8000元"


def test_injuries_deaths_alcohol_and_drugs() -> None:
    r = read("经鉴定，被害人李某的损伤程度为轻伤二级。被害人王某为轻微伤。", EQ)
    assert r.measures["light_injuries"] == 1 and r.measures["minor_injuries"] == 1
    r = read("驾驶小型轿车与行人相撞，致一人死亡，后驾车逃逸。", EQ)
    assert r.measures["deaths"] == 1 and "逃逸" in r.flags
    r = read("经检测，其血液中乙醇含量为185.6mg/100ml。", EQ)
    assert r.measures["blood_alcohol"] == 185.6
    # each weight takes the nearest drug name before it: 氯胺酮 counts a tenth
    r = read("查获甲基苯丙胺5克、氯胺酮100克。", EQ)
    assert r.measures["heroin_g"] == 15.0


def test_negated_circumstance_is_not_read() -> None:
    assert "自首" not in read("被告人不构成自首。", EQ).circumstances


def test_extracted_fields_and_judge_changes_win() -> None:
    facts = "被告人盗窃价值人民币5000元的财物。"
    extracted = from_fields({"amount_involved_yuan": 12000, "mitigating": ["自首"]},
                            {"amount_involved_yuan": {"start": 3, "end": 9, "text": "12000元"}})
    g = guideline_for(facts, ["盗窃罪"], extracted=extracted)
    assert g["inputs"]["measures"]["amount_yuan"] == 12000
    assert g["inputs"]["provenance"]["amount_yuan"]["source"] == "extraction"
    # 4.5 + (12,000-2,000)/2,000 = 9.5; 自首 -20 % -> 7.6 -> 8
    assert g["months"] == 8
    changed = guideline_for(facts, ["盗窃罪"], extracted=extracted,
                            overrides={"measures": {"amount_yuan": 2000}, "circumstances": []})
    assert changed["months"] == 5  # 4.5 -> 5, nothing to adjust
    assert changed["inputs"]["provenance"]["amount_yuan"]["source"] == "judge"


def test_no_guideline_term_when_a_charge_has_no_rules() -> None:
    g = guideline_for("被告人重婚后盗窃他人财物价值3000元。", ["重婚罪", "盗窃罪"])
    assert g["months"] is None and g["partial"] == ["重婚罪"]


def test_estimate_falls_back_on_what_there_is() -> None:
    params = Params({"guideline:many": (0.0, 0.5, 0.5, 0.0), "pool:many": (0.0, 0.0, 1.0, 0.0)},
                    {"guideline:many": (-0.1, 0.1), "pool:many": (-0.1, 0.1)})
    # the guideline alone when the pool has no case of the charge: log1p blend of 11 and 11
    e = estimate(11.0, [], None, params=params)
    assert e is not None and e["months"] == 11 and e["group"] == "guideline:few"
    # comparable cases alone when the charge has no rules
    e = estimate(None, [6.0, 8.0, 10.0], 9.0, charge_n=100, params=params)
    assert e is not None and e["months"] == 8 and e["group"] == "pool:many"
    # half guideline, half comparable in log(1 + months): sqrt(16 × 4) - 1 = 7
    e = estimate(15.0, [3.0] * 50, 3.0, charge_n=50, params=params)
    assert e is not None and e["months"] == 7
    assert estimate(None, [], None, params=params) is None
    assert pool_size(3) == "few" and pool_size(10) == "some" and pool_size(100) == "many"


def test_a_long_text_is_read_at_both_ends_with_spans_into_the_whole() -> None:
    text = "被告人盗窃他人财物，价值人民币3000元。" + "证人证言证实上述事实。" * 1200 + "被告人系累犯，且有前科。"
    r = read(text, EQ)
    assert len(text) > 12000 and r.measures["amount_yuan"] == 3000
    p = r.provenance["circumstance:累犯"]
    assert text[p.start:p.end] == "累犯"  # found in the tail, its span shifted into the whole

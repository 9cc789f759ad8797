"""Misses found by surveying the extractor over all 6,425 LeCaRD judgments (issue 19): a
defendant left with no charge where the verdict names one. Each test is a snippet of the real
judgment it was found in: a name ending in 原 (not 原犯, an earlier conviction), a unit's name
followed by a comma before 犯, a unit that is a 居民委员会, a stage written inside the charge
(强奸（未遂）罪), charges as courts also write them (环境污染罪, 制造、贩卖毒品罪, the 的 of
提供侵入、非法控制计算机信息系统的程序、工具罪), an item that revokes a 缓刑 and sentences anew, and a
verdict item that leaves out 犯."""

from __future__ import annotations

import pytest

from extraction.charges import canonical_charge, find_charges
from extraction.rules import RuleExtractor
from tests.support.texts import defendants_by_name, judgment


@pytest.fixture(scope="module")
def extractor() -> RuleExtractor:
    return RuleExtractor()


# lecard-10656: 罗原犯重大责任事故罪 was read as 原犯 (the charge of an earlier judgment)
def test_a_name_ending_in_yuan_keeps_its_charge(extractor: RuleExtractor) -> None:
    text = judgment(
        "被告人王震，男，1975年出生，汉族。\n被告人罗原，男，1980年出生，汉族。",
        "一、被告人王震犯重大责任事故罪，判处有期徒刑一年二个月。\n"
        "二、被告人罗原犯重大责任事故罪，判处有期徒刑一年二个月。",
    )
    luo = defendants_by_name(extractor, text)["罗原"]
    assert luo["charges"] == ["重大责任事故罪"]
    assert luo["sentence"]["term_months"] == 14


# lecard-15094's shape kept: 原犯 after a name still marks an earlier conviction
def test_an_earlier_conviction_is_still_not_this_verdicts(extractor: RuleExtractor) -> None:
    text = judgment(
        "被告人颜某，男，1995年出生，汉族。",
        "被告人颜某犯盗窃罪，判处有期徒刑八个月，与原犯抢劫罪判处的有期徒刑一年并罚，"
        "决定执行有期徒刑一年六个月。",
    )
    assert defendants_by_name(extractor, text)["颜某"]["charges"] == ["盗窃罪"]


# lecard-16106: 被告单位东莞市国傲塑料制品有限公司，犯虚开增值税专用发票罪
def test_a_unit_name_then_a_comma_then_its_charge(extractor: RuleExtractor) -> None:
    text = judgment(
        "被告单位东莞市国傲塑料制品有限公司，住所地东莞市。\n被告人刘伟，男，1978年出生，汉族。",
        "一、被告单位东莞市国傲塑料制品有限公司，犯虚开增值税专用发票罪，判处罚金人民币40000元。\n"
        "二、被告人刘伟犯虚开增值税专用发票罪，判处有期徒刑八个月，缓刑一年。",
    )
    unit = defendants_by_name(extractor, text)["东莞市国傲塑料制品有限公司"]
    assert unit["charges"] == ["虚开增值税专用发票罪"]
    assert unit["sentence"]["fine_yuan"] == 40000


# lecard-1422: a 居民委员会 as 被告单位
def test_a_residents_committee_as_a_unit(extractor: RuleExtractor) -> None:
    unit = "信阳市高新技术产业开发区珍珠路街道办事处袁寨社区居民委员会"
    text = judgment(
        f"被告单位{unit}，住所地信阳市。\n被告人董某甲，男，1960年出生，汉族。",
        f"一、被告单位{unit}犯单位行贿罪，判处罚金人民币十五万元；\n"
        "二、被告人董某甲犯单位行贿罪，判处有期徒刑六个月。",
    )
    assert defendants_by_name(extractor, text)[unit]["charges"] == ["单位行贿罪"]


@pytest.mark.parametrize(("written", "entry"), [
    ("强奸（未遂）罪", "强奸罪"),  # lecard-31364
    ("故意伤害(致死)罪", "故意伤害罪"),  # lecard-7673
    ("环境污染罪", "污染环境罪"),  # lecard-10577
    ("制造、贩卖毒品罪", "走私、贩卖、运输、制造毒品罪"),  # lecard-7454
    ("提供侵入、非法控制计算机信息系统的程序、工具罪",
     "提供侵入、非法控制计算机信息系统程序、工具罪"),  # lecard-12084
    ("非法制造、买卖、邮寄、运输枪支、弹药罪",
     "非法制造、买卖、运输、邮寄、储存枪支、弹药、爆炸物罪"),  # lecard-13304
])
def test_charges_as_courts_also_write_them(written: str, entry: str) -> None:
    found = find_charges(f"被告人甲犯{written}，判处有期徒刑三年")
    assert len(found) == 1 and found[0][1] == 5  # right after 犯, the whole written name
    assert canonical_charge(found[0][0]) == entry


# lecard-12084: the charge was not recognised, so neither was the sentence
def test_the_sentence_of_a_charge_written_with_de(extractor: RuleExtractor) -> None:
    text = judgment(
        "被告人杨童，男，1990年出生，汉族。",
        "被告人杨童犯提供侵入、非法控制计算机信息系统的程序、工具罪，判处有期徒刑三年，"
        "并处罚金人民币20000元。",
    )
    yang = defendants_by_name(extractor, text)["杨童"]
    assert yang["charges"] == ["提供侵入、非法控制计算机信息系统的程序、工具罪"]
    assert yang["sentence"]["principal"] == "有期徒刑" and yang["sentence"]["term_months"] == 36


# lecard-17890: an item takes back an earlier judgment's 缓刑, then sentences anew
def test_a_revoked_probation_then_the_new_sentence(extractor: RuleExtractor) -> None:
    text = judgment(
        "被告人高某，男，1990年出生，汉族。\n被告人闫某，男，1992年出生，汉族。",
        "一、撤销太原市小店区人民法院（2015）小店刑初字第00630号刑事判决书主文中被告人高某犯非法"
        "拘禁罪，判处有期徒刑一年，缓刑一年的缓刑部分；被告人高某犯寻衅滋事罪，判处有期徒刑九个月，"
        "决定合并执行有期徒刑一年六个月；\n二、被告人闫某犯寻衅滋事罪，判处有期徒刑一年。",
    )
    people = defendants_by_name(extractor, text)
    assert people["高某"]["charges"] == ["寻衅滋事罪"]  # not the earlier judgment's 非法拘禁罪
    assert people["高某"]["sentence"]["term_months"] == 18
    assert people["闫某"]["sentence"]["term_months"] == 12


# lecard-15094 kept: a revoking item with no new decision is still the earlier judgment's
def test_a_revoking_item_alone_decides_nothing(extractor: RuleExtractor) -> None:
    text = judgment(
        "被告人李某，男，1990年出生，汉族。",
        "一、撤销某某县人民法院（2014）某刑初字第20号刑事判决对被告人李某宣告的缓刑；\n"
        "二、被告人李某犯盗窃罪，判处有期徒刑八个月。",
    )
    assert defendants_by_name(extractor, text)["李某"]["sentence"]["term_months"] == 8


# lecard-19210: 十四、被告人徐志恒诈骗罪，判处… (犯 left out)
def test_an_item_that_leaves_out_fan(extractor: RuleExtractor) -> None:
    text = judgment(
        "被告人常攀攀，男，1994年出生，汉族。\n被告人徐志恒，男，1995年出生，汉族。",
        "一、被告人常攀攀犯诈骗罪，判处有期徒刑一年六个月，并处罚金人民币一万元。\n"
        "二、被告人徐志恒诈骗罪，判处有期徒刑一年零七个月，并处罚金人民币一万二千元。",
    )
    xu = defendants_by_name(extractor, text)["徐志恒"]
    assert xu["charges"] == ["诈骗罪"]
    assert xu["sentence"]["term_months"] == 19 and xu["sentence"]["fine_yuan"] == 12000


# lecard-19926: the name left out (被告人犯强奸罪): no defendant called 犯
def test_a_missing_name_makes_no_defendant(extractor: RuleExtractor) -> None:
    text = judgment(
        "被告人朱某某，男，1990年出生，汉族。",
        "一、被告人犯强奸罪，判处有期徒刑四年。\n二、被告人朱某某犯非法拘禁罪，判处有期徒刑一年二个月。",
    )
    people = defendants_by_name(extractor, text)
    assert "犯" not in people and "" not in people
    assert people["朱某某"]["charges"] == ["非法拘禁罪"]

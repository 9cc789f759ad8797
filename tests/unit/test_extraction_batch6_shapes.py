"""Shapes of the batch-6 tune split of tests/data/judgment_shapes (issue 19), each on a snippet of
the real judgment it was read in: 免于刑事处罚, a name followed by 系犯, a header that writes its
roles with a colon (被告单位：…), and a verdict with no 判决如下 heading."""

from __future__ import annotations

from typing import Any

import pytest

from extraction.rules import RuleExtractor
from extraction.sections import find_sections
from extraction.text import DocText


@pytest.fixture(scope="module")
def extractor() -> RuleExtractor:
    return RuleExtractor()


def _people(extractor: RuleExtractor, text: str) -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d in extractor.extract([text]).fields["defendants"]}


# lecard-32215: 免于 written for 免予
EXEMPT = """汉中市汉台区人民法院
刑事判决书
（2018）陕0702刑初105号
公诉机关汉中市汉台区人民检察院。
被告单位汉中市春雨农业产业开发有限责任公司（以下简称春雨公司），统一社会信用代码：916107027099886183，单位地址：汉中市汉台区徐望镇。
被告人周耀英，男，汉族，高中文化，中共党员，户籍所在地陕西省汉中市。
汉中市汉台区人民检察院以汉区检公诉刑诉（2018）76号起诉书指控被告单位汉中市春雨农业产业开发有限责任公司、被告人周耀英犯单位行贿罪，向本院提起公诉。
本院认为，……判决如下：
一、被告单位汉中市春雨农业产业有限责任公司犯单位行贿罪，判处罚金10万元（已缴纳）。
二、被告人周耀英犯单位行贿罪，免于刑事处罚。
如不服本判决，可在接到判决书的第二日起十日内，通过本院或者直接向汉中市中级人民法院提出上诉。
"""


def test_exemption_written_with_yu(extractor: RuleExtractor) -> None:
    zhou = _people(extractor, EXEMPT)["周耀英"]
    assert zhou["charges"] == ["单位行贿罪"]
    assert zhou["sentence"]["principal"] == "免予刑事处罚"
    assert zhou["sentence"]["term_months"] is None


# lecard-43283: a retrial's item writes the name, then 系犯, and 判 for 判处
NAME_XI = """湖北省武汉市硚口区人民法院
刑事判决书
（2019）鄂0104刑再1号
原公诉机关湖北省武汉市硚口区人民检察院。
原审被告人李晓永，男，1981年3月6日出生于河北省乐亭县，汉族，初中文化，无职业。
武汉市硚口区人民检察院指控原审被告人王某、张某宝、李晓永犯非法拘禁一案，本院于2017年3月16日作出（2017）鄂0104刑初203号刑事判决。
本院认为，……判决如下：
一、维持本院（2017）鄂0104刑初203号刑事判决的第四项，即违法所得人民币10000元予以没收；
二、撤销本院（2017）鄂0104刑初203号刑事判决的第三项，即被告人李晓永犯非法拘禁罪，判处拘役四个月；
三、原审被告人李晓永系犯非法拘禁罪，判有期徒刑四年六个月，扣除原判已执行拘役四个月，决定执行有期徒刑四年二个月。
如不服本判决，可在接到判决书的第二日起十日内，通过本院或者直接向湖北省武汉市中级人民法院提出上诉。
"""


def test_name_followed_by_xi_fan(extractor: RuleExtractor) -> None:
    people = _people(extractor, NAME_XI)
    assert list(people) == ["李晓永"]
    li = people["李晓永"]
    assert li["charges"] == ["非法拘禁罪"] and li["changed"] is True
    assert li["sentence"]["principal"] == "有期徒刑" and li["sentence"]["term_months"] == 50
    assert [(t["charge"], t["term_months"]) for t in li["charge_terms"]] == [("非法拘禁罪", 54)]


# lecard-5803: roles written with a colon in the header; the company is acquitted
COLON_ROLES = """吉林省辉南县人民法院
刑事判决书
（2014）辉刑初字第47号
公诉机关：吉林省辉南县人民检察院。
被告单位：辉南县联华粮食烘干有限公司。
法定代表人：高振宽，辉南县联华粮食烘干有限公司经理。
诉讼代表人：高某甲，系被告人高振宽之女。
被告人：高振宽，男，吉林省辉南县人，因涉嫌合同诈骗，于2013年9月4日被辉南县公安局刑事拘留。
辩护人：高璐，吉林政声律师事务所律师。
吉林省辉南县人民检察院以辉检刑诉字（2014）第4号起诉书指控被告单位辉南县联华粮食烘干有限公司及被告人高振宽犯合同诈骗罪，于2014年6月3日向本院提起公诉。
本院认为，……判决如下：
一、被告单位辉南县联华粮食烘干有限公司无罪。
二、被告人高振宽犯合同诈骗罪，判处有期徒刑十三年，并处罚金人民币二十万元。
如不服本判决，可在接到判决书的第二日起十日内，通过本院或者直接向吉林省通化市中级人民法院提出上诉。
"""


def test_header_roles_with_a_colon(extractor: RuleExtractor) -> None:
    fields = extractor.extract([COLON_ROLES]).fields
    company, gao = fields["defendants"]
    assert company["name"] == "辉南县联华粮食烘干有限公司" and company["unit"] is True
    assert company["charges"] == [] and company["sentence"]["principal"] is None
    assert gao["name"] == "高振宽" and gao["unit"] is False and gao["gender"] == "男"
    assert gao["sentence"]["term_months"] == 156 and gao["sentence"]["fine_yuan"] == 200000
    assert fields["defense_counsel"] == ["高璐"]


def test_unit_name_ends_before_its_representative(extractor: RuleExtractor) -> None:
    # lecard-1133 (not labelled): no comma between the unit's name and 法定代表人
    text = COLON_ROLES.replace(
        "被告单位：辉南县联华粮食烘干有限公司。\n法定代表人：高振宽，",
        "被告单位辉南县联华粮食烘干有限公司 法定代表人高振宽，")
    assert list(_people(extractor, text))[0] == "辉南县联华粮食烘干有限公司"


# lecard-20589: the items follow the cited law with no 判决如下
NO_HEADING = """广东省仁化县人民法院
刑事判决书
（2017）粤0224刑初119号
公诉机关广东省仁化县人民检察院。
被告人罗进凯，男，1985年10月13日出生于广东省大埔县，汉族，初中文化。
被告人李志斌，绰号“斌古”，男，1997年12月8日出生于广东省仁化县，汉族，中专文化，无业。
仁化县人民检察院以韶仁检未检刑诉［2017］7号起诉书指控被告人罗进凯犯掩饰、隐瞒犯罪所得罪、被告人李志斌犯盗窃罪，于2017年9月22日向本院提起公诉。
本院认为，被告人罗进凯明知是他人盗窃所得的摩托车而予以收购，情节严重，其行为已触犯刑律，构成掩饰、隐瞒犯罪所得罪。被告人李志斌以非法占有为目的，多次结伙采取秘密手段，窃取他人摩托车，数额较大，其行为已触犯刑律，构成盗窃罪。综上所述，依照《中华人民共和国刑法》第三百一十二条、第二百六十四条、第六十七条第三款、第五十二条、第五十三条、第六十四条及《最高人民法院、最高人民检察院关于办理盗窃刑事案件适用法律若干问题的解释》第一条、第十四条之规定
一、被告人罗进凯犯掩饰、隐瞒犯罪所得罪，判处有期徒刑三年，并处罚金人民币一万元。
二、被告人李志斌犯盗窃罪，判处有期徒刑一年六个月，并处罚金人民币五千元。
三、扣押在案的作案工具华为牌手机二台、撬锁工具一批等物品予以没收，上缴国库。
如不服本判决，可在接到判决书的第二日起十日内，通过本院或者直接向韶关市中级人民法院提起上诉。
"""


def test_verdict_without_a_heading(extractor: RuleExtractor) -> None:
    people = _people(extractor, NO_HEADING)
    assert people["罗进凯"]["charges"] == ["掩饰、隐瞒犯罪所得罪"]
    assert people["罗进凯"]["sentence"]["term_months"] == 36
    assert people["罗进凯"]["sentence"]["fine_yuan"] == 10000
    assert people["李志斌"]["charges"] == ["盗窃罪"] and people["李志斌"]["aliases"] == ["斌古"]
    assert people["李志斌"]["sentence"]["term_months"] == 18


def test_verdict_headed_pan_chu_ru_xia(extractor: RuleExtractor) -> None:
    # lecard-18737 (not labelled): …之规定，判处如下：一、被告人摄东升犯侵犯著作权罪，…
    text = NO_HEADING.replace("第十四条之规定\n", "第十四条之规定，判处如下：\n")
    doc = DocText.from_pages([text])
    sections = find_sections(doc.norm)
    assert sections.verdict is not None
    assert doc.norm[sections.verdict[0] :].startswith("一、被告人罗进凯")
    assert _people(extractor, text)["李志斌"]["sentence"]["fine_yuan"] == 5000

"""Rule extraction from real judgment text (extraction.rules, benchmarks.extraction_gold).

Snippets are cut from the gold judgments in ../shared/data/extraction_gold; the gold-set tests
run the whole set and hold the measured accuracy (floors a little below what is reached).
"""

from __future__ import annotations

import json
import re

import pytest

from benchmarks.extraction import ocr_layout
from benchmarks.extraction_gold import evaluate, format_table
from extraction.base import Extractor
from extraction.numbers import fold_width
from extraction.rules import RuleExtractor
from models.records import Extracted
from tests.support.env import GOLD

needs_gold = pytest.mark.needs_shared("extraction_gold", "labels")

# judge-01885b6c…: one defendant, 自首, laid out in lines as a scan's text would be
TONGLU = """浙江省桐庐县人民法院
刑 事 判 决 书
（2017）浙0122刑初77号
公诉机关浙江省桐庐县人民检察院。
被告人李林长，男，1960年6月30日出生于浙江省桐庐县，汉族，小学文化，住浙江省桐庐县。因本案于2016年11月7日被桐庐县公安局刑事拘留，于同月21日被依法逮捕。现押于桐庐县看守所。
辩护人（桐庐县法律援助中心指派）刘斌，浙江杭同律师事务所律师。
浙江省桐庐县人民检察院以杭桐检公诉刑诉（2017）73号起诉书指控被告人李林长犯过失致人死亡罪，于2017年2月28日向本院提起公诉。
公诉机关指控，2016年11月6日14时许，被告人李林长无证驾驶铲车在工地上施工，倒车时未注意后方情况，致使林某被铲车撞倒。
经审理查明，2016年11月6日14时许，被告人李林长无证驾驶柳工牌ZL50C型铲车在工地上施工，倒车时未注意后方情况，致使在工地上发计数票子的林某被铲车撞倒于土堆上，送医院抢救无效死亡。经法医鉴定，被害人林某系肝脏破裂致失血性休克死亡。同日18时许，被告人李林长至桐庐县公安局分水派出所投案。
本院认为，被告人李林长因过失致使一人死亡，情节较轻，其行为已构成过失致人死亡罪。公诉机关的指控成立。被告人李林长犯罪后自首，予以从轻处罚。辩护人所提被告人李林长自首，犯罪情节较轻，系初犯的辩护意见，予以采纳。综上，依照《中华人民共和国刑法》第二百三十三条、第六十七条第一款之规定，判决如下：
被告人李林长犯过失致人死亡罪，判处有期徒刑一年八个月（刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日。即自2016年11月7日起至2018年7月6日止）。
如不服本判决，可在接到判决书的第二天起十日内，通过本院或者直接向浙江省杭州市中级人民法院提出上诉。
审判长林高良
人民陪审员徐正法
二〇一七年三月十六日
书记员陈亚平
"""

# lecard-13164: three defendants, the third convicted of two charges (决定执行)
XUNYANG_VERDICT = """九江市浔阳区人民法院 刑事判决书 （2017）赣0403刑初593号 公诉机关九江市浔阳区人民检察院。 被告人毛毅平，男，1989年2月4日出生于江西省九江市，汉族，初中文化，无业。曾因犯贩卖毒品罪于2011年4月被判处拘役四个月。因涉嫌犯寻衅滋事罪于2017年7月7日被刑事拘留。 辩护人柳常青，江西惟民律师事务所律师。 辩护人季菲，江西惟民律师事务所律师。 被告人郑伟，男，1997年11月6日出生于江西省九江市，汉族，初中文化，无业。 被告人赵垂锋，男，1990年7月17日出生于江西省彭泽县，汉族，初中文化，无业。 九江市浔阳区人民检察院以浔检公诉刑诉［2017］601号起诉书指控被告人毛毅平、郑伟、赵垂锋犯寻衅滋事罪、被告人赵垂锋犯故意毁坏财物罪，于2017年12月12日向本院提起公诉。 本院认为，被告人毛毅平、郑伟、赵垂峰随意殴打他人，情节恶劣，其行为均已构成寻衅滋事罪。犯罪后被告人毛毅平主动到公安机关投案，并如实供述自己的犯罪事实，是自首，依法可以从轻处罚。被告人郑伟、赵垂峰归案后如实供述自己的犯罪事实，依法可以从轻处罚。依照《最高人民法院〈关于处理自首和立功具体应用法律若干问题的解释〉》第一条之规定，判决如下： 被告人毛毅平犯寻衅滋事罪，判处有期徒刑七个月。 （刑期自判决执行之日起计算，判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2017年7月7日起至2018年2月6日止。） 被告人郑伟犯寻衅滋事罪，判处有期徒刑七个月。 被告人赵垂峰犯寻衅滋事罪，判处有期徒刑七个月；犯故意毁坏财物罪，判处有期徒刑三年，决定执行有期徒刑三年三个月。 如不服本判决，可在接到判决书的第二日起十日内，通过本院或者直接向江西省九江市中级人民法院提出上诉。 审判长朱浔春 二〇一八年一月二十九日 书记员陈维超"""  # noqa: E501

# lecard-42771: a company convicted alongside its manager (单处罚金, 缓刑)
WUHAN_VERDICT = """湖北省武汉市青山区人民法院 刑事判决书 （2017）鄂0107刑初166号 公诉机关湖北省武汉市青山区人民检察院。 被告单位湖北惠达实业有限公司，住所地湖北省武汉市武昌区中南路13号。法定代表人：杜增购。 诉讼代表人黄绪川，男，1964年1月11日出生于湖北省红安县，汉族。 被告人杜增购，男，1954年12月21日出生于，汉族，初中文化程度。 辩护人王林华、张雷，湖北今天律师事务所律师。 湖北省武汉市青山区人民检察院以武青检刑诉（2017）162号起诉书指控被告人杜增购犯单位行贿罪，于2017年4月20日向本院提起公诉。 本院认为，被告单位湖北惠某实业有限公司已构成单位行贿罪。被告人杜增购在被检察机关立案追诉前主动交代单位行贿行为，可以减轻处罚。据此，判决如下： 一、被告单位湖北惠达实业有限公司犯单位行贿罪，判处罚金人民币200，000元（已缴纳）。 二、被告人杜增购犯单位行贿罪，判处有期徒刑一年六个月，缓刑二年。 （缓刑考验期限，从判决确定之日起计算。） 如不服本判决，可在接到判决书的第二日起十日内，通过本院或者直接向湖北省武汉市中级人民法院提出上诉。 审判长刘友 二〇一七年五月二十五日 书记员陈蓓丽"""  # noqa: E501

# lecard-26644: an appeal that revokes the first judgment and convicts of another charge
SUZHOU_APPEAL = """江苏省苏州市中级人民法院 刑事判决书 （2011）苏中刑二终字第0032号 原公诉机关江苏省张家港市人民检察院。 上诉人（原审被告人）李元，女，1971年8月27日出生于江苏省张家港市，汉族，大专文化。 辩护人周小羊、沈月英，江苏合展兆丰律师事务所律师。 江苏省张家港市人民法院审理江苏省张家港市人民检察院指控原审被告人李元犯职务侵占罪、挪用资金罪一案，于2010年12月15日做出刑事判决。 本院认为：上诉人李元利用职务上的便利，挪用本单位资金归个人使用，其行为已构成挪用资金罪。依照《中华人民共和国刑法》第二百七十二条第一款之规定，判决如下： 一、维持江苏省张家港市人民法院（2010）张刑二初字第0283号刑事判决的第二、三项。 二、撤销江苏省张家港市人民法院（2010）张刑二初字第0283号刑事判决的第一项，即被告人李元犯职务侵占罪，判处有期徒刑十年，剥夺政治权利一年，并处没收财产人民币五十万元；犯挪用资金罪，判处有期徒刑五年六个月。决定执行有期徒刑十四年，剥夺政治权利一年，并处没收财产人民币五十万元。 三、上诉人李元犯挪用资金罪，判处有期徒刑八年。 本判决为终审判决。 审判长陈卫 二〇一一年五月九日 书记员王燕"""  # noqa: E501


# LeCaRD candidate 14572: an appeal that upholds (维持) three defendants' first-instance sentences
ANYANG_APPEAL = """河南省安阳市中级人民法院 刑事判决书 （2017）豫05刑终159号 原公诉机关河南省安阳县人民检察院。 上诉人（原审被告人）罗宁，女，1986年5月24日，汉族。因涉嫌犯非法吸收公众存款罪，于2014年10月15日被刑事拘留。 上诉人（原审被告人）李祥生，又名李春祥，男，1963年1月24日，汉族。 上诉人（原审被告人）武某某，又名武某某1，男，1984年10月25日，汉族。 原审被告人罗文祥，男，1962年9月9日出生，汉族。 安阳县人民法院审理安阳县人民检察院指控原审被告人罗文祥、罗宁、李祥生、武某某犯非法吸收公众存款罪一案，于2016年12月16日作出（2016）豫0522刑初61号刑事判决。 原判认定：2003年7月至2013年5月，被告人罗文祥系安阳县金渠水泥有限公司实际经营人。 根据上述事实和证据，安阳县人民法院依照《中华人民共和国刑法》第一百七十六条之规定，作出判决：（一）被告人罗文祥犯非法吸收公众存款罪，判处有期徒刑九年，并处罚金人民币五十万元；（二）被告人罗宁犯非法吸收公众存款罪，判处有期徒刑七年，并处罚金人民币三十万元；（三）被告人李祥生犯非法吸收公众存款罪，判处有期徒刑四年，并处罚金人民币十万元；（四）被告人武某某犯非法吸收公众存款罪，判处有期徒刑三年，并处罚金人民币五万元。 上诉人罗宁上诉及其辩护人辩称：罗宁所起作用小，应认定为从犯。 经审理，二审查明事实和证据与一审相同。 本院认为，上诉人罗宁、李祥生、武某某及原审被告人罗文祥之行为均构成非法吸收公众存款罪。判决如下： 一、维持安阳县人民法院（2016）豫0522刑初61号刑事判决的第一、三、四、五项，即对原审被告人罗文祥、上诉人李祥生、武某某的定罪量刑部分； 二、维持安阳县人民法院（2016）豫0522刑初61号刑事判决的第二项中对上诉人罗宁的定罪部分； 三、撤销安阳县人民法院（2016）豫0522刑初61号刑事判决的第二项中对上诉人罗宁的量刑部分； 四、上诉人罗宁犯非法吸收公众存款罪，判处有期徒刑五年，并处罚金人民币十五万元。 本判决为终审判决。 审判长张某 二〇一七年四月十二日 书记员李某"""  # noqa: E501


@pytest.fixture(scope="module")
def extractor() -> RuleExtractor:
    return RuleExtractor()


def _schema_keys() -> set[str]:
    schema = (GOLD / "SCHEMA.md").read_text(encoding="utf-8")
    block = schema[schema.index("{") : schema.rindex("}")]
    return set(re.findall(r'^  "(\w+)":', block, flags=re.MULTILINE)) - {"doc_id", "notes"}


def test_rule_extractor_is_an_extractor(extractor: RuleExtractor) -> None:
    assert isinstance(extractor, Extractor)
    assert extractor.name == "rules" and extractor.version


@needs_gold
def test_fields_have_exactly_the_schema_keys(extractor: RuleExtractor) -> None:
    for pages in ([TONGLU], [], [""], ["no judgment here"]):
        fields = extractor.extract(pages).fields
        assert set(fields) == _schema_keys() | {"instance"}  # beyond SCHEMA.md: 一审/二审/再审


def test_empty_document(extractor: RuleExtractor) -> None:
    result = extractor.extract([])
    assert isinstance(result, Extracted)
    assert result.fields["defendants"] == [] and result.fields["case_number"] is None
    assert result.provenance == {} and result.facts == ""


def test_single_defendant_judgment(extractor: RuleExtractor) -> None:
    result = extractor.extract([TONGLU])
    fields = result.fields
    assert fields["doc_type"] == "刑事判决书"
    assert result.doc_type_confidence >= 0.9
    assert fields["case_number"] == "（2017）浙0122刑初77号"
    assert fields["court"] == "浙江省桐庐县人民法院"
    assert fields["procuratorate"] == "浙江省桐庐县人民检察院"
    assert fields["judgment_date"] == "2017-03-16"
    [defendant] = fields["defendants"]
    assert defendant == {
        "name": "李林长",
        "gender": "男",
        "birth_date": "1960-06-30",
        "ethnicity": "汉族",
        "charges": ["过失致人死亡罪"],
        "sentence": {
            "principal": "有期徒刑",
            "term_months": 20,
            "probation_months": None,
            "fine_yuan": None,
            "confiscation": False,
        },
        "id_number": None,
        "prior_record": [],
        "custody": [
            {"measure": "刑事拘留", "date": "2016-11-07", "authority": "桐庐县公安局",
             "place": None},
            {"measure": "逮捕", "date": "2016-11-21", "authority": None, "place": None},
            {"measure": "羁押", "date": None, "authority": None, "place": "桐庐县看守所"},
        ],
        "unit": False,
        "aliases": [],
        "charge_terms": [],
        "changed": None,
    }
    assert fields["instance"] == "一审"
    assert fields["victims"] == ["林某"]
    assert fields["defense_counsel"] == ["刘斌"]
    assert fields["mitigating"] == ["自首", "初犯"]
    assert result.facts.startswith("经审理查明，2016年11月6日14时许")
    assert "本院认为" not in result.facts


def test_provenance_points_at_the_value(extractor: RuleExtractor) -> None:
    result = extractor.extract([TONGLU])
    for path in ("case_number", "court", "defendants/0/name", "defendants/0/charges/0"):
        prov = result.provenance[path]
        assert prov.page == 1
        assert prov.extractor == "rules " + extractor.version
        assert 0 < prov.confidence <= 1
        node = result.fields
        for part in path.split("/"):
            node = node[int(part)] if isinstance(node, list) else node[part]
        assert TONGLU[prov.start : prov.end] == node
    term = result.provenance["defendants/0/sentence/term_months"]
    assert TONGLU[term.start : term.end] == "一年八个月"
    date = result.provenance["judgment_date"]
    assert TONGLU[date.start : date.end] == "二〇一七年三月十六日"


def test_ocr_breaks_inside_names_and_across_pages(extractor: RuleExtractor) -> None:
    """Line breaks inside a name, a charge and a date, and a page break mid-verdict."""
    noisy = (
        TONGLU.replace("被告人李林长，男", "被告人李林\n长，男")
        .replace("犯过失致人死亡罪，判处", "犯过失致人\n死亡罪，判处")
        .replace("二〇一七年三月十六日", "二O一七年三月\n十六日")
        .replace("（2017）浙0122刑初77号", "（２０１７）浙0122刑初77号")
    )
    cut = noisy.index("判决如下") + 10
    pages = [noisy[:cut] + "\n第 1 页 共 2 页\n", noisy[cut:]]
    result = extractor.extract(pages)
    fields = result.fields
    assert fields["case_number"] == "（2017）浙0122刑初77号"
    assert fields["judgment_date"] == "2017-03-16"
    assert fields["defendants"][0]["name"] == "李林长"
    assert fields["defendants"][0]["charges"] == ["过失致人死亡罪"]
    assert fields["defendants"][0]["sentence"]["term_months"] == 20
    name = result.provenance["defendants/0/name"]
    assert name.page == 1 and pages[0][name.start : name.end] == "李林\n长"
    charge = result.provenance["defendants/0/charges/0"]
    assert charge.page == 2
    assert pages[1][charge.start : charge.end].replace("\n", "") == "过失致人死亡罪"


@pytest.mark.parametrize(
    "head",
    [
        "浙江省杭州市\n江干区人民法院\n刑事判决书\n（2018）浙0104刑初98号\n",
        "浙江省杭州市江干\n区人民法院\n刑 事 判 决 书\n（2018）浙0104刑初98号\n",
        "孔凡安贩卖毒品一审刑事判决书\n浙江省杭州市江干区人民法院\n刑事判决书\n（2018）浙0104刑初98号\n",
    ],
)
def test_court_name_broken_over_lines(extractor: RuleExtractor, head: str) -> None:
    fields = extractor.extract([head + "公诉机关浙江省杭州市江干区人民检察院。\n"]).fields
    assert fields["court"] == "浙江省杭州市江干区人民法院"
    assert fields["doc_type"] == "刑事判决书"
    assert fields["case_number"] == "（2018）浙0104刑初98号"
    assert fields["procuratorate"] == "浙江省杭州市江干区人民检察院"


def test_several_defendants_and_a_combined_sentence(extractor: RuleExtractor) -> None:
    fields = extractor.extract([XUNYANG_VERDICT]).fields
    names = [d["name"] for d in fields["defendants"]]
    # the header's 赵垂锋 is 赵垂峰 in the operative part, whose spelling wins
    assert names == ["毛毅平", "郑伟", "赵垂峰"]
    assert [d["charges"] for d in fields["defendants"]] == [
        ["寻衅滋事罪"],
        ["寻衅滋事罪"],
        ["寻衅滋事罪", "故意毁坏财物罪"],
    ]
    assert [d["sentence"]["term_months"] for d in fields["defendants"]] == [7, 7, 39]
    assert fields["defense_counsel"] == ["柳常青", "季菲"]
    # 自首 and 立功 in a cited interpretation's title do not count
    assert fields["mitigating"] == ["自首", "坦白"]
    assert fields["judgment_date"] == "2018-01-29"


def test_company_defendant_and_probation(extractor: RuleExtractor) -> None:
    fields = extractor.extract([WUHAN_VERDICT]).fields
    company, manager = fields["defendants"]
    assert company["name"] == "湖北惠达实业有限公司"
    assert company["gender"] is None
    assert company["charges"] == ["单位行贿罪"]
    assert company["sentence"]["principal"] == "单处罚金"
    assert company["sentence"]["fine_yuan"] == 200000
    assert manager["name"] == "杜增购" and manager["birth_date"] == "1954-12-21"
    assert manager["sentence"]["term_months"] == 18
    assert manager["sentence"]["probation_months"] == 24
    assert fields["defense_counsel"] == ["王林华", "张雷"]
    assert "追诉前主动交代" in fields["mitigating"]


def test_defendants_with_similar_anonymised_names(extractor: RuleExtractor) -> None:
    """李某 / 李某某 / 李某甲 are three people; 被告人李某曾因… is 李某's record, not a fourth."""
    text = (
        "某某县人民法院 刑事判决书 （2017）浙0122刑初7号 公诉机关某某县人民检察院。 "
        "被告人李某，男，1980年1月1日出生。被告人李某曾因犯盗窃罪被判处有期徒刑六个月。 "
        "被告人李某某，女，1981年2月2日出生。 被告人李某甲，男。 "
        "某某县人民检察院以起诉书指控被告人李某、李某某、李某甲犯盗窃罪，向本院提起公诉。 "
        "本院认为，被告人李某、李某某、李某甲的行为均已构成盗窃罪。判决如下： "
        "被告人李某犯盗窃罪，判处有期徒刑一年。被告人李某某犯盗窃罪，判处拘役三个月。"
        "被告人李某甲犯盗窃罪，判处管制六个月。 审判长张三 二〇一七年一月一日"
    )
    defendants = extractor.extract([text]).fields["defendants"]
    assert [d["name"] for d in defendants] == ["李某", "李某某", "李某甲"]
    assert [d["gender"] for d in defendants] == ["男", "女", "男"]
    assert [(d["sentence"]["principal"], d["sentence"]["term_months"]) for d in defendants] == [
        ("有期徒刑", 12),
        ("拘役", 3),
        ("管制", 6),
    ]


def test_appeal_skips_the_revoked_first_judgment(extractor: RuleExtractor) -> None:
    fields = extractor.extract([SUZHOU_APPEAL]).fields
    assert fields["procuratorate"] == "江苏省张家港市人民检察院"
    [defendant] = fields["defendants"]
    assert defendant["name"] == "李元" and defendant["gender"] == "女"
    assert defendant["charges"] == ["挪用资金罪"]
    assert defendant["sentence"]["term_months"] == 96
    assert defendant["sentence"]["confiscation"] is False


def test_upheld_sentences_come_from_the_quoted_first_judgment(extractor: RuleExtractor) -> None:
    result = extractor.extract([ANYANG_APPEAL])
    defendants = result.fields["defendants"]
    assert [d["name"] for d in defendants] == ["罗宁", "李祥生", "武某某", "罗文祥"]
    assert [d["birth_date"] for d in defendants] == [
        "1986-05-24",
        "1963-01-24",
        "1984-10-25",
        "1962-09-09",
    ]
    assert all(d["charges"] == ["非法吸收公众存款罪"] for d in defendants)
    # 罗宁 was re-sentenced on appeal; the others keep the first judgment's sentence
    assert [d["sentence"]["term_months"] for d in defendants] == [60, 48, 36, 108]
    assert [d["sentence"]["fine_yuan"] for d in defendants] == [150000, 100000, 50000, 500000]
    upheld = result.provenance["defendants/3/sentence/term_months"]
    assert ANYANG_APPEAL[upheld.start : upheld.end] == "九年"
    assert upheld.confidence < result.provenance["defendants/0/sentence/term_months"].confidence


def test_court_negations_and_rejections(extractor: RuleExtractor) -> None:
    # judge-e272c729 (自动投案 not accepted), plus a rejected defence argument
    text = TONGLU.replace(
        "被告人李林长犯罪后自首，予以从轻处罚。辩护人所提被告人李林长自首，犯罪情节较轻，系初犯的辩护意见，予以采纳。",
        "被告人李林长虽自动投案但在取保候审期间脱逃，不认定其自动到案。其在到案后能如实供述自己的罪行，"
        "具有坦白情节，可予从轻处罚。辩护人提出被告人系自首的辩护意见，与查明事实不符，本院不予采纳。",
    )
    assert extractor.extract([text]).fields["mitigating"] == ["坦白"]


def test_indictment(extractor: RuleExtractor) -> None:
    page1 = (
        "浙江省桐庐县人民检察院\n起 诉 书\n桐检刑诉〔2017〕73号\n"
        "被告人李林长，男，1960年6月30日出生，汉族，小学文化，住浙江省桐庐县。\n"
        "本案由桐庐县公安局侦查终结，以被告人李林长涉嫌过失致人死亡罪，于2017年1月5日向本院移送审查起诉。\n"
        "经依法审查查明：2016年11月6日14时许，被告人李林长无证驾驶铲车施工，致使被害人林某死亡。\n"
    )
    page2 = (
        "本院认为，被告人李林长因过失致使一人死亡，其行为已触犯《中华人民共和国刑法》第二百三十三条，"
        "应当以过失致人死亡罪追究其刑事责任。\n此致\n浙江省桐庐县人民法院\n检察员：余某\n2017年2月28日\n"
    )
    fields = extractor.extract([page1, page2]).fields
    assert fields["doc_type"] == "起诉书"
    assert fields["case_number"] == "桐检刑诉〔2017〕73号"
    assert fields["procuratorate"] == "浙江省桐庐县人民检察院"
    assert fields["court"] == "浙江省桐庐县人民法院"
    assert fields["judgment_date"] == "2017-02-28"
    assert fields["defendants"][0]["charges"] == ["过失致人死亡罪"]
    assert fields["defendants"][0]["sentence"]["principal"] is None


ocr_pages = ocr_layout  # the same simulated OCR layout the bench reports on


FIELD_FLOORS = {
    "doc_type": 0.95,
    "case_number": 0.95,
    "court": 0.95,
    "procuratorate": 0.92,
    "judgment_date": 0.95,
    "amount_involved_yuan": 0.8,
    "blood_alcohol_mg_per_100ml": 0.95,
}
DEFENDANT_FLOORS = {
    "name": 0.95,
    "gender": 0.93,
    "birth_date": 0.95,
    "ethnicity": 0.95,
    "charges": 0.95,
    "principal": 0.95,
    "term_months": 0.95,
    "probation_months": 0.95,
    "fine_yuan": 0.95,
    "confiscation": 0.95,
}
SET_FLOORS = {
    "victims": (0.9, 0.95),
    "defense_counsel": (0.95, 0.95),
    "mitigating": (0.95, 0.88),
}


def _assert_floors(result: dict[str, object]) -> None:
    table = format_table(result)  # shown when an assertion fails
    fields, defendants, sets = result["fields"], result["defendants"], result["sets"]
    assert isinstance(fields, dict) and isinstance(defendants, dict) and isinstance(sets, dict)
    for key, floor in FIELD_FLOORS.items():
        assert fields[key] >= floor, f"{key}\n{table}"
    for key, floor in DEFENDANT_FLOORS.items():
        assert defendants[key] >= floor, f"defendants.{key}\n{table}"
    for key, (precision, recall) in SET_FLOORS.items():
        assert sets[key]["precision"] >= precision, f"{key} precision\n{table}"
        assert sets[key]["recall"] >= recall, f"{key} recall\n{table}"


@needs_gold
def test_gold_set_accuracy() -> None:
    result = evaluate(GOLD)
    assert result["documents"] == 40
    _assert_floors(result)


@needs_gold
def test_gold_set_accuracy_under_ocr_noise() -> None:
    _assert_floors(evaluate(GOLD, to_pages=ocr_pages))


NORMALISED = {"birth_date", "judgment_date", "principal", "instance"}


@needs_gold
def test_provenance_on_noisy_gold_pages(extractor: RuleExtractor) -> None:
    """Every extracted name, number and charge can be found again where provenance points."""
    checked = 0
    for text_file in sorted((GOLD / "texts").glob("*.txt")):
        pages = ocr_pages(text_file.read_text(encoding="utf-8"))
        result = extractor.extract(pages)
        for path, prov in result.provenance.items():
            leaf = path.split("/")[-1]
            if path.startswith("mitigating") or leaf in NORMALISED:
                continue  # normalised values (dates, canonical words) differ from the text
            node: object = result.fields
            for part in path.split("/"):
                node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
            if not isinstance(node, str):
                continue
            if "/prior_record/" in path:
                node = node[:10]  # a long sentence may run onto the next page
            assert prov.page is not None
            source = fold_width(re.sub(r"\s", "", pages[prov.page - 1][prov.start : prov.end]))
            assert fold_width(node) in source, (text_file.name, path, node, source)
            checked += 1
    assert checked > 400


@needs_gold
def test_evaluate_reports_failures_as_json_friendly_rows() -> None:
    result = evaluate(GOLD)
    json.dumps(result, ensure_ascii=False)
    assert result["failures"]  # the rules miss a few gold values (see the accuracy floors)
    assert all(len(row) == 4 for row in result["failures"])

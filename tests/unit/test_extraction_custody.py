"""Custody measures with dates, prior record and ID numbers per defendant (extraction.custody),
on header sentences of real judgments of the gold set."""

from __future__ import annotations

from typing import Any

from extraction.paths import valid
from extraction.rules import RuleExtractor

# judge-01885b6c…: 同月 resolves against the date before it; 现押于 names the detention house
TONGLU = """浙江省桐庐县人民法院
刑 事 判 决 书
（2017）浙0122刑初77号
公诉机关浙江省桐庐县人民检察院。
被告人李林长，男，1960年6月30日出生于浙江省桐庐县，汉族，小学文化，住浙江省桐庐县。因本案于2016年11月7日被桐庐县公安局刑事拘留，于同月21日被依法逮捕。现押于桐庐县看守所。
浙江省桐庐县人民检察院以杭桐检公诉刑诉（2017）73号起诉书指控被告人李林长犯过失致人死亡罪，于2017年2月28日向本院提起公诉。
"""

# lecard header sentences: a prior record with 行政拘留 (not a custody measure of this case),
# relative dates (同年, 次日), an ID number, 变更 to 监视居住, and a 羁押必要性审查 that is no measure
HEADERS = """某某市人民法院
刑事判决书
（2018）浙0683刑初1号
公诉机关某某市人民检察院。
被告人周春寒，男，1993年1月5日出生汉族，初中文化，农民，住浙江省嵊州市。因吸毒于2016年2月22日被嵊州市公安局决定行政拘留十四日；因犯容留他人吸毒罪、盗窃罪于2016年4月26日被嵊州市人民法院判处有期徒刑一年三个月，并处罚金人民币四千元，于2017年4月4日刑满释放。因本案于2018年3月27日被嵊州市公安局刑事拘留，同年4月28日被逮捕。现羁押于嵊州市看守所。
被告人黄某1，男，1999年6月8日出生于陕西省城固县，公民身份号码612322199906081216，汉族，初中文化，农民。因本案于2017年5月25日被温岭市公安局刑事拘留，同年6月9日被依法逮捕。现羁押于温岭市看守所。
被告人胡某某，男，1988年10月7日出生，汉族。因涉嫌交通肇事罪于2015年12月1日被平顶山市公安局刑事拘留，2015年12月15日经平顶山市人民检察院批准，次日被平顶山市公安局执行逮捕。2015年12月29日经平顶山市人民检察院羁押必要性审查建议变更强制措施，2016年1月7日被平顶山市公安局取保候审，同年9月5日被本院取保候审。
被告人方某，无业。因涉嫌犯危险驾驶罪于2016年12月1日被余姚市公安局刑事拘留，同月8日被本院依法变更为监视居住。
某某市人民检察院以起诉书指控被告人周春寒犯盗窃罪，于2018年5月2日向本院提起公诉。
"""


def _measures(d: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(c["measure"], c["date"]) for c in d["custody"]]


def test_custody_with_relative_dates_and_the_detention_house() -> None:
    result = RuleExtractor().extract([TONGLU])
    d = result.fields["defendants"][0]
    assert _measures(d) == [("刑事拘留", "2016-11-07"), ("逮捕", "2016-11-21"), ("羁押", None)]
    assert d["custody"][0]["authority"] == "桐庐县公安局"
    assert d["custody"][2]["place"] == "桐庐县看守所"
    assert d["prior_record"] == [] and d["id_number"] is None
    prov = result.provenance["defendants/0/custody/1"]
    assert TONGLU[prov.start:prov.end] == "于同月21日被依法逮捕"


def test_prior_record_id_number_and_changes_of_measure() -> None:
    result = RuleExtractor().extract([HEADERS])
    zhou, huang, hu, fang = result.fields["defendants"]
    assert _measures(zhou) == [("刑事拘留", "2018-03-27"), ("逮捕", "2018-04-28"), ("羁押", None)]
    assert len(zhou["prior_record"]) == 2
    assert zhou["prior_record"][0].startswith("因吸毒于2016年2月22日")
    assert "刑满释放" in zhou["prior_record"][1]
    assert huang["id_number"] == "612322199906081216"
    assert HEADERS[result.provenance["defendants/1/id_number"].start:][:18] == huang["id_number"]
    assert _measures(hu) == [("刑事拘留", "2015-12-01"), ("逮捕", "2015-12-16"),
                             ("取保候审", "2016-01-07"), ("取保候审", "2016-09-05")]
    assert hu["custody"][3]["authority"] == "本院"
    assert _measures(fang) == [("刑事拘留", "2016-12-01"), ("监视居住", "2016-12-08")]
    for d in (zhou, huang, hu, fang):
        assert valid("defendants/0/custody", d["custody"])
        assert valid("defendants/0/prior_record", d["prior_record"])
        assert valid("defendants/0/id_number", d["id_number"])

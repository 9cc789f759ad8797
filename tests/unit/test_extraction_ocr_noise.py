"""OCR noise seen in the OCR bench of the gold judgments (benchmarks.extraction_ocr): the lines
below are what PP-OCR read from rendered pages of real judgments."""

from __future__ import annotations

from extraction.numbers import find_dates
from extraction.rules import RuleExtractor

HEAD = "浙江省桐庐县人民法院\n刑事判决书\n(2017)浙0122刑初77号\n公诉机关浙江省桐庐县人民检察院。\n"


def test_a_court_case_number_keeps_full_width_brackets() -> None:
    fields = RuleExtractor().extract([HEAD]).fields
    assert fields["case_number"] == "（2017）浙0122刑初77号"
    mixed = HEAD.replace("(2017)浙0122刑初77号", "(2013）扬邗刑初字第0381号")
    assert RuleExtractor().extract([mixed]).fields["case_number"] == "（2013）扬邗刑初字第0381号"
    # an indictment's number keeps its own brackets
    indictment = "XX市XX区人民检察院\n起 诉 书\n杭桐检公诉刑诉〔2017〕73号\n"
    assert RuleExtractor().extract([indictment]).fields["case_number"] == "杭桐检公诉刑诉〔2017〕73号"


def test_dates_with_ocr_slips() -> None:
    assert find_dates("男，1975年1月1目出生于浙江省杭州市") == [("1975-01-01", 2, 11)]
    signature = "审判长许跃\n人民陪审员李永良\n二一五年七月二十七日\n书记员陈浩"
    assert find_dates(signature) == []
    assert find_dates(signature, lost_zero=True)[0][0] == "2015-07-27"
    assert find_dates("二〇八年一月三日", lost_zero=True)[0][0] == "2008-01-03"
    assert find_dates("二〇一五年七月二十七日", lost_zero=True) == []  # nothing lost
    assert find_dates("人民陪审员梁秀兰\n二〇-〇年三月十一日")[0][0] == "2010-03-11"  # 一 read as -
    assert find_dates("2010-2011年3月")[0][0] == "2011-03"  # a range of years stays one
    text = HEAD + "被告人李林长，男，1960年6月30日出生。\n本院认为，被告人李林长犯过失致人死亡罪。判决如下：\n" \
        "被告人李林长犯过失致人死亡罪，判处有期徒刑一年。\n审判长许跃\n二一七年五月九日\n书记员陈浩"
    fields = RuleExtractor().extract([text]).fields
    assert fields["judgment_date"] == "2017-05-09"
    # a year cut to its last digit (一年 for 二〇一一年) is completed from the case number's
    cut = text.replace("二一七年五月九日", "七年五月九日")
    assert RuleExtractor().extract([cut]).fields["judgment_date"] == "2017-05-09"
    assert RuleExtractor().extract([cut.replace("七年", "九年")]).fields["judgment_date"] == "2019-05-09"
    assert RuleExtractor().extract([cut.replace("七年", "五年")]).fields["judgment_date"] is None


def test_a_party_line_whose_full_stop_ocr_dropped() -> None:
    text = HEAD + (
        "被告人付龙，男，1980年1月2日出生。现羁押于承德县看守所。\n辩护人吴小江，河北华川律师事务所律师。\n"
        "被告人付家兴，男，1985年3月4日出生。2015年6月5日因涉嫌诈骗罪被承德县公安局刑事拘留。现羁押于承德县看守所\n"
        "辩护人袁爱国，河北君兴律师事务所律师。\n承德县人民检察院以承县检公诉(2016)第42号起诉书指控被告人付龙、付家兴犯集资诈骗罪。"
    )
    fields = RuleExtractor().extract([text]).fields
    assert fields["defense_counsel"] == ["吴小江", "袁爱国"]
    assert [d["name"] for d in fields["defendants"]] == ["付龙", "付家兴"]


def test_a_name_misread_once_in_the_verdict_keeps_the_texts_spelling() -> None:
    """A fax of a gold judgment read 周月玲 in the header and the body and 周片玲 in the verdict;
    the verdict's spelling still wins where the text spells it that way at least as often (a
    slip in the header of the judgment as published)."""
    body = ("被告人{h}，女，1965年8月3日出生。\n福鼎市人民检察院指控被告人{b}犯非法吸收公众存款罪。"
            "\n本院认为，被告人{b}未经批准吸收公众存款，其行为已构成非法吸收公众存款罪。判决如下：\n"
            "被告人{v}犯非法吸收公众存款罪，判处有期徒刑三年，并处罚金人民币十万元。\n")
    misread = HEAD + body.format(h="周月玲", b="周月玲", v="周片玲")
    assert [d["name"] for d in RuleExtractor().extract([misread]).fields["defendants"]] == ["周月玲"]
    slip = HEAD + body.format(h="周片玲", b="周月玲", v="周月玲")
    assert [d["name"] for d in RuleExtractor().extract([slip]).fields["defendants"]] == ["周月玲"]
    one_each = HEAD + body.format(h="周片玲", b="某某", v="周月玲")
    assert [d["name"] for d in RuleExtractor().extract([one_each]).fields["defendants"]] == ["周月玲"]


def test_a_header_that_lost_a_character_takes_the_verdicts_name() -> None:
    """A fax of lecard-43111 read the header's 上诉人（原审被告人）陈铭 as 陈: 陈 is in every 陈铭,
    so only the mentions outside the longer name count for it."""
    body = ("被告人{h}，男，1985年3月1日出生。\n上海市虹口区人民检察院指控被告人陈铭犯贩卖毒品罪。\n"
            "本院认为，被告人陈铭贩卖毒品，其行为已构成贩卖毒品罪。判决如下：\n"
            "被告人陈铭犯贩卖毒品罪，判处有期徒刑一年，并处罚金人民币五千元。\n")
    fields = RuleExtractor().extract([HEAD + body.format(h="陈")]).fields
    assert [d["name"] for d in fields["defendants"]] == ["陈铭"]


def test_a_faxed_case_number_keeps_one_form_and_its_instance() -> None:
    """Case numbers as faxes of the judgment shapes read them: a doubled or curly bracket, a
    space after it, a doubled 一; the court's form comes back and the instance with it."""
    court = "江苏省镇江市中级人民法院\n刑事裁定书\n{number}\n原公诉机关镇江市丹徒区人民检察院。\n"
    for read, want, instance in (
        ("(2014））镇刑二终字第0001号", "（2014）镇刑二终字第0001号", "二审"),
        ("(2013） 德中刑一一初字第5号", "（2013）德中刑一一初字第5号", "一审"),
        ("{2014） 云中法刑一初字第33号", "（2014）云中法刑一初字第33号", "一审"),
    ):
        fields = RuleExtractor().extract([court.format(number=read)]).fields
        assert (fields["case_number"], fields["instance"]) == (want, instance), read


def test_the_instance_from_the_roles_where_the_number_cannot_tell() -> None:
    """刑终 read as 开终 (a fax of lecard-41424): an appellant in the header still makes it 二审;
    a 公诉机关 that is not the 原 one makes it 一审; a retrial's roles decide nothing."""
    head = "广西壮族自治区崇左市中级人民法院\n刑事判决书\n(2019）桂14开终33号\n"
    appeal = head + "原公诉机关广西壮族自治区扶绥县人民检察院。\n上诉人（原审被告人）滕学峰，男，1977年4月6日出生。\n"
    assert RuleExtractor().extract([appeal]).fields["instance"] == "二审"
    first = head + "公诉机关广西壮族自治区扶绥县人民检察院。\n被告人滕学峰，男，1977年4月6日出生。\n"
    assert RuleExtractor().extract([first]).fields["instance"] == "一审"
    retrial = head + "原公诉机关广西壮族自治区扶绥县人民检察院。\n原审被告人滕学峰，男，1977年4月6日出生。\n"
    assert RuleExtractor().extract([retrial]).fields["instance"] is None

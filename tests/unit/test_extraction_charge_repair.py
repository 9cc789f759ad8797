"""Charge names OCR misread by one character, repaired from the document's other mentions
(extraction.charge_repair)."""

from __future__ import annotations

from extraction.charge_repair import repair_charges, repair_name
from extraction.rules import RuleExtractor
from extraction.text import DocText

# a faxed verdict as the engine read it (tune split lecard-1913 and lecard-14047: 贩 read 叛,
# 罪 read 明), with the indictment that names the charges correctly above it
FAXED = (
    "杭州市萧山区人民法院\n刑事判决书\n（2018）浙0109刑初321号\n"
    "公诉机关杭州市萧山区人民检察院。\n被告人田小燕，女，1976年3月5日出生。\n"
    "杭州市萧山区人民检察院以杭萧检公诉刑诉［2018］321号起诉书指控被告人田小燕犯贩卖毒品罪、"
    "容留他人吸毒罪，于2018年3月1日向本院提起公诉。\n"
    "本院认为，被告人田小燕贩卖毒品，其行为已构成贩卖毒品罪。\n"
    "依照《中华人民共和国刑法》第三百四十七条之规定，判决如下：\n"
    "一、被告人田小燕犯叛卖毒品罪，判处有期徒刑三年，并处罚金人民币四千元；"
    "犯容留他人吸毒罪，判处有期徒刑六个月，并处罚金人民币一千元，"
    "决定执行有期徒刑三年三个月，并处罚金人民币五千元。\n"
)


def test_a_misread_charge_takes_the_name_the_document_writes_elsewhere() -> None:
    named = {"贩卖毒品罪", "容留他人吸毒罪", "贪污罪"}
    assert repair_name("叛卖毒品罪", False, named) == "贩卖毒品罪"
    assert repair_name("贪污明", True, named) == "贪污罪"  # 罪 itself misread, before ，判处


def test_what_is_no_misreading_stays_as_written() -> None:
    named = {"贩卖毒品罪", "抢劫罪", "盗窃罪"}
    assert repair_name("贩卖毒品罪", True, named) is None  # already a charge
    assert repair_name("抢劫后", False, named) is None  # 犯抢劫后，逃离…: no ，判处 after it
    assert repair_name("贩卖毒品被", False, named) is None  # 曾因犯贩卖毒品被判处 (a prior)
    assert repair_name("流氓罪", True, named) is None  # a repealed charge: nothing one apart
    assert repair_name("有盗窃罪", True, named) is None  # 犯有盗窃罪: a valid name ends it
    # two of the document's charges one character away: left as read
    assert repair_name("盗劫罪", True, {"盗窃罪", "抢劫罪"}) is None


def test_real_typos_of_published_judgments_are_put_right() -> None:
    # LeCaRD judgments as published: 妨碍公务罪 in one verdict item, 妨害公务罪 elsewhere
    text = ("被告人犯妨害公务罪，应予惩处。" "判决如下：被告人张某犯故意伤害罪，判处有期徒刑十年；"
            "犯妨碍公务罪，判处有期徒刑一年。")
    doc = repair_charges(DocText.from_pages([text]))
    assert "犯妨害公务罪，判处有期徒刑一年" in doc.raw
    assert len(doc.raw) == len(DocText.from_pages([text]).raw)  # spans stay where they were


def test_a_document_without_misreadings_is_returned_as_it_is() -> None:
    doc = DocText.from_pages(["判决如下：被告人张某犯盗窃罪，判处有期徒刑一年。"])
    assert repair_charges(doc) is doc


def test_the_faxed_verdict_keeps_its_charges_and_sentence() -> None:
    fields = RuleExtractor().extract([FAXED]).fields
    (defendant,) = fields["defendants"]
    assert defendant["name"] == "田小燕"
    assert defendant["charges"] == ["贩卖毒品罪", "容留他人吸毒罪"]
    assert defendant["sentence"]["principal"] == "有期徒刑"
    assert defendant["sentence"]["term_months"] == 39
    assert defendant["sentence"]["fine_yuan"] == 5000

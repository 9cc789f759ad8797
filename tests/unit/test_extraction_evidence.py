"""The evidence list of a judgment, typed by the eight statutory kinds (extraction.evidence),
on real judgments of the gold set: a numbered list and a one-sentence list."""

from __future__ import annotations

import pytest

from extraction.evidence import KINDS, kind_of
from extraction.rules import RuleExtractor
from tests.support.env import GOLD

needs_gold = pytest.mark.needs_shared("extraction_gold", "texts")


def _evidence(doc_id: str) -> tuple[str, list[dict[str, object]]]:
    text = (GOLD / "texts" / f"{doc_id}.txt").read_text(encoding="utf-8")
    return text, RuleExtractor().extract([text]).evidence


@needs_gold
def test_numbered_list() -> None:
    text, items = _evidence("lecard-16272")  # 证据有：1、证人李守兵的证言，证明…
    kinds = [i["kind"] for i in items]
    assert len(items) == 14
    assert kinds[:5] == ["证人证言", "书证", "鉴定意见", "鉴定意见",
                         "勘验/检查/辨认/侦查实验等笔录"]
    assert kinds[-1] == "犯罪嫌疑人/被告人供述和辩解"
    assert "被害人户籍证明" in str(items[-5]["text"])
    assert items[-5]["kind"] == "书证"  # a victim's ID papers are documents, not her statement
    for item in items:  # provenance: the span in the page text holds the item
        start, end = int(str(item["start"])), int(str(item["end"]))
        assert item["page"] == 1
        assert text[start:end].replace(" ", "").startswith(str(item["text"])[:6])


@needs_gold
def test_one_sentence_list() -> None:
    _, items = _evidence("lecard-12174")  # 对于上述指控，有被害人吴某的陈述笔录，证人钱某、…
    got = {str(i["text"]): i["kind"] for i in items}
    assert got["被害人吴某的陈述笔录"] == "被害人陈述"
    assert got["证人钱某、龙某、余某的证言笔录"] == "证人证言"  # the names stay one item
    assert got["共同行为人唐某的供述笔录"] == "犯罪嫌疑人/被告人供述和辩解"
    assert got["被告人张某、共同行为人唐某以及证人钱某、龙某所作的辨认笔录"] == \
        "勘验/检查/辨认/侦查实验等笔录"
    assert got["微信聊天记录"] == "视听资料/电子数据"
    assert got["监控视频"] == "视听资料/电子数据"
    assert got["宜兴市价格认定中心出具的价格认定结论书"] == "鉴定意见"
    assert got["发票"] == "书证"


@needs_gold
def test_most_gold_judgments_list_typed_evidence() -> None:
    listed = typed = total = 0
    for path in sorted((GOLD / "texts").glob("*.txt")):
        items = RuleExtractor().extract([path.read_text(encoding="utf-8")]).evidence
        listed += bool(items)
        total += len(items)
        typed += sum(1 for i in items if i["kind"] in KINDS)
    assert listed >= 33  # measured 35 of 40 (the others cite no list)
    assert typed / total >= 0.97


@pytest.mark.parametrize(("item", "kind"), [
    ("扣押的作案工具螺丝刀一把", "物证"),
    ("书证：（1）受理公民报警求助情况登记表", "书证"),
    ("法医物证鉴定书", "鉴定意见"),
    ("被告人周春寒的供述与辩解", "犯罪嫌疑人/被告人供述和辩解"),
    ("被害人李某1、孙某2、潘某、骆某等人的陈述", "被害人陈述"),
    ("现场勘查记录，证明案发现场的情况", "勘验/检查/辨认/侦查实验等笔录"),
    ("检查笔录", "勘验/检查/辨认/侦查实验等笔录"),
    ("侦查实验笔录", "勘验/检查/辨认/侦查实验等笔录"),
    ("电子数据：涉案手机中提取的聊天记录", "视听资料/电子数据"),
    ("视听资料", "视听资料/电子数据"),
    ("证人马某的证言及辨认笔录", "勘验/检查/辨认/侦查实验等笔录"),
    ("尿液现场检测报告书", "鉴定意见"),
    ("某某", None),
])
def test_kind_of_an_item(item: str, kind: str | None) -> None:
    assert kind_of(item) == kind

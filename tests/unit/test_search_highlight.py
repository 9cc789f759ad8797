"""Highlights mark exactly the characters a query matched, mixed phrases included."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from search.highlight import match_spans, snippets
from search.query import Text, parse

GOLD = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "extraction_gold"


def text_node(q: str) -> Text:
    node = parse(q)
    assert isinstance(node, Text), q
    return node


def marked(text: str, q: str) -> list[str]:
    return [text[s:e] for s, e in match_spans(text, [text_node(q)])]


@pytest.mark.parametrize(
    ("text", "query", "span"),
    [
        ("经审理查明，至2018年7月21日止，被告人", '"2018年7月21日"', "2018年7月21日"),
        ("盗得金项链（价值5000元）一条", '"项链（价值5000元"', "项链（价值5000元"),
        ("被告人某某无证酒后驾驶蒙AD1234号车", '"某无证酒后驾驶蒙AD"', "某无证酒后驾驶蒙AD"),
        ("联想M7201的台式电脑主机一台", '"7201的台式电脑主"', "7201的台式电脑主"),
        ("于2015年3月27日凌晨2时许", '"15年3月27日凌晨"', "15年3月27日凌晨"),
        ("自2008年起至今", '"自2008年起至"', "自2008年起至"),
        ("驾驶甘A·12345号轿车", "甘A12345", "甘A·12345"),
        ("身份号码11010519491231002X，汉族", "1231002x", "1231002X"),
        ("依照第264条之规定", '"第264条"', "第264条"),
        ("（２０１８）浙0683刑初333号", '"18)浙06"', "１８）浙06"),  # full-width as scanned
        ("被告人张\n三犯盗窃罪", "张三", "张\n三"),  # across an OCR line break
    ],
)
def test_a_mixed_phrase_is_marked_exactly(text: str, query: str, span: str) -> None:
    assert marked(text, query) == [span]


def test_a_phrase_is_not_marked_where_only_its_runs_occur() -> None:
    assert marked("至2018年7月21日止", '"2018年7月12日"') == []
    assert marked("价值15000元", '"价值5000元"') == []


def test_one_character_is_marked_wherever_it_stands() -> None:
    assert marked("日止，21日，日", "日") == ["日", "日", "日"]
    assert marked("张三犯罪", "三") == ["三"]  # the end of a run: an edge unigram


def test_every_cut_of_a_real_judgment_is_marked_where_it_was_cut() -> None:
    """Phrases cut at random from real judgments: a mark covers the cut from its first to its
    last character that is not whitespace, exactly so where the cut occurs once."""
    rng = random.Random(5)
    for path in sorted(GOLD.glob("texts/*.txt"))[:8]:
        text = path.read_text("utf-8")
        for _ in range(100):
            size = rng.choice([4, 6, 10])
            i = rng.randrange(len(text) - size)
            cut = text[i : i + size]
            words = re.search(r"[^\s\u00b7].*[^\s\u00b7]|[^\s\u00b7]", cut)
            if words is None or '"' in cut or not any(c.isalnum() for c in cut):
                continue  # nothing to search (punctuation alone) or not quotable
            start, end = i + words.start(), i + words.end()
            spans = match_spans(text, [text_node(f'"{cut}"')])
            assert any(s <= start and end <= e for s, e in spans), cut
            if text.count(text[start:end]) == 1:  # no other occurrence to merge with
                assert (start, end) in spans, cut


def test_snippets_escape_and_mark() -> None:
    (snippet,) = snippets("被告人<b>于2018年7月21日止", [text_node('"2018年7月21日"')])
    assert snippet == "被告人&lt;b&gt;于<em>2018年7月21日</em>止"

"""Phrases as prosecutors paste them, on every engine (embedded, OpenSearch, Elasticsearch).

Dates, amounts, plates, phone and ID numbers, article numbers next to Chinese; quotation
marks inside a phrase; nesting and size limits of the query. Expected results are derived
from the texts (a phrase must find exactly the documents whose text holds it), not listed.
The engines and their fixtures (``engine``, ``empty``) are those of test_search_engines.py,
from tests/conftest.py.
"""

from __future__ import annotations

import contextlib
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.analysis import normalize
from search.base import IndexDoc, QuerySyntaxError, SearchBackend, SearchQuery
from search.query import MAX_DEPTH, MAX_TERMS
from tests.support.search_corpus import DOCS, containing, find, ids

# One page with the shapes the issue found missing, and a page of near misses (the same runs
# in another order, other digits, other punctuation).
PAGES = {
    1: "经审理查明：自2008年起至2018年7月21日止，被告人某某无证酒后驾驶蒙AD1234号小型轿车；"
    "盗得金项链（价值5000元）一条、现金1.5万元，及联想M7201的台式电脑主机一台。"
    "于2015年3月27日凌晨2时许，驾驶甘A·12345号车。其手机号码为13812345678，"
    "公民身份号码11010519491231002X。依照《中华人民共和国刑法》第二百六十四条、第264条之规定。"
    "他称“不知情”，又称「未参与」。",
    2: "2、2018年7月21日，价值15000元，现金15万元，电话13812345679，第二百六十三条、"
    "第26条，驾驶甘A·12346号车，2008年起，联想M7202的电脑。",
}
_LAYOUT = re.compile(r"[\s\u00b7]+")


def text_of(raw: str) -> str:
    """What the engines compare: normalised, whitespace and middle dots being layout."""
    return _LAYOUT.sub("", normalize(raw))


def holding(phrase: str) -> set[int]:
    return {i for i, page in PAGES.items() if text_of(phrase) in text_of(page)}


def judgments_holding(phrase: str) -> set[int]:
    """The gold judgments with the phrase on one page, compared as the engines compare."""
    return {i for i, d in DOCS.items() if any(text_of(phrase) in text_of(p) for p in d.pages)}


def _doc(i: int, pages: list[str]) -> IndexDoc:
    return IndexDoc(i, i, None, f"{i}.pdf", None, None, "A", [], [], None, pages, [])


@pytest.fixture()
def mixed(empty: SearchBackend) -> SearchBackend:  # noqa: F811
    for i, page in PAGES.items():
        empty.index(_doc(i, [page]))
    return empty


def _cuts(text: str, sizes: tuple[int, ...], step: int) -> list[str]:
    return [text[i : i + n] for n in sizes for i in range(0, len(text) - n + 1, step)]


def test_every_cut_of_a_mixed_page_finds_exactly_the_pages_holding_it(
    mixed: SearchBackend,
) -> None:
    """The issue's misses (2018年7月21日 inside 至…日止, 项链（价值5000元, 某无证酒后驾驶蒙AD,
    7201的台式电脑主, 15年3月27日凌晨) and every other cut of 4, 6 and 10 characters."""
    cuts = _cuts(PAGES[1], (4, 6, 10), 2) + [
        "2018年7月21日", "项链（价值5000元", "某无证酒后驾驶蒙AD", "7201的台式电脑主",
        "15年3月27日凌晨", "自2008年起至", "甘A12345", "1231002X", "第264条", "第二百六十四条",
    ]  # fmt: skip
    for cut in cuts:
        if not any(c.isalnum() for c in cut):
            continue  # punctuation alone searches nothing
        result = mixed.search(SearchQuery(q=f'"{cut}"', size=10))
        assert set(ids(result)) == holding(cut), cut
        if 1 in holding(cut):
            hit = next(h for h in result.hits if h.document_id == 1)
            marked = re.findall("<em>(.*?)</em>", " ".join(hit.highlights))
            assert any(text_of(cut) in text_of(m) for m in marked), (cut, hit.highlights)


def test_highlight_marks_the_mixed_phrase_exactly(mixed: SearchBackend) -> None:
    for q, span in (
        ('"2018年7月21日"', "至<em>2018年7月21日</em>止"),
        ('"项链（价值5000元"', "金<em>项链（价值5000元</em>）"),
        ('"某无证酒后驾驶蒙AD"', "某<em>某无证酒后驾驶蒙AD</em>1234"),
        ("甘A12345", "驾驶<em>甘A·12345</em>号"),
        ('"15年3月27日凌晨"', "20<em>15年3月27日凌晨</em>2"),
    ):
        (hit,) = [h for h in mixed.search(SearchQuery(q=q)).hits if h.document_id == 1]
        assert span in " ".join(hit.highlights), (q, hit.highlights)


def test_near_misses_are_not_found(mixed: SearchBackend) -> None:
    for q in ("2018年7月12日", "价值500元", "13812345670", "第二百六十五条", "1.5万元", "15万元",
              "2008年起至", "M7202的台式"):
        assert find(mixed, f'"{q}"') == holding(q), q
    assert find(mixed, '"1.5万元"') == {1} and find(mixed, '"15万元"') == {2}


def test_chinese_quotation_marks_inside_a_phrase(mixed: SearchBackend) -> None:
    """Pasted text with “ ” and 「 」, quoted in ASCII quotes: no syntax error, found."""
    for q in ('"他称“不知情”，又称「未参与」"', '"称“不知情"', "“不知情”", "「未参与」", '"「未参与」。"'):
        result = mixed.search(SearchQuery(q=q))
        assert ids(result) == [1], q
        assert "<em>" in result.hits[0].highlights[0]


def test_one_character_is_found_at_the_end_of_a_run(empty: SearchBackend) -> None:  # noqa: F811
    empty.index(_doc(1, ["被告人张三"]))
    empty.index(_doc(2, ["三人作案"]))
    assert find(empty, "三") == {1, 2}
    assert find(empty, "张") == {1}


def test_an_ocr_line_break_inside_a_word(empty: SearchBackend) -> None:  # noqa: F811
    empty.index(_doc(1, ["被告人张\n三于2018年7月21\n日被抓获。"]))
    assert find(empty, "被告人张三") == {1}
    hit = empty.search(SearchQuery(q="张三")).hits[0]
    assert "<em>张\n三</em>" in hit.highlights[0] or "<em>张 三</em>" in hit.highlights[0]


def test_mixed_cuts_of_real_judgments_find_their_judgment(engine: SearchBackend) -> None:  # noqa: F811
    """Random cuts around a digit or Latin letter of the gold judgments: every judgment
    holding the cut on a page is found, and one that alone holds it comes first."""
    rng = random.Random(11)
    checked = 0
    for doc_id, doc in sorted(DOCS.items()):
        for page in doc.pages:
            anchors = [m.start() for m in re.finditer(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]", page)]
            for at in rng.sample(anchors, min(4, len(anchors))):
                size = rng.choice((4, 6, 10))
                start = max(0, min(at - rng.randrange(size), len(page) - size))
                cut = page[start : start + size].strip()
                if '"' in normalize(cut) or not cut:
                    continue
                expected = judgments_holding(cut)
                assert containing(cut) <= expected
                result = engine.search(SearchQuery(q=f'"{cut}"', size=100))
                assert expected <= set(ids(result)), cut
                if expected == {doc_id}:
                    assert ids(result)[0] == doc_id, cut
                checked += 1
    assert checked > 100


def test_nesting_beyond_the_limit_is_a_clear_error(engine: SearchBackend) -> None:  # noqa: F811
    """250 levels used to exhaust the parser's stack (a 500). The deepest allowed query runs
    on every engine (Elasticsearch caps nested boolean queries too)."""
    for depth in (MAX_DEPTH + 1, 250, 5000):
        with pytest.raises(QuerySyntaxError, match=f"查询嵌套过深（括号与 NOT 最多 {MAX_DEPTH} 层）"):
            engine.search(SearchQuery(q="(" * depth + "盗窃" + ")" * depth))
    deepest = "-(" * (MAX_DEPTH // 2) + "盗窃" + ")" * (MAX_DEPTH // 2)  # NOT NOT … = itself
    assert find(engine, deepest) == find(engine, "盗窃") == containing("盗窃")
    assert find(engine, "(" * MAX_DEPTH + "盗窃" + ")" * MAX_DEPTH) == containing("盗窃")


def test_many_words_are_refused_before_the_engine_fails(engine: SearchBackend) -> None:  # noqa: F811
    """1,000 words used to overflow SQLite's expression depth and the clusters' clause
    count (a 500)."""
    words = ["盗窃", "抢劫", *(f"张{i}某" for i in range(MAX_TERMS))]
    allowed = " OR ".join(words[:MAX_TERMS])
    assert find(engine, allowed) == containing("盗窃") | containing("抢劫")
    with pytest.raises(QuerySyntaxError, match="检索词过多"):
        engine.search(SearchQuery(q=" OR ".join(words * 20)))


def test_no_query_makes_an_engine_fail(mixed: SearchBackend) -> None:
    """Random search box input on every engine: results, or a QuerySyntaxError; never an
    engine error (a 500)."""
    pieces = [*"盗窃张三日止2018年aX \"“”「」()-:，。·*?\\", "AND", "OR", "NOT", "charge:", "year:",
              "case:", "court:", "2018年7月21日", "甘A·12345", "项链（价值5000元"]

    @given(st.lists(st.sampled_from(pieces), max_size=30).map("".join))
    @settings(max_examples=150, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(q: str) -> None:
        with contextlib.suppress(QuerySyntaxError):
            mixed.search(SearchQuery(q=q, size=3))

    run()

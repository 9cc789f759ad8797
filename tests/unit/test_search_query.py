"""Search box syntax: what users type and the errors they get back."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import query_tokens
from search.base import QuerySyntaxError
from search.query import (
    MAX_DEPTH,
    MAX_TERMS,
    And,
    Field,
    Not,
    Or,
    Text,
    parse,
    positive_texts,
)


def words(node: object) -> object:
    """The tree with each Text reduced to its raw text, for readable expectations."""
    if isinstance(node, Text):
        return node.text
    if isinstance(node, Field):
        return (node.name, node.value)
    if isinstance(node, Not):
        return ("NOT", words(node.child))
    if isinstance(node, And | Or):
        return (type(node).__name__, *map(words, node.children))
    return node


def test_empty_query_matches_everything() -> None:
    assert parse("") is None
    assert parse("   ") is None
    assert parse("， 。") is None  # only punctuation: nothing to search


def test_default_operator_is_and() -> None:
    assert words(parse("盗窃 张三")) == ("And", "盗窃", "张三")
    assert words(parse("盗窃 AND 张三")) == ("And", "盗窃", "张三")


def test_or_binds_looser_than_and() -> None:
    assert words(parse("盗窃 OR 抢劫 张三")) == ("Or", "盗窃", ("And", "抢劫", "张三"))
    assert words(parse("(盗窃 OR 抢劫) 张三")) == ("And", ("Or", "盗窃", "抢劫"), "张三")


def test_not_and_leading_minus() -> None:
    assert words(parse("盗窃 NOT 张三")) == ("And", "盗窃", ("NOT", "张三"))
    assert words(parse("盗窃 -张三")) == ("And", "盗窃", ("NOT", "张三"))
    assert words(parse("-(张三 OR 李四)")) == ("NOT", ("Or", "张三", "李四"))


def test_minus_inside_a_word_is_not_an_operator() -> None:
    node = parse("2018-05-29")
    assert isinstance(node, Text)
    assert node.tokens == ("20", "01", "18", "8", "－", "0", "05", "5", "－", "2", "29")


def test_lowercase_operator_words_are_plain_words() -> None:
    assert words(parse("gps and 定位")) == ("And", "gps", "and", "定位")


def test_unquoted_chinese_word_is_a_phrase_of_its_bigrams() -> None:
    node = parse("盗窃财物")
    assert isinstance(node, Text)
    assert node.tokens == ("盗窃", "窃财", "财物")
    assert node.term == "盗窃财物"


def test_a_mixed_phrase_is_the_query_tokens_of_its_text() -> None:
    node = parse('"项链（价值5000元"')
    assert isinstance(node, Text)
    assert node.tokens == (
        "项链", "链", "（", "价", "价值", "值", "5", "50", "00", "00", "0", "元")  # fmt: skip


def test_quoted_phrase_joins_chinese_across_spaces_and_full_width_forms_fold() -> None:
    node = parse('"被告人 周春寒"')
    assert isinstance(node, Text) and node.tokens == ("被告", "告人", "人周", "周春", "春寒")
    assert words(parse("（盗窃　ＯＲ　抢劫）")) == ("Or", "盗窃", "抢劫")


@pytest.mark.parametrize("quoted", ["“盗窃财物”", "「盗窃财物」", "『盗窃财物』", '"盗窃财物"'])
def test_chinese_quotation_marks_quote(quoted: str) -> None:
    node = parse(quoted)
    assert isinstance(node, Text) and node.text == "盗窃财物"
    assert words(parse(f"张三 {quoted}")) == ("And", "张三", "盗窃财物")
    assert words(parse(f"court:{quoted}")) == ("court", "盗窃财物")


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ('"他称“不知情”后离开"', "他称“不知情”后离开"),  # pasted from a judgment, in ASCII quotes
        ('"称「不知情」后"', "称「不知情」后"),
        ('"证人“张某”证实"', "证人“张某”证实"),
        ("“他称\"不知情\"后”", '他称"不知情"后'),  # ASCII quotes inside Chinese ones
    ],
)
def test_quotation_marks_inside_a_phrase_are_text(query: str, phrase: str) -> None:
    node = parse(query)
    assert isinstance(node, Text) and node.text == phrase
    assert node.tokens == tuple(query_tokens(phrase))  # the marks are punctuation there


def test_a_lone_chinese_quotation_mark_is_punctuation() -> None:
    for q in ("他称“不知情", "不知情”后", "「张三"):
        node = parse(q)
        assert isinstance(node, Text) and node.text == q


def test_single_char_is_flagged_for_prefix_matching() -> None:
    for q in ("盗", "5", "x", "（日）"):
        node = parse(q)
        assert isinstance(node, Text) and node.single_char, q
    for q in ("ab", "日止", "21日"):
        node = parse(q)
        assert isinstance(node, Text) and not node.single_char, q


def test_field_filters() -> None:
    q = 'charge:盗窃罪 court:"浙江省 嵊州市人民法院" doc_type:刑事判决书 year:2018 case:12'
    assert words(parse(q)) == (
        "And",
        ("charge", "盗窃罪"),
        ("court", "浙江省 嵊州市人民法院"),
        ("doc_type", "刑事判决书"),
        ("year", "2018"),
        ("case", "12"),
    )
    assert words(parse("charge：盗窃罪")) == ("charge", "盗窃罪")  # full-width colon
    assert words(parse("-type:判决书")) == ("NOT", ("doc_type", "判决书"))


def test_unknown_field_is_a_plain_word() -> None:
    node = parse("http://x 10:30")
    assert words(node) == ("And", "http://x", "10:30")


def test_positive_texts_skip_negated_words_and_fields() -> None:
    node = parse("盗窃 -张三 charge:盗窃罪 (李四 OR NOT 王五)")
    assert [t.text for t in positive_texts(node)] == ["盗窃", "李四"]
    assert [t.text for t in positive_texts(parse("-(-张三)"))] == ["张三"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"盗窃财物', '引号不成对：第 1 个字符处的 " 没有闭合'),
        ('盗窃 "财物" "张', '引号不成对：第 9 个字符处的 " 没有闭合'),
        ('"他称“不知情”', "引号不成对"),
        ("(盗窃 OR 抢劫", "括号不成对：第 1 个字符处的 ( 没有闭合"),
        ("盗窃)", "括号不成对：第 3 个字符处的 ) 没有对应的 ("),
        ("盗窃 AND", "AND 后面缺少检索词（查询已结束）"),
        ("OR 盗窃", "第 1 个字符处的 OR 前面缺少检索词"),
        ("盗窃 OR OR 抢劫", "OR 后面缺少检索词（第 7 个字符处是 OR）"),
        ("盗窃 AND OR 抢劫", "AND 后面缺少检索词"),
        ("盗窃 NOT", "NOT 后面缺少检索词"),
        ("盗窃 - 抢劫", "第 4 个字符处的 - 后面须紧跟检索词"),
        ("()", "( 后面缺少检索词"),
        ("charge:", "字段 charge: 缺少取值"),
        ("year:二〇一八", "字段 year: 的取值须为整数"),
        ("case:abc", "字段 case: 的取值须为整数"),
    ],
)
def test_invalid_syntax_raises_a_clear_error(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=re.escape(message)):
        parse(query)


def test_query_syntax_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse("(")


@pytest.mark.parametrize(
    "nest",
    [
        lambda n: "(" * n + "盗窃" + ")" * n,
        lambda n: "NOT " * n + "盗窃",
        lambda n: "-(" * (n // 2) + "盗窃" + ")" * (n // 2),
        lambda n: "(" * n + "张三 OR 盗窃" + ")" * n,
    ],
)
def test_nesting_is_capped_with_a_clear_error(nest: object) -> None:
    """250 levels used to exhaust the stack (RecursionError, a 500 from the API)."""
    assert callable(nest)
    assert parse(nest(MAX_DEPTH)) is not None  # the deepest allowed parses
    for depth in (MAX_DEPTH + 2, 250, 5000):
        with pytest.raises(QuerySyntaxError, match=f"查询嵌套过深（括号与 NOT 最多 {MAX_DEPTH} 层）"):
            parse(nest(depth))


def test_the_number_of_terms_is_capped_with_a_clear_error() -> None:
    """1,000 words used to fail inside the engines (SQLite's expression depth, the
    clusters' clause count): a 500."""
    assert parse(" ".join(f"张{i}" for i in range(MAX_TERMS))) is not None
    for q in (
        " ".join(f"张{i}" for i in range(MAX_TERMS + 1)),
        " OR ".join(f"张{i}" for i in range(1000)),
        " ".join(f"year:{2000 + i}" for i in range(MAX_TERMS + 1)),
    ):
        with pytest.raises(QuerySyntaxError, match=f"检索词过多（共 \\d+ 个，最多 {MAX_TERMS} 个）"):
            parse(q)


_PIECES = [*"盗窃张三日止2018年aX \"“”「」『』()（）-—:：，。·\n\t*?\\", "AND", "OR", "NOT", "charge:",
           "year:", "case:", "court:", "type:", "2018年7月21日", "甘A·12345"]


@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
@settings(max_examples=1500, deadline=None, database=None, derandomize=True)
def test_any_input_parses_or_gets_a_chinese_syntax_error(q: str) -> None:
    try:
        node = parse(q)
    except QuerySyntaxError as exc:
        assert any("\u4e00" <= c <= "\u9fff" for c in str(exc)), str(exc)
        return
    for text in positive_texts(node):
        assert text.has_words and text.tokens

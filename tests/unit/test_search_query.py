"""Search box syntax: what users type and the errors they get back."""

from __future__ import annotations

import re

import pytest

from search.base import QuerySyntaxError
from search.query import And, Field, Not, Or, Text, parse, positive_texts


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
    assert node.tokens == ("2018", "05", "29")


def test_lowercase_operator_words_are_plain_words() -> None:
    assert words(parse("gps and 定位")) == ("And", "gps", "and", "定位")


def test_unquoted_chinese_word_is_a_phrase_of_its_bigrams() -> None:
    node = parse("盗窃财物")
    assert isinstance(node, Text)
    assert node.tokens == ("盗窃", "窃财", "财物")
    assert node.term == "盗窃财物"


def test_quoted_phrase_keeps_spaces_and_full_width_forms_fold() -> None:
    node = parse('"被告人 周春寒"')
    assert isinstance(node, Text) and node.tokens == ("被告", "告人", "周春", "春寒")
    chinese_quotes = parse("“盗窃财物”")
    assert isinstance(chinese_quotes, Text) and chinese_quotes.text == "盗窃财物"
    assert words(parse("（盗窃　ＯＲ　抢劫）")) == ("Or", "盗窃", "抢劫")


def test_single_cjk_char_is_flagged_for_prefix_matching() -> None:
    node = parse("盗")
    assert isinstance(node, Text) and node.single_cjk
    node = parse("ab")
    assert isinstance(node, Text) and not node.single_cjk


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
        ('"盗窃财物', "unbalanced quote"),
        ('盗窃 "财物" "张', "unbalanced quote"),
        ("(盗窃 OR 抢劫", "unbalanced parenthesis"),
        ("盗窃)", "unbalanced parenthesis"),
        ("盗窃 AND", "AND needs a term after it"),
        ("OR 盗窃", "OR at position 1 needs a term before it"),
        ("盗窃 OR OR 抢劫", "OR needs a term after it"),
        ("盗窃 AND OR 抢劫", "AND needs a term after it"),
        ("盗窃 NOT", "NOT needs a term after it"),
        ("盗窃 - 抢劫", "'-' at position 4 must be directly followed by a term"),
        ("()", "'(' needs a term after it"),
        ("charge:", "needs a value"),
        ("year:二〇一八", "needs a whole number"),
        ("case:abc", "needs a whole number"),
    ],
)
def test_invalid_syntax_raises_a_clear_error(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=re.escape(message)):
        parse(query)


def test_query_syntax_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse("(")

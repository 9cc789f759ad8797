"""Copies of one judgment count once (similarity.copies): similar-case hits and a case's
sentences."""

from __future__ import annotations

from extraction.case_numbers import case_key
from similarity.copies import distinct, identity, sentences_once


def test_a_copy_of_the_query_and_a_second_copy_of_a_hit_are_left_out() -> None:
    ids = {
        1: identity(case_key("（2011）杭江刑初字第92号"), ["aa"]),  # the query
        2: identity(case_key("(2011)杭江刑初92号"), ["bb"]),  # the query's judgment, respelled
        3: identity(case_key("（2018）苏0282刑初899号"), ["cc"]),
        4: identity(None, ["cc"]),  # the same file in a case without a number
        5: identity(case_key("（2016）冀0821刑初74号"), ["dd"]),
    }
    hits = [(2, 0.99), (3, 0.9), (4, 0.89), (5, 0.5)]
    assert distinct(hits, ids, exclude=[1]) == [(3, 0.9), (5, 0.5)]
    assert distinct(hits, ids) == [(2, 0.99), (3, 0.9), (5, 0.5)]


def test_copies_chain() -> None:
    """A shares a file with B, B shares a number with C: all three are one judgment."""
    ids = {1: {"sha:x"}, 2: {"sha:x", "key:n"}, 3: {"key:n"}, 4: {"key:m"}}
    assert distinct([(2, 0.9), (3, 0.8), (4, 0.7)], ids, exclude=[1]) == [(4, 0.7)]


def test_no_marks_no_grouping() -> None:
    assert distinct([(1, 0.9), (2, 0.8)], {}) == [(1, 0.9), (2, 0.8)]
    assert identity(None, ["", "ab"]) == {"sha:ab"}


def sentence(name: str, months: int) -> dict[str, object]:
    return {"defendant": name, "principal": "有期徒刑", "term_months": months}


def test_each_defendant_sentenced_once_per_case() -> None:
    rows = [(10, "张某", sentence("张某", 10)), (10, "李某", sentence("李某", 8)),
            (11, "张某", sentence("张某", 10)), (11, "李某", sentence("李某", 8)),
            (12, "王某", sentence("王某", 6))]
    assert [s["defendant"] for s in sentences_once(rows)] == ["张某", "李某", "王某"]


def test_namesakes_in_one_judgment_stay_two() -> None:
    rows = [(10, "张某", sentence("张某", 10)), (10, "张某", sentence("张某", 12)),
            (11, "张某", sentence("张某", 10))]
    assert [s["term_months"] for s in sentences_once(rows)] == [10, 12]


def test_nameless_sentences_are_copies_only_when_equal() -> None:
    rows = [(10, "", sentence("", 10)), (11, "", sentence("", 10)), (11, " ", sentence("", 7))]
    assert [s["term_months"] for s in sentences_once(rows)] == [10, 7]

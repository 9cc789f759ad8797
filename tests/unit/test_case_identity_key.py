"""The case-number key (extraction.case_numbers): the spellings of one number that clerks, OCR
and older judgments produce give one key; different numbers of real judgments never share one."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from extraction.case_numbers import case_key, same_case, serial_of, year_of
from tests.support.env import GOLD, SHARED

#: the number in a judgment's first lines, any bracket
_HEADER_NUMBER = re.compile(r"[(\[（〔【［]\s*[0-9０-９]{4}\s*[)\]）〕】］][^，。；：\n]{1,40}?号")
_FULL = str.maketrans("0123456789()", "０１２３４５６７８９（）")


def gold_numbers() -> list[str]:
    """The hand-checked case numbers of the extraction gold set (real judgments)."""
    return sorted(json.loads(p.read_text())["case_number"]
                  for p in (GOLD / "labels").glob("*.json"))


def spellings(number: str) -> list[str]:
    """How the same number reaches the pool: typed half-width, OCR's 〔〕 and 【】, full-width
    digits, spaces, with and without the old 字第 marks."""
    half = number.replace("（", "(").replace("）", ")")
    out = [half, number.replace("（", "〔").replace("）", "〕"),
           number.replace("（", "【").replace("）", "】"), half.replace("(", "[").replace(")", "]"),
           half.translate(_FULL), " ".join(number), number.replace("号", " 号 "),
           number.removesuffix("号"), "\u3000" + number + "\n"]
    if "字第" in number:
        out += [number.replace("字第", ""), number.replace("字第", "第"), number.replace("字第", "字")]
    else:
        out.append(re.sub(r"(\d+)号$", r"字第\1号", number))
    return out


@pytest.mark.needs_shared("extraction_gold", "labels")
def test_every_spelling_of_a_real_number_gives_its_key() -> None:
    numbers = gold_numbers()
    assert len(numbers) == 40
    for number in numbers:
        key = case_key(number)
        assert key
        for variant in spellings(number):
            assert case_key(variant) == key, (number, variant)


@pytest.mark.needs_shared("extraction_gold", "labels")
def test_real_numbers_keep_distinct_keys() -> None:
    numbers = gold_numbers()
    assert len({case_key(n) for n in numbers}) == len(set(numbers))


@pytest.mark.slow
@pytest.mark.needs_shared("lecard", "corpus.jsonl.gz")
def test_no_two_lecard_judgments_share_a_key_unless_their_numbers_match() -> None:
    """6,428 real judgments: the key never merges two different numbers."""
    by_key: dict[str | None, set[str]] = {}
    with gzip.open(SHARED / "lecard" / "corpus.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            match = _HEADER_NUMBER.search(json.loads(line).get("qw", "")[:300])
            if match:
                by_key.setdefault(case_key(match.group()), set()).add(match.group())
    assert len(by_key) > 6000
    assert [v for v in by_key.values() if len(v) > 1] == []


@pytest.mark.parametrize(("a", "b"), [
    ("（2013）扬邗刑初字第0381号", "(2013)扬邗刑初381号"),  # judge-dca784b8: zeros, 字第
    ("（2011）雁刑初字第00133号", "（2011）雁刑初第133号"),  # lecard-21941
    ("（2014）闵刑（知）初字第64号", "(2014)闵刑(知)初64号"),  # LeCaRD 21997: a bracket inside
    ("（2016）赣0102刑初209、395号", "(2016)赣0102刑初209,395号"),  # LeCaRD 2731: two serials
    ("（2014）吉刑初字第55-1号", "（2014）吉刑初字第55－1号"),  # LeCaRD 30017: a part number
    ("杭桐检公诉刑诉〔2017〕73号", "杭桐检公诉刑诉[2017]73号"),  # an indictment's number
    ("（2017）沪0120刑初684号", "（２０１７）沪０１２０刑初６８４號"),
])
def test_spellings_of_one_number(a: str, b: str) -> None:
    assert same_case(a, b)


@pytest.mark.parametrize(("a", "b"), [
    ("（2017）沪0120刑初684号", "（2017）沪120刑初684号"),  # the court code keeps its zeros
    ("（2017）沪0120刑初684号", "（2018）沪0120刑初684号"),
    ("（2017）沪0120刑初684号", "（2017）沪0120刑终684号"),
    ("（2014）吉刑初字第55-1号", "（2014）吉刑初字第55号"),
    ("（2016）赣0102刑初209、395号", "（2016）赣0102刑初209号"),
])
def test_different_numbers(a: str, b: str) -> None:
    assert not same_case(a, b)


def test_blank_numbers_name_no_case() -> None:
    assert case_key(None) is None and case_key("") is None and case_key(" \u3000") is None
    assert not same_case(None, None) and not same_case("", "")


def test_serial_is_the_last_number_without_zeros() -> None:
    assert serial_of("（2015）宝中刑一终字第00026号") == "26"
    assert serial_of("（2017）沪0120刑初684号") == "684"
    assert serial_of("某某案") is None and serial_of(None) is None


def test_year_of_a_key() -> None:
    assert year_of(case_key("杭桐检公诉刑诉〔２０１７〕73号")) == "2017"
    assert year_of(case_key("（2015）宝中刑一终字第00026号")) == "2015"
    assert year_of(case_key("某某案")) is None and year_of(None) is None

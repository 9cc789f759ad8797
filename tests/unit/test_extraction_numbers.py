"""Chinese numerals, terms, dates and money as judgments write them (extraction.numbers)."""

from __future__ import annotations

import pytest

from extraction.numbers import (
    cn_int,
    find_dates,
    find_money,
    fold_width,
    parse_cn_date,
    parse_money,
    term_months,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("二千", 2000),
        ("十", 10),
        ("十五", 15),
        ("二十八", 28),
        ("一百二十", 120),
        ("二千零五", 2005),
        ("一千五", 1500),
        ("一万五", 15000),
        ("叁拾万", 300000),
        ("两万", 20000),
        ("1.2万", 12000),
        ("228.3万", 2283000),
        ("2446.5万", 24465000),
        ("二〇一七", 2017),
        ("二○一八", 2018),
        ("二O一二", 2012),  # OCR reads 〇 as the letter O
        ("２０１７", 2017),  # full-width digits
        ("100，000", 100000),  # 判处罚金人民币200，000元 (lecard-42771)
        ("3794044.84", 3794045),  # rounded half up
    ],
)
def test_cn_int(text: str, value: int) -> None:
    assert cn_int(text) == value


@pytest.mark.parametrize("text", ["", "元", "abc", "判处"])
def test_cn_int_rejects_non_numbers(text: str) -> None:
    assert cn_int(text) is None


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("一年六个月", 18),
        ("一年零六个月", 18),
        ("一年又六个月", 18),  # 判处有期徒刑一年又六个月 (lecard-10868)
        ("十一年零八个月", 140),
        ("十个月", 10),
        ("二年", 24),
        ("三年三个月", 39),
        ("1年6个月", 18),
        ("五个月", 5),
    ],
)
def test_term_months(text: str, months: int) -> None:
    assert term_months(text) == months
    assert type(term_months(text)) is int  # whole months stay an int


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("二个月十五日", 2.5),  # 判处拘役二个月十五日 (lecard-36115)
        ("三个月十五日", 3.5),
        ("一个月十日", 1.33),  # 拘役一个月十日: 10 / 30 months, two decimals
        ("二个月二十日", 2.67),
        ("八个月零二日", 8.07),  # 有期徒刑八个月零二日 (lecard-28363)
        ("一年零十日", 12.33),
        ("十一年十一个月二十九日", 143.97),
        ("六个月又十五天", 6.5),
        ("三个半月", 3.5),
    ],
)
def test_term_months_with_days_is_a_fraction(text: str, months: float) -> None:
    assert term_months(text) == months


def test_thirty_days_make_a_whole_month() -> None:
    assert term_months("二个月三十日") == 3 and type(term_months("二个月三十日")) is int


def test_term_months_none_without_a_term() -> None:
    assert term_months("无期徒刑") is None


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("二〇一七年六月二十八日", "2017-06-28"),
        ("2017年6月28日", "2017-06-28"),
        ("二○一八年三月二十七日", "2018-03-27"),
        ("二O一三年十二月十一日", "2013-12-11"),
        ("二0一四年一月十四日", "2014-01-14"),  # 即自二0一四年一月十四日起 (lecard-9295)
        ("２０１７年６月２８日", "2017-06-28"),
        ("1960年6月30日出生于浙江省桐庐县", "1960-06-30"),
        ("二〇一二年七月××日", "2012-07"),  # day not given: month precision only
    ],
)
def test_parse_cn_date(text: str, iso: str) -> None:
    assert parse_cn_date(text) == iso


def test_parse_cn_date_rejects_impossible_dates() -> None:
    assert parse_cn_date("199911月17日") is None
    assert parse_cn_date("2017年13月1日") is None


def test_find_dates_offsets() -> None:
    text = "审判长林高良 二〇一七年三月十六日 书记员陈亚平"
    [(iso, start, end)] = find_dates(text)
    assert iso == "2017-03-16"
    assert text[start:end] == "二〇一七年三月十六日"


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("并处罚金人民币二千元", 2000),
        ("并处罚金5000元", 5000),
        ("骗取被害人谢某1共计人民币52.3万元", 523000),
        ("1.2万元", 12000),
        ("并处罚金人民币叁拾万元整", 300000),
        ("判处罚金人民币200，000元", 200000),
        ("人民币100,000元", 100000),
        ("共计人民币3794044.84元", 3794045),
        ("十余万元", 100000),
        ("价值人民币3,472元", 3472),
    ],
)
def test_parse_money(text: str, yuan: int) -> None:
    assert parse_money(text) == yuan


def test_find_money_offsets() -> None:
    text = "判处有期徒刑八个月，并处罚金人民币二千元（刑期从判决执行之日起计算）"
    [(yuan, start, end)] = find_money(text)
    assert yuan == 2000
    assert text[start:end] == "人民币二千元"


def test_fold_width_keeps_length() -> None:
    text = "（２０１７）浙０１２２刑初７７号　ＡＢ"
    folded = fold_width(text)
    assert folded == "(2017)浙0122刑初77号 AB"
    assert len(folded) == len(text)


@pytest.mark.parametrize(("text", "months"), [
    ("一一年", 12),  # a fax's 一 read twice (lecard-41884: 判处有期徒刑一年，缓刑一一年)
    ("一一年六个月", 18),
    ("二二个月", 2),
    ("十一年", 132),  # written with 十: eleven years as courts write them
    ("11年", 132),
])
def test_term_with_a_digit_read_twice(text: str, months: int) -> None:
    assert term_months(text) == months

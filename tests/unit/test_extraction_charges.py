"""The charge list and charge names as courts write them (extraction.charges)."""

from __future__ import annotations

import pytest

from extraction.charges import canonical_charge, charge_list, find_charges, normalise_charge
from tests.support.env import need_shared


def test_charge_list_ships_with_the_package() -> None:
    charges = charge_list()
    assert len(charges) == 469
    assert "盗窃罪" in charges
    assert "走私、贩卖、运输、制造毒品罪" in charges
    assert all(c.endswith("罪") for c in charges)


def test_charge_list_is_the_shared_copy() -> None:
    source = need_shared("charges", "criminal_charges.txt")
    lines = [line.strip() for line in source.read_text(encoding="utf-8").splitlines()]
    assert list(charge_list()) == [line for line in lines if line]


def test_every_list_entry_is_its_own_canonical_form() -> None:
    charges = charge_list()
    assert len(charges) == 469
    for charge in charges:
        assert normalise_charge(charge) == charge
        assert canonical_charge(charge) == charge


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("盗窃", "盗窃罪"),
        ("盗窃罪", "盗窃罪"),
        ("盗\n窃罪", "盗窃罪"),
        ("盗 窃 罪。", "盗窃罪"),
        ("“盗窃罪”", "盗窃罪"),
        ("拒不执行判决、裁定罪", "拒不执行判决、裁定罪"),
        ("拒不执行判决，裁定罪", "拒不执行判决、裁定罪"),  # OCR comma for 、
        ("走私、贩卖、运输、制造毒品", "走私、贩卖、运输、制造毒品罪"),
        # a valid part of a selective charge stays as the court wrote it
        ("贩卖毒品罪", "贩卖毒品罪"),
        ("贩卖、运输毒品罪", "贩卖、运输毒品罪"),
        ("掩饰、隐瞒犯罪所得罪", "掩饰、隐瞒犯罪所得罪"),
        ("组织他人偷越国境罪", "组织他人偷越国境罪"),
        ("组织他人偷越国(边)境罪", "组织他人偷越国（边）境罪"),
        ("非法持有枪支罪", "非法持有枪支罪"),
    ],
)
def test_normalise_charge(written: str, normalised: str) -> None:
    assert normalise_charge(written) == normalised


@pytest.mark.parametrize("written", ["犯罪", "毒品罪", "贩毒罪", "盗窃抢劫罪", "", "abc"])
def test_normalise_charge_rejects_non_charges(written: str) -> None:
    assert normalise_charge(written) is None


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("贩卖毒品罪", "走私、贩卖、运输、制造毒品罪"),
        ("拒不执行判决罪", "拒不执行判决、裁定罪"),
        ("掩饰、隐瞒犯罪所得罪", "掩饰、隐瞒犯罪所得、犯罪所得收益罪"),
        ("组织他人偷越国境罪", "组织他人偷越国（边）境罪"),
        ("非法持有枪支罪", "非法持有、私藏枪支、弹药罪"),
        ("盗窃", "盗窃罪"),
    ],
)
def test_canonical_charge(written: str, canonical: str) -> None:
    assert canonical_charge(written) == canonical


def test_find_charges_in_a_verdict() -> None:
    # lecard-13164: several defendants, one with two charges
    text = (
        "被告人毛毅平犯寻衅滋事罪，判处有期徒刑七个月。被告人赵垂峰犯寻衅滋事罪，判处有期徒刑七个月；"
        "犯故意毁坏财物罪，判处有期徒刑三年，决定执行有期徒刑三年三个月。"
    )
    found = find_charges(text)
    assert [c for c, _, _ in found] == ["寻衅滋事罪", "寻衅滋事罪", "故意毁坏财物罪"]
    for charge, start, end in found:
        assert text[start:end] == charge


def test_find_charges_tolerates_line_breaks_and_keeps_offsets() -> None:
    text = "被告人马保全犯拒不执行判决、裁\n定罪，判处有期徒刑一年又六个月；另犯非法持\n有毒品罪"
    found = find_charges(text)
    assert [c for c, _, _ in found] == ["拒不执行判决、裁定罪", "非法持有毒品罪"]
    charge, start, end = found[0]
    assert text[start:end].replace("\n", "") == charge


def test_find_charges_prefers_the_longest_name() -> None:
    found = find_charges("犯非法持有毒品罪")
    assert [c for c, _, _ in found] == ["非法持有毒品罪"]
    assert find_charges("被告人犯罪后自首") == []


def test_cail2018_charge_names_normalise() -> None:
    """CAIL2018 labels charges without 罪; nearly all of them are list entries or valid parts."""
    accu = need_shared("cail2018", "accu.txt")
    names = [line.strip() for line in accu.read_text(encoding="utf-8").splitlines() if line.strip()]
    known = [name for name in names if normalise_charge(name) is not None]
    # 9 of 202 are merged or pre-2015 names (窝藏、转移、收购、销售赃物, 非法获取公民个人信息, …)
    assert len(known) / len(names) >= 0.95

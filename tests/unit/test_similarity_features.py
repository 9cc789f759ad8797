"""Structured case features and agreement, on real judgments and the charge list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from similarity.features import (
    CaseFeatures,
    agreement,
    alcohol_in_text,
    amount_in_text,
    charge_similarity,
    charges_in_text,
    circumstances_in_text,
    from_fields,
    from_text,
    grams_in_text,
    normalise_charge,
)


@pytest.fixture(scope="module")
def vocab(shared_data: Path) -> tuple[str, ...]:
    lines = (shared_data / "charges" / "criminal_charges.txt").read_text("utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip())


def test_charge_names_as_written_map_to_the_list(vocab: tuple[str, ...]) -> None:
    assert normalise_charge("贩卖毒品罪", vocab) == "走私、贩卖、运输、制造毒品罪"
    assert normalise_charge("盗窃", vocab) == "盗窃罪"
    assert normalise_charge("不存在的罪", vocab) == "不存在的罪"
    text = "被告人张某犯盗窃罪，判处有期徒刑七个月；被告人李某犯贩卖毒品罪，判处有期徒刑一年。"
    assert charges_in_text(text, vocab) == ["盗窃罪", "走私、贩卖、运输、制造毒品罪"]


def test_amounts_weights_alcohol_and_circumstances() -> None:
    assert amount_in_text("盗窃现金人民币3,500元及价值1.2万元的手机") == 12000.0
    assert amount_in_text("无") is None
    assert grams_in_text("贩卖甲基苯丙胺0.5克，另查获1.2千克") == 1200.0
    assert alcohol_in_text("经检验，其血液中乙醇含量为201.1毫克／100毫升") == 201.1
    found = circumstances_in_text("被告人到案后如实供述，系自首，取得被害人谅解；不构成累犯")
    assert {"坦白", "自首", "取得谅解"} <= found and "累犯" not in found


def test_features_from_gold_fields_and_verdicts(shared_data: Path, vocab: tuple[str, ...]) -> None:
    gold = shared_data / "extraction_gold"
    fields = json.loads((gold / "labels" / "lecard-2339.json").read_text("utf-8"))
    f = from_fields(fields, "", vocab)
    assert f.charges == ("走私、贩卖、运输、制造毒品罪",)
    drunk = json.loads((gold / "labels" / "lecard-19303.json").read_text("utf-8"))
    fd = from_fields(drunk, "", vocab)
    assert fd.charges == ("危险驾驶罪",) and fd.blood_alcohol
    text = (gold / "texts" / "lecard-12174.txt").read_text("utf-8")
    ft = from_text(text, vocab, verdict=text[text.index("判决如下"):])
    assert ft.charges == ("盗窃罪",)


def test_agreement_prefers_same_charges(vocab: tuple[str, ...]) -> None:
    q = CaseFeatures(charges=("盗窃罪",), circumstances=frozenset({"自首"}), amount_yuan=3000)
    same = CaseFeatures(charges=("盗窃罪",), circumstances=frozenset({"自首"}), amount_yuan=3500)
    other = CaseFeatures(charges=("危险驾驶罪",), amount_yuan=3000)
    a, b = agreement(q, same), agreement(q, other)
    assert a.charges == 1.0 and a.exact_charges == 1.0 and b.charges == 0.0
    assert a.shared_charges == ("盗窃罪",) and a.shared_circumstances == ("自首",)
    assert a.amount is not None and 0.9 < a.amount < 1.0
    assert 0.3 < charge_similarity("信用卡诈骗罪", "诈骗罪") < 1.0
    assert agreement(CaseFeatures(), same).charges == 0.0
    assert a.to_dict()["shared_charges"] == ["盗窃罪"]

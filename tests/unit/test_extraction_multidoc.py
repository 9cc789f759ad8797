"""Uploads that hold several documents (extraction.multidoc, classify.split_documents): real
judgments cut into pages are never split; an indictment followed by a real judgment is."""

from __future__ import annotations

import gzip
import json

import pytest

from benchmarks.extraction import ocr_layout
from extraction.classify import opens_document, split_documents
from extraction.multidoc import extract_upload
from extraction.paths import valid
from extraction.rules import RuleExtractor
from tests.support.env import GOLD, need_shared
from tests.support.texts import FORMS, RULING

needs_gold = pytest.mark.needs_shared("extraction_gold", "labels")
JUDGMENT = "lecard-12174"  # one defendant, 盗窃罪


def _pages(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _gold(doc_id: str) -> tuple[str, dict[str, object]]:
    text = (GOLD / "texts" / f"{doc_id}.txt").read_text(encoding="utf-8")
    return text, json.loads((GOLD / "labels" / f"{doc_id}.json").read_text(encoding="utf-8"))


def test_first_pages_open_documents_and_running_text_does_not() -> None:
    for kind, form in FORMS.items():
        assert opens_document(form) == (kind != "其他"), kind  # 送达回证 is no kind of ours
    assert opens_document(RULING)
    # titles inside running text: an evidence heading, a list of documents, a quoted title
    assert not opens_document("被害人表示希望从轻处罚。\n（二）鉴定意见\n吴忠市公安局刑事科学技术研究所…")
    assert not opens_document("5、鉴定意见\n法医学人体损伤程度鉴定书，证实伤者陈某…")
    assert not opens_document("6、北京市公安局朝阳分局起诉意见书、立案决定书、逮捕证等法律手续，证明…")
    assert not opens_document("院刑事判决书、北京市高级人民法院刑事裁定书证明：法院认定…")


@needs_gold
def test_real_judgments_cut_into_pages_stay_one_document() -> None:
    paths = sorted((GOLD / "texts").glob("*.txt"))
    assert len(paths) >= 40
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert opens_document(text), path.stem
        for pages in (_pages(text, 700), _pages(text, 1500), ocr_layout(text)):
            parts = split_documents(pages)
            assert [(p.first, p.last) for p in parts] == [(1, len(pages))], path.stem
    corpus = need_shared("lecard", "corpus.jsonl.gz")
    seen = 0
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:  # 300 unseen judgments
        for n, line in zip(range(300), fh, strict=False):
            text = json.loads(line).get("qw") or ""
            assert len(split_documents(_pages(text, 700))) <= 1, n
            seen += 1
    assert seen == 300


@needs_gold
def test_an_indictment_followed_by_a_judgment_is_two_documents() -> None:
    text, gold = _gold(JUDGMENT)
    judgment = _pages(text, len(text) // 2 + 1)
    pages = [FORMS["起诉书"], *judgment]
    parts = split_documents(pages)
    assert [(p.first, p.last, p.kind.kind) for p in parts] == [
        (1, 1, "起诉书"), (2, len(pages), "刑事判决书")]
    assert all(p.kind.confidence >= 0.9 for p in parts)

    result = extract_upload(RuleExtractor(), pages)
    assert result.doc_kind == "刑事判决书"  # the judgment leads the bundle
    fields = result.fields
    assert fields["parts"] == [
        {"first": 1, "last": 1, "kind": "起诉书", "confidence": parts[0].kind.confidence,
         "primary": False},
        {"first": 2, "last": len(pages), "kind": "刑事判决书",
         "confidence": parts[1].kind.confidence, "primary": True}]
    assert fields["case_number"] == gold["case_number"]
    assert [d["name"] for d in fields["defendants"]] == [
        d["name"] for d in gold["defendants"]]  # type: ignore[attr-defined]
    assert fields["defendants"][0]["charges"] == ["盗窃罪"]
    # provenance pages count from the start of the upload
    prov = result.provenance["case_number"]
    assert prov.page == 2 and pages[1][prov.start : prov.end] == gold["case_number"]
    title = result.provenance["parts/0/kind"]
    assert (title.page, pages[0][title.start : title.end]) == (1, "起 诉 书")
    assert result.provenance["parts/1/kind"].page == 2
    assert result.evidence and all(item["page"] >= 2 for item in result.evidence)
    # a clerk may correct the kind of one range
    assert valid("parts/0/kind", "起诉意见书") and not valid("parts/0/kind", "判决")
    assert not valid("parts/0/first", 2)


@needs_gold
def test_a_single_document_has_no_parts() -> None:
    text, _ = _gold(JUDGMENT)
    result = extract_upload(RuleExtractor(), _pages(text, 900))
    assert "parts" not in result.fields
    assert result.fields == RuleExtractor().extract(_pages(text, 900)).fields

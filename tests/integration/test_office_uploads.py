"""OFD and DOCX uploads through the API like any PDF: stored, read without OCR, fields
extracted, searchable; the original downloads as sent, and the page view shows text (no image)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.scans.office import docx, ofd
from tests.support.api import Api
from tests.support.env import need_shared

pytestmark = pytest.mark.needs_shared("extraction_gold", "texts")


@pytest.mark.parametrize("make,name", [(ofd, "判决书.ofd"), (docx, "判决书.docx")],
                         ids=["ofd", "docx"])
def test_an_office_judgment_is_processed_and_found(api_client: Callable[..., Api],
                                                   make: Callable[..., bytes], name: str) -> None:
    api = api_client(("clerk_a", "clerk", "A"), act_as="clerk_a", task_always_eager="true")
    text = (need_shared("extraction_gold", "texts") / "lecard-12174.txt").read_text("utf-8")
    sentences = [s + "。" for s in text.replace("\n", "").split("。") if s.strip()]
    half = len(sentences) // 2
    data = make(["\n".join(sentences[:half]), "\n".join(sentences[half:])])
    r = api.client.post("/api/v1/documents", files={"file": (name, data)})
    assert r.status_code == 202, r.text
    doc_id = r.json()["document_id"]
    doc = api.client.get(f"/api/v1/documents/{doc_id}").json()
    assert doc["status"] == "processed", doc
    assert doc["page_count"] == 2 and doc["doc_type"] == "刑事判决书"
    assert doc["fields"]["case_number"] == "（2019）苏0282刑初48号"
    hits = api.client.get("/api/v1/search", params={"q": "旋磁式糖尿病治疗仪"}).json()["hits"]
    assert [h["document_id"] for h in hits] == [doc_id]
    original = api.client.get(f"/api/v1/documents/{doc_id}/file")
    assert original.status_code == 200 and original.content == data
    page = api.client.get(f"/api/v1/documents/{doc_id}/pages/1")
    assert page.status_code == 200 and page.json()["method"] == "text_layer"
    pdf = api.client.get(f"/api/v1/documents/{doc_id}/searchable.pdf")
    assert pdf.status_code in (409, 422) and "没有页面图像" in pdf.json()["detail"]
    api.client.cookies.set("dossier_token", api.tokens["clerk_a"])
    png = api.client.get(f"/documents/{doc_id}/pages/1.png")
    assert png.status_code in (404, 422) and "没有页面图像" in png.text
    view = api.client.get(f"/documents/{doc_id}")
    assert view.status_code == 200 and "宜兴市人民法院" in view.text

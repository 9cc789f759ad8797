"""Marks on a page (ocr/marks.py, issue 19) through the service: an uploaded hand-filled 讯问笔录
scan stores its 捺印, 印章 and signature with the page (and which lines are handwritten), the
page API returns them and the page view draws them with their Chinese names."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from tests.scans.handwriting import render_record_marks
from tests.support.api import Api
from tests.support.env import need_shared

pytestmark = pytest.mark.needs_shared("extraction_gold", "texts")


def test_marks_are_stored_returned_and_shown(api_client: Callable[..., Api]) -> None:
    api = api_client(("clerk_a", "clerk", "A"), act_as="clerk_a", task_always_eager="true")
    text = sorted(need_shared("extraction_gold", "texts").glob("*.txt"))[1].read_text("utf-8-sig")
    img, _, drawn = render_record_marks(text, seed=1)  # blue ink, two prints and a seal
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(300, 300))
    r = api.client.post("/api/v1/documents", files={"file": ("讯问笔录.png", buf.getvalue())})
    assert r.status_code == 202, r.text
    doc_id = r.json()["document_id"]
    page = api.client.get(f"/api/v1/documents/{doc_id}/pages/1").json()
    kinds = sorted(m["kind"] for m in page["marks"])
    assert kinds == ["fingerprint", "fingerprint", "seal", "signature"]
    assert {"fingerprint", "seal", "signature", "handwriting"} <= set(page["flags"])
    assert any(ln.get("handwritten") for ln in page["lines"])  # the mark is stored too
    api.client.cookies.set("dossier_token", api.tokens["clerk_a"])
    view = api.client.get(f"/documents/{doc_id}").text
    assert view.count('class="mark fingerprint"') == 2 and 'class="mark seal"' in view
    assert "<title>捺印</title>" in view and "<title>签名</title>" in view
    assert "捺印 2、印章 1、签名 1" in view
    assert view.count(" hand\"") >= 3  # handwritten lines drawn as such

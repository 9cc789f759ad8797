"""A user's own notes and tags on documents and cases, and saved searches: through the API and
the pages, private to their author, only on what the author may see."""

from __future__ import annotations

import re
from collections.abc import Callable

from models.db import session_scope
from tests.support.api import Api


def _doc(api: Api, agency: str) -> tuple[int, int]:
    import hashlib

    from models.schema import Agency, Case, Document

    with session_scope(api.settings.db_url) as s:
        ag = s.query(Agency).filter_by(code=agency).one()
        case = Case(case_number=f"（2025）{agency}刑初1号", agency_id=ag.id)
        s.add(case)
        s.flush()
        doc = Document(case_id=case.id, filename="判决书.pdf", sha256=hashlib.sha256(
            agency.encode()).hexdigest(), mime="application/pdf", size=1, page_count=1,
            status="processed", doc_type="刑事判决书", fields={})
        s.add(doc)
        s.flush()
        return case.id, doc.id


def test_notes_tags_and_saved_searches_are_private(api_client: Callable[..., Api]) -> None:
    api = api_client(("clerk_a", "clerk", "A"), ("pros_a", "prosecutor", "A"),
                     ("clerk_b", "clerk", "B"))
    case_a, doc_a = _doc(api, "A")
    _, doc_b = _doc(api, "B")
    c, h = api.client, api.auth("clerk_a")
    r = c.post(f"/api/v1/annotations/document/{doc_a}/notes", json={"text": "第3页被告人年龄待核"},
               headers=h)
    assert r.status_code == 201 and r.json()["text"] == "第3页被告人年龄待核"
    note_id = r.json()["id"]
    assert c.put(f"/api/v1/annotations/document/{doc_a}/tags/待补证", headers=h).json() == {
        "tags": ["待补证"]}
    assert c.put(f"/api/v1/annotations/case/{case_a}/tags/待补证", headers=h).status_code == 200
    assert c.put(f"/api/v1/annotations/case/{case_a}/tags/待补证", headers=h).json()["tags"] == [
        "待补证"]  # once
    tagged = c.get("/api/v1/tags/待补证", headers=h).json()
    assert {(t["object_type"], t["object_id"]) for t in tagged} == {("document", doc_a),
                                                                     ("case", case_a)}
    assert c.get("/api/v1/tags", headers=h).json() == [{"tag": "待补证", "count": 2}]
    # a colleague of the same agency sees none of it; another agency cannot even reach it
    mine = c.get(f"/api/v1/annotations/document/{doc_a}", headers=api.auth("pros_a")).json()
    assert mine["notes"] == [] and mine["tags"] == []
    assert c.delete(f"/api/v1/notes/{note_id}", headers=api.auth("pros_a")).status_code == 404
    r = c.post(f"/api/v1/annotations/document/{doc_b}/notes", json={"text": "x"}, headers=h)
    assert r.status_code == 404 and "不存在" in r.json()["detail"]
    assert c.put(f"/api/v1/annotations/document/{doc_a}/tags/%20", headers=h).status_code == 422
    # saved searches: named, replaced by name, run from the page, deleted
    r = c.post("/api/v1/saved-searches", json={"name": "醉驾未缓刑",
                                                "params": {"q": "醉酒 -缓刑", "court": "某法院",
                                                           "evil": "x"}}, headers=h)
    assert r.status_code == 201 and r.json()["params"] == {"q": "醉酒 -缓刑", "court": "某法院"}
    c.post("/api/v1/saved-searches", json={"name": "醉驾未缓刑", "params": {"q": "醉酒"}},
           headers=h)
    saved = c.get("/api/v1/saved-searches", headers=h).json()
    assert [(x["name"], x["params"]) for x in saved] == [("醉驾未缓刑", {"q": "醉酒"})]
    assert c.get("/api/v1/saved-searches", headers=api.auth("pros_a")).json() == []

    # the pages: notes and tags on the document page, forms that post and come back
    c.cookies.set("dossier_token", api.tokens["clerk_a"])
    same = {"Origin": "http://testserver"}
    page = c.get(f"/documents/{doc_a}").text
    assert "我的备注与标签" in page and "第3页被告人年龄待核" in page and 'href="/tags/' in page
    r = c.post(f"/web/annotations/case/{case_a}/notes", data={"text": "开庭前再看一遍"},
               headers=same, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/cases/{case_a}")
    assert "开庭前再看一遍" in c.get(f"/cases/{case_a}").text
    r = c.post(f"/web/annotations/case/{case_a}/tags", data={"tag": "待补证", "remove": "true"},
               headers=same, follow_redirects=True)
    assert r.status_code == 200
    assert [t["object_type"] for t in c.get("/api/v1/tags/待补证", headers=h).json()] == [
        "document"]
    tag_page = c.get("/tags/待补证").text
    assert re.search(rf'href="/documents/{doc_a}">判决书.pdf<', tag_page)
    r = c.post("/web/saved-searches", data={"name": "盗窃", "query": "q=盗窃&charge=盗窃罪"},
               headers=same, follow_redirects=True)
    assert "已保存检索「盗窃」" in r.text and "保存的检索" in r.text
    assert c.post("/web/saved-searches", data={"name": "x", "query": "q=1"},
                  headers={"Origin": "https://evil.example"}).status_code == 403

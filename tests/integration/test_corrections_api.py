"""Clerks correct extracted fields through the API (Celery eager mode, a real judgment upload):
the correction is stored as such, audited, rewrites the party rows and survives a re-run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models.db import session_scope
from models.schema import AuditEvent, Charge, EvidenceItem, FieldValue, Party, Sentence
from tests.support.api import Api

pytestmark = pytest.mark.slow

JUDGMENT = "lecard-12174"  # one defendant, 盗窃罪


@pytest.fixture
def api(api_client: Callable[..., Api]) -> Api:
    return api_client(("clerk1", "clerk", "A"), ("judge1", "judge", "A"), ("clerk2", "clerk", "B"),
                      act_as="clerk1", task_always_eager="true")


def _upload(api: Api, shared_data: Path) -> dict[str, Any]:
    text = (shared_data / "extraction_gold" / "texts" / f"{JUDGMENT}.txt").read_bytes()
    r = api.client.post("/api/v1/documents", files={"file": ("j.txt", text)})
    assert r.status_code == 202, r.text
    assert api.client.get(f"/api/v1/tasks/{r.json()['task_id']}").json()["state"] == \
        "succeeded"
    return dict(r.json())


def test_correction_is_stored_audited_and_survives_a_rerun(api: Api,
                                                           shared_data: Path) -> None:
    c, db_url = api.client, api.settings.db_url
    doc_id = _upload(api, shared_data)["document_id"]
    doc = c.get(f"/api/v1/documents/{doc_id}").json()
    assert doc["doc_type"] == "刑事判决书" and doc["doc_type_confidence"] >= 0.9
    original_term = doc["fields"]["defendants"][0]["sentence"]["term_months"]

    r = c.put(f"/api/v1/documents/{doc_id}/fields/defendants/0/name", json={"value": "张某甲"})
    assert r.status_code == 200, r.text
    r = c.put(f"/api/v1/documents/{doc_id}/fields/defendants/0/sentence/term_months",
              json={"value": 99})
    assert r.status_code == 200, r.text
    # a second correction of the same path replaces the first
    r = c.put(f"/api/v1/documents/{doc_id}/fields/defendants/0/charges",
              json={"value": ["抢劫罪"]})
    r = c.put(f"/api/v1/documents/{doc_id}/fields/defendants/0/charges",
              json={"value": ["诈骗罪"]})
    assert r.status_code == 200, r.text
    r = c.put(f"/api/v1/documents/{doc_id}/fields/doc_type", json={"value": "刑事裁定书"})
    assert r.status_code == 200 and r.json()["doc_type"] == "刑事裁定书"

    with session_scope(db_url) as s:
        rows = s.execute(select(FieldValue).where(FieldValue.document_id == doc_id,
                                                  FieldValue.corrected.is_(True))).scalars()
        corrected = {fv.path: fv.value for fv in rows}
        assert corrected == {"defendants/0/name": "张某甲",
                             "defendants/0/sentence/term_months": 99,
                             "defendants/0/charges": ["诈骗罪"], "doc_type": "刑事裁定书"}
        names = s.execute(select(Party.name).where(Party.document_id == doc_id,
                                                   Party.role == "defendant")).scalars().all()
        assert names == ["张某甲"]
        assert s.execute(select(Charge.name).where(Charge.document_id == doc_id)
                         ).scalars().all() == ["诈骗罪"]
        assert s.execute(select(Sentence.term_months).where(Sentence.document_id == doc_id)
                         ).scalars().all() == [99]
        events = s.execute(select(AuditEvent).where(AuditEvent.action == "field.correct")
                           ).scalars().all()
        assert len(events) == 5
        assert events[1].detail == {"path": "defendants/0/sentence/term_months",
                                    "before": original_term, "after": 99}

    def check() -> None:
        got = c.get(f"/api/v1/documents/{doc_id}").json()
        d = got["fields"]["defendants"][0]
        assert d["name"] == "张某甲" and d["charges"] == ["诈骗罪"]
        assert d["sentence"]["term_months"] == 99
        assert got["fields"]["doc_type"] == "刑事裁定书" and got["doc_type"] == "刑事裁定书"
        assert got["provenance"]["defendants/0/name"]["corrected"] is True
        assert got["fields"]["court"]  # untouched fields keep the machine's value

    check()
    r = c.post(f"/api/v1/documents/{doc_id}/retry")
    assert r.status_code == 202
    assert c.get(f"/api/v1/tasks/{r.json()['task_id']}").json()["state"] == "succeeded"
    check()
    with session_scope(db_url) as s:
        assert s.execute(select(Charge.name).where(Charge.document_id == doc_id)
                         ).scalars().all() == ["诈骗罪"]
        evidence = s.execute(select(EvidenceItem.kind).where(EvidenceItem.document_id == doc_id)
                             .order_by(EvidenceItem.position)).scalars().all()
        assert evidence[0] == "被害人陈述" and "视听资料/电子数据" in evidence
    hits = c.get("/api/v1/search", params={"q": "盗窃", "charge": "诈骗罪"}).json()["hits"]
    assert [h["document_id"] for h in hits] == [doc_id]


def test_bad_paths_roles_and_other_agencies(api: Api, shared_data: Path) -> None:
    c, tokens = api.client, api.tokens
    doc_id = _upload(api, shared_data)["document_id"]
    url = f"/api/v1/documents/{doc_id}/fields"
    for path, value in (("no_such_field", "x"), ("defendants/0/shoe_size", 3),
                        ("defendants/x/name", "a"), ("doc_id", "x")):
        assert c.put(f"{url}/{path}", json={"value": value}).status_code == 422, path
    for path, value in (("defendants/0/sentence/term_months", "十个月"),
                        ("defendants/0/gender", "X"), ("judgment_date", "2017年")):
        assert c.put(f"{url}/{path}", json={"value": value}).status_code == 422, path
    judge = {"Authorization": f"Bearer {tokens['judge1']}"}
    assert c.put(f"{url}/court", json={"value": "x法院"}, headers=judge).status_code == 403
    other = {"Authorization": f"Bearer {tokens['clerk2']}"}
    assert c.put(f"{url}/court", json={"value": "x法院"}, headers=other).status_code == 404
    assert c.put("/api/v1/documents/9999/fields/court", json={"value": "x"}).status_code == 404
    with session_scope(api.settings.db_url) as s:
        assert s.execute(select(FieldValue).where(FieldValue.corrected.is_(True))).first() is None

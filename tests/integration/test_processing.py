"""Processing in-process (Celery eager mode) through the HTTP API: idempotent re-runs,
corrections that survive re-extraction, retries of transient faults, failures with a reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from models.db import session_scope
from models.schema import Charge, FieldValue, Page, Party, Sentence
from tests.support.api import Api

pytestmark = pytest.mark.slow

JUDGMENT = "lecard-12174"  # one defendant, 盗窃罪


def _counts(db_url: str, doc_id: int) -> dict[str, int]:
    with session_scope(db_url) as s:
        return {m.__name__: s.execute(select(func.count()).select_from(m)
                                      .where(m.document_id == doc_id)).scalar_one()
                for m in (Page, Party, Charge, Sentence, FieldValue)}


def _upload(api: Api, shared_data: Path) -> dict[str, Any]:
    text = (shared_data / "extraction_gold" / "texts" / f"{JUDGMENT}.txt").read_bytes()
    r = api.client.post("/api/v1/documents", files={"file": ("j.txt", text)})
    assert r.status_code == 202, r.text
    return dict(r.json())


def test_rerun_replaces_rows_and_corrections_win(eager: Callable[..., Api],
                                                 shared_data: Path) -> None:
    api = eager()
    up = _upload(api, shared_data)
    c = api.client
    assert c.get(f"/api/v1/tasks/{up['task_id']}").json()["state"] == "succeeded"
    doc = c.get(f"/api/v1/documents/{up['document_id']}").json()
    assert doc["fields"]["defendants"][0]["charges"] == ["盗窃罪"]
    assert doc["provenance"]["case_number"]["page"] == 1
    assert doc["evidence"] and all(e["page"] == 1 and e["text"] for e in doc["evidence"])
    page = c.get(f"/api/v1/documents/{up['document_id']}/pages/1").json()
    assert page["method"] == "plain_text"
    prov = doc["provenance"]["case_number"]
    assert page["text"][prov["start"]:prov["end"]] == doc["fields"]["case_number"]
    before = _counts(api.settings.db_url, up["document_id"])
    assert before["Page"] == 1 and before["Party"] >= 1 and before["Charge"] == 1

    # a clerk's correction (the correction endpoint comes with the extraction issue)
    with session_scope(api.settings.db_url) as s:
        s.add(FieldValue(document_id=up["document_id"], path="defendants/0/name", value="张某甲",
                         extractor="clerk", corrected=True))
    r = c.post(f"/api/v1/documents/{up['document_id']}/retry")
    assert r.status_code == 202
    assert c.get(f"/api/v1/tasks/{r.json()['task_id']}").json()["state"] == "succeeded"
    after = _counts(api.settings.db_url, up["document_id"])
    assert after == dict(before, FieldValue=before["FieldValue"] + 1)
    doc = c.get(f"/api/v1/documents/{up['document_id']}").json()
    assert doc["fields"]["defendants"][0]["name"] == "张某甲"
    assert doc["provenance"]["defendants/0/name"]["corrected"] is True
    case = c.get(f"/api/v1/cases/{up['case_id']}").json()
    assert [p["defendant"] for p in case["sentences"]] == ["张某甲"]
    from models.schema import AuditEvent

    with session_scope(api.settings.db_url) as s:  # every read of the dossier is audited
        actions = set(s.execute(select(AuditEvent.action)).scalars())
    assert {"document.upload", "document.read", "page.read", "case.read",
            "document.retry"} <= actions


def test_transient_fault_is_retried(eager: Callable[..., Api], shared_data: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Fault injection: the search engine refusing one connection cannot be produced for real
    # with the embedded engine, so the index stage raises ConnectionError once.
    from services import processing as pipeline

    real = pipeline.STAGE_FUNCS["index"]
    calls: list[int] = []

    def flaky(settings: Any, task_id: int) -> None:
        calls.append(task_id)
        if len(calls) == 1:
            raise ConnectionError("search engine refused the connection")
        real(settings, task_id)

    monkeypatch.setitem(pipeline.STAGE_FUNCS, "index", flaky)
    api = eager()
    up = _upload(api, shared_data)
    task = api.client.get(f"/api/v1/tasks/{up['task_id']}").json()
    assert task["state"] == "succeeded", task
    assert len(calls) == 2
    hits = api.client.get("/api/v1/search", params={"q": "盗窃"}).json()["hits"]
    assert [h["document_id"] for h in hits] == [up["document_id"]]


def test_permanent_failure_keeps_the_original_and_retry_recovers(
        eager: Callable[..., Api], shared_data: Path, tmp_path: Path) -> None:
    api = eager(embedding_model=str(tmp_path / "no-such-model"))
    up = _upload(api, shared_data)
    c = api.client
    task = c.get(f"/api/v1/tasks/{up['task_id']}").json()
    assert task["state"] == "failed" and "embed" in task["error"]
    assert "no-such-model" in task["error"]
    doc = c.get(f"/api/v1/documents/{up['document_id']}").json()
    assert doc["status"] == "failed" and doc["error"]
    original = c.get(f"/api/v1/documents/{up['document_id']}/file")
    assert original.status_code == 200 and "盗窃" in original.content.decode()

    fixed = eager()  # same data dir, model setting back to the default
    fixed.client.headers["Authorization"] = c.headers["Authorization"]
    r = fixed.client.post(f"/api/v1/documents/{up['document_id']}/retry")
    assert r.status_code == 202, r.text
    assert fixed.client.get(f"/api/v1/tasks/{r.json()['task_id']}").json()["state"] == \
        "succeeded"
    assert fixed.client.get(f"/api/v1/documents/{up['document_id']}").json()["status"] == \
        "processed"
    assert _counts(fixed.settings.db_url, up["document_id"])["Page"] == 1

"""A processed document stores its case's comparison features (migration 0013): a cold
similar-case or sentencing query reads them instead of computing them for each of its 50-60
candidates, and a changed document makes them stale, so they are computed again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from models.db import session_scope
from models.schema import CaseFeatureRow, Document
from services import similar
from tests.support.api import Api


def test_features_stored_at_embed_time_are_read_until_a_document_changes(
        api_client: Callable[..., Api], shared_data: Path) -> None:
    api = api_client(("clerk1", "clerk", "A"), act_as="clerk1", task_always_eager="true")
    settings = api.settings
    text = (shared_data / "extraction_gold" / "texts" / "lecard-16272.txt").read_bytes()
    up = api.client.post("/api/v1/documents", files={"file": ("a.txt", text)}).json()
    assert api.client.get(f"/api/v1/tasks/{up['task_id']}").json()["state"] == "succeeded"
    case_id = up["case_id"]
    with session_scope(settings.db_url) as s:
        row = s.get(CaseFeatureRow, case_id)
        assert row is not None, "no features stored when the document was processed"
        stored = dict(row.features)
    assert stored["charges"] == ["交通肇事罪"], stored
    similar._profile_cache.clear()
    assert similar.case_profiles(settings, [case_id])[case_id][1].to_dict() == stored

    # read, not computed: a stored value the text would not give is what comes back
    with session_scope(settings.db_url) as s:
        row = s.get(CaseFeatureRow, case_id)
        assert row is not None
        row.features = {**stored, "charges": ["盗窃罪"]}
    similar._profile_cache.clear()
    _, feats = similar.case_profiles(settings, [case_id], with_facts=False)[case_id]
    assert feats.charges == ("盗窃罪",)

    # a document of the case changes (a correction): the stored row is stale and ignored
    with session_scope(settings.db_url) as s:
        doc = s.execute(select(Document).where(Document.case_id == case_id)).scalar_one()
        doc.fields = {**(doc.fields or {}), "note": "corrected"}
    similar._profile_cache.clear()
    assert similar.case_profiles(settings, [case_id])[case_id][1].charges == ("交通肇事罪",)
    assert similar.store_features(settings, [case_id]) == 1  # and stored again, fresh
    with session_scope(settings.db_url) as s:
        row = s.get(CaseFeatureRow, case_id)
        assert row is not None and row.features["charges"] == ["交通肇事罪"]

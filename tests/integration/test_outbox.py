"""Nothing is lost while the search engine is down: the document is processed, parked in the
outbox, and indexed once the engine answers again (real OpenSearch and Elasticsearch nodes, a
real outage). Where the cluster holds the case vectors (kNN), the case's vector follows."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.api import Api
from tests.support.env import CLUSTERS, cluster_url, free_port

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("kind", list(CLUSTERS))
def test_document_stored_during_an_outage_is_indexed_when_search_returns(
        kind: str, env: Callable[..., dict[str, str]], api_client: Callable[..., Api],
        shared_data: Path) -> None:
    url = cluster_url(kind)
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there: connection refused
    prefix = f"t{uuid.uuid4().hex[:10]}"
    api = api_client(("clerk", "clerk", "A"), act_as="clerk", task_always_eager="true",
                     search_url=down, search_prefix=prefix)
    from models.settings import get_settings
    from search.base import SearchQuery
    from services import engines
    from services import indexing as outbox

    settings, client = api.settings, api.client
    text = (shared_data / "extraction_gold" / "texts" / "lecard-19303.txt").read_bytes()
    up = client.post("/api/v1/documents", files={"file": ("dui.txt", text)}).json()

    task = client.get(f"/api/v1/tasks/{up['task_id']}").json()
    assert task["state"] == "succeeded", task  # search being down does not fail the document
    assert outbox.pending(settings) == 1
    assert outbox.flush(settings) == 0  # still down: nothing sent, nothing lost
    assert outbox.pending(settings) == 1
    r = client.get("/api/v1/search", params={"q": "危险驾驶"})
    assert r.status_code == 503 and "检索引擎暂不可用" in r.json()["detail"]
    assert r.headers["Retry-After"] == "30"
    assert "127.0.0.1" not in r.text and "Error" not in r.text  # no internals for the user
    doc = client.get(f"/api/v1/documents/{up['document_id']}").json()
    assert doc["status"] == "processed" and doc["searchable"] is False  # stored, not yet indexed
    # similar cases and sentencing read the stored vectors while the kNN index is down
    for path in ("similar", "sentencing"):
        r = client.get(f"/api/v1/cases/{up['case_id']}/{path}")
        assert r.status_code == 200, (path, r.text)
    # a clerk's correction is stored although the index cannot take it (it waits in the outbox)
    r = client.put(f"/api/v1/documents/{up['document_id']}/fields/court",
                   json={"value": "上海市浦东新区人民法院"})
    assert r.status_code == 200, r.text
    assert outbox.pending(settings) == 1

    env(task_always_eager="true", search_url=url, search_prefix=prefix)  # the engine is back
    settings = get_settings()
    try:
        assert outbox.flush(settings) == 1
        assert outbox.pending(settings) == 0
        doc = client.get(f"/api/v1/documents/{up['document_id']}").json()
        assert doc["searchable"] is True
        res = engines.search_backend(settings).search(
            SearchQuery(q="危险驾驶", case_id=up["case_id"]))
        assert [h.document_id for h in res.hits] == [up["document_id"]]
        assert res.hits[0].court == "上海市浦东新区人民法院"  # the correction reached the index
        knn = engines.cluster_knn(settings)
        if knn is not None:  # the cluster holds the case vectors: the parked one arrived
            from services.indexing import case_vector

            vec = case_vector(settings, up["case_id"])
            assert knn.count() == 1 and knn.search(vec, 1)[0][0] == up["case_id"]
    finally:
        conn = engines.search_backend(settings)._conn()  # type: ignore[attr-defined]
        for name in conn.indices(f"{prefix}-*"):
            conn.delete_index(name)

"""Nothing is lost while the search engine is down: the document is processed, parked in the
outbox, and indexed once the engine answers again (a real OpenSearch node, a real outage)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from models.db import session_scope
from tests.conftest import _need, free_port

pytestmark = pytest.mark.slow


def test_document_stored_during_an_outage_is_indexed_when_search_returns(
        env: Callable[..., dict[str, str]], shared_data: Path) -> None:
    url = _need("DOSSIER_TEST_SEARCH_URL")
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there: connection refused
    env(task_always_eager="true", search_url=down)
    from api.app import create_app
    from api.auth import add_user, issue_token
    from models.settings import get_settings
    from search.base import SearchQuery
    from workers import engines, outbox

    settings = get_settings()
    client = TestClient(create_app(settings))
    with session_scope(settings.db_url) as s:
        client.headers["Authorization"] = "Bearer " + issue_token(
            s, add_user(s, "clerk", "clerk", "A"), 1)
    text = (shared_data / "extraction_gold" / "texts" / "lecard-19303.txt").read_bytes()
    up = client.post("/api/v1/documents", files={"file": ("dui.txt", text)}).json()

    task = client.get(f"/api/v1/tasks/{up['task_id']}").json()
    assert task["state"] == "succeeded", task  # search being down does not fail the document
    assert outbox.pending(settings) == 1
    assert outbox.flush(settings) == 0  # still down: nothing sent, nothing lost
    assert outbox.pending(settings) == 1

    env(task_always_eager="true", search_url=url)  # the engine is back
    settings = get_settings()
    engines.search_backend(settings).delete(up["document_id"])
    assert outbox.flush(settings) == 1
    assert outbox.pending(settings) == 0
    res = engines.search_backend(settings).search(SearchQuery(q="危险驾驶", case_id=up["case_id"]))
    assert [h.document_id for h in res.hits] == [up["document_id"]]
    client.close()

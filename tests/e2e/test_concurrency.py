"""Twenty parallel uploads — ten different judgments and ten copies of one — are each processed
exactly once, through the real HTTP server and worker."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from models.db import session_scope
from models.schema import Document, Page, Task
from tests.support.env import Proc
from tests.support.service import start_service, token_for, wait_task

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.mark.parametrize("mode", ["embedded", "scale"])
def test_twenty_parallel_uploads_are_processed_once(
        mode: str, env: Callable[..., dict[str, str]], procs: Callable[..., Proc],
        shared_data: Path, request: pytest.FixtureRequest) -> None:
    base, running, _ = start_service(mode, env, procs, request)
    token = token_for("clerk", "clerk", "court-1")
    texts = sorted((shared_data / "extraction_gold" / "texts").glob("*.txt"))[:11]
    files = [(t.name, t.read_bytes()) for t in texts[:10]]
    files += [("same.txt", texts[10].read_bytes())] * 10

    def upload(item: tuple[str, bytes]) -> dict[str, int]:
        with httpx.Client(base_url=base, timeout=120,
                          headers={"Authorization": f"Bearer {token}"}) as c:
            r = c.post("/api/v1/documents", files={"file": item},
                       data={"case_number": "（2019）并发测试1号"})
            assert r.status_code == 202, r.text
            return dict(r.json())

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(upload, files))
    assert len({r["document_id"] for r in results}) == 11
    assert len({r["document_id"] for r in results[10:]}) == 1
    client = httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"})
    for task_id in {r["task_id"] for r in results}:
        assert wait_task(client, task_id, running)["state"] == "succeeded"

    from models.settings import get_settings

    with session_scope(get_settings().db_url) as s:
        assert s.execute(select(func.count()).select_from(Document)).scalar_one() == 11
        assert s.execute(select(func.count()).select_from(Task)).scalar_one() == 11
        assert s.execute(select(func.count()).select_from(Page)).scalar_one() == 11
    found = client.get("/api/v1/search", params={"case_id": results[0]["case_id"],
                                                  "size": 50}).json()
    assert found["total"] == 11

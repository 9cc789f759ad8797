"""Fuzz every API operation from its OpenAPI schema (schemathesis): no input may cause a 5xx."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from models.db import session_scope

pytestmark = pytest.mark.slow


@pytest.fixture
def api_schema(env: Callable[..., dict[str, str]], shared_data: Path) -> Iterator[Any]:
    env(task_always_eager="true")
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.auth import add_user, issue_token
    from models.settings import get_settings

    s = get_settings()
    app = create_app(s)
    with session_scope(s.db_url) as db:
        token = issue_token(db, add_user(db, "fuzzer", "admin", "A", password="pw"), 1)
    text = (shared_data / "extraction_gold" / "texts" / "lecard-12174.txt").read_bytes()
    with TestClient(app) as c:  # one processed case, so ids 1 exist
        c.post("/api/v1/documents", files={"file": ("j.txt", text)},
               headers={"Authorization": f"Bearer {token}"})
    yield schemathesis.openapi.from_asgi("/openapi.json", app), token


def test_no_input_causes_a_server_error(api_schema: tuple[Any, str]) -> None:
    schema, token = api_schema
    failures: list[str] = []
    # deactivating users would lock the fuzzer out and hide every later operation behind 401
    operations = [op for op in (r.ok() for r in schema.get_all_operations())
                  if not op.path.endswith("/deactivate")]
    assert len(operations) >= 10
    for op in operations:

        @given(case=op.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None, derandomize=True)
        def run(case: Any) -> None:
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} -> "
                                f"{response.status_code}: {response.text[:200]}")

        run()
    assert failures == []

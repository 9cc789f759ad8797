"""Fuzz every API operation from its OpenAPI schema (schemathesis): no input may cause a 5xx."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.support.api import Api

pytestmark = pytest.mark.slow


@pytest.fixture
def api_schema(api_client: Callable[..., Api], shared_data: Path) -> tuple[Any, str]:
    api = api_client(("fuzzer", "admin", "A", "pw"), task_always_eager="true")
    text = (shared_data / "extraction_gold" / "texts" / "lecard-12174.txt").read_bytes()
    r = api.client.post("/api/v1/documents", files={"file": ("j.txt", text)},
                        headers=api.auth("fuzzer"))  # one processed case, so ids 1 exist
    assert r.status_code == 202, r.text
    return schemathesis.openapi.from_asgi("/openapi.json", api.client.app), api.tokens["fuzzer"]


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

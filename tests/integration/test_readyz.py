"""`GET /readyz` names the dependency that failed (``/healthz`` only says the process is up):
each one is broken for real (a port nothing listens on, an empty model folder)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.env import free_port
from tests.support.s3 import s3_for_test

pytestmark = pytest.mark.integration


def test_ready_when_everything_answers(api_client: Callable[..., Any]) -> None:
    r = api_client().client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ready" and r.json()["failed"] == []


@pytest.mark.parametrize("dependency", ["broker", "blobs", "search", "models"])
def test_a_dependency_down_is_named(dependency: str, api_client: Callable[..., Any],
                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = f"127.0.0.1:{free_port()}"
    broken = {
        "broker": {"broker_url": f"redis://{dead}/0"},
        "search": {"search_url": f"http://{dead}"},
        "models": {"model_dir": str(tmp_path / "no-models")},
    }.get(dependency)
    if broken is None:  # the object store: the test server's bucket behind a dead endpoint
        s3 = s3_for_test(monkeypatch)
        broken = {"blob_url": s3.url, "blob_endpoint_url": f"http://{dead}",
                  "blob_timeout_s": "2"}
    r = api_client(**broken).client.get("/readyz")
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["failed"] == [dependency], body
    assert body["checks"][dependency] != "ok" and body["checks"]["database"] == "ok"

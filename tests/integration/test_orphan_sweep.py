"""The orphan sweeper counts an attempt only for a lost worker: a stage still queued behind
busy workers is sent again as often as it waits, never failed for it; a stage whose worker
stopped beating is retried DOSSIER_TASK_MAX_RETRIES times and then failed with its reason.
`GET /tasks/{id}` shows a stale heartbeat as such."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models.db import session_scope
from models.schema import Task
from workers import recovery

pytestmark = pytest.mark.integration


def _stale(db_url: str, task_id: int, worker: str | None) -> None:
    with session_scope(db_url) as s:
        task = s.get(Task, task_id)
        assert task is not None
        task.state, task.stage, task.worker = "running", "extract", worker
        task.heartbeat_at = datetime.now(UTC) - timedelta(hours=1)


def _task(db_url: str, task_id: int) -> tuple[str, int, str | None]:
    with session_scope(db_url) as s:
        task = s.get(Task, task_id)
        assert task is not None
        return task.state, task.attempts, task.error


def test_a_queued_stage_is_resent_without_using_up_its_attempts(
        api_client: Callable[..., Any]) -> None:
    api = api_client(("clerk", "clerk", "A"), act_as="clerk")
    task_id = api.client.post("/api/v1/documents",
                              files={"file": ("a.txt", "起诉书 正文".encode())}).json()["task_id"]
    settings = api.settings
    sent: list[tuple[int, str]] = []
    _, before, _ = _task(settings.db_url, task_id)
    fresh = api.client.get(f"/api/v1/tasks/{task_id}").json()
    assert fresh["stale"] is False
    _stale(settings.db_url, task_id, "host:4242")  # GET /tasks says the worker is presumed lost
    shown = api.client.get(f"/api/v1/tasks/{task_id}").json()
    assert shown["state"] == "running" and shown["stale"] is True, shown
    assert shown["heartbeat_age_s"] >= 3600 and shown["heartbeat_at"]
    for _ in range(settings.task_max_retries + 5):  # a long backlog: nobody takes the stage
        _stale(settings.db_url, task_id, None)
        assert recovery.sweep(settings, lambda t, s: sent.append((t, s))) == 1
    assert sent[-1] == (task_id, "extract") and len(sent) == settings.task_max_retries + 5
    state, attempts, _ = _task(settings.db_url, task_id)
    assert state == "running" and attempts == before

    for _ in range(settings.task_max_retries + 1):  # the worker holding it dies every time
        _stale(settings.db_url, task_id, "host:4242")
        assert recovery.sweep(settings, lambda t, s: sent.append((t, s))) == 1
    _stale(settings.db_url, task_id, "host:4242")
    assert recovery.sweep(settings, lambda t, s: sent.append((t, s))) == 0
    state, attempts, error = _task(settings.db_url, task_id)
    assert state == "failed" and "worker lost each time" in (error or ""), (state, error)


def test_a_queued_upload_whose_message_was_lost_is_sent_again(
        api_client: Callable[..., Any]) -> None:
    """A broker that restarts while a worker holds messages it has not started (prefetched, or
    waiting out a countdown) loses them for the visibility timeout: the uploads stay `pending`
    and `queued`. The sweeper sends them again after DOSSIER_STALE_AFTER_S, and again if that
    copy is lost too; a task queued a moment ago is left alone."""
    api = api_client(("clerk", "clerk", "A"), act_as="clerk")
    settings = api.settings
    ids = [api.client.post("/api/v1/documents", files={"file": (f"{n}.txt", "起诉书 正文".encode())}
                           ).json()["task_id"] for n in range(2)]
    lost, fresh = ids

    def queued(task_id: int, age_s: float) -> None:
        with session_scope(settings.db_url) as s:
            task = s.get(Task, task_id)
            assert task is not None
            task.state, task.stage, task.worker = "pending", recovery.QUEUED, None
            task.heartbeat_at = datetime.now(UTC) - timedelta(seconds=age_s)

    queued(fresh, 1)
    _, before, _ = _task(settings.db_url, lost)
    sent: list[tuple[int, str]] = []
    for n in range(1, 3):  # the copy is lost too: sent once more
        queued(lost, settings.stale_after_s + 60)
        assert recovery.sweep(settings, lambda t, s: sent.append((t, s))) == 1
        assert sent == [(lost, "ocr")] * n
        with session_scope(settings.db_url) as s:
            task = s.get(Task, lost)
            assert task is not None
            assert (task.state, task.stage, task.attempts) == ("pending", recovery.QUEUED, before)
        assert recovery.sweep(settings, lambda t, s: sent.append((t, s))) == 0  # not twice

"""Scale mode's reminder job runs by Celery beat, once per period, not on every worker host.

Real PostgreSQL, real Redis, real worker and beat processes (``dossier worker``, ``dossier
beat``): a 审查批准逮捕 deadline that fell due in 2025 stays unflagged while only a worker runs
(its sweeper leaves reminders to beat in scale mode), turns red with one notification once beat
runs, and is not notified again by later beats.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest

from tests.support.env import Proc
from tests.workflow_support import add_case, make_world

pytestmark = pytest.mark.slow


def test_beat_runs_the_reminder_job_once_per_level_change(
        env: Callable[..., dict[str, str]], procs: Callable[..., Proc], pg_url: str,
        redis_url: str) -> None:
    from models.settings import get_settings

    env(database_url=pg_url, broker_url=redis_url, reminder_every_s="1", stale_after_s="4")
    w = make_world(get_settings())
    case_id, _ = add_case(w.settings, "police-lz", "兰公（城）立字〔2025〕301号",
                          {"起诉意见书": "起诉意见书"})
    w.at("2025-03-03T09:00")
    assert w.act("pol", case_id, "立案").status_code == 200
    assert w.push("pol", case_id, "B1", "proc-lz").status_code == 201

    def notes() -> list[dict[str, str]]:
        return list(w.get("pros", "/api/v1/notifications").json())

    worker = procs("worker", "--concurrency", "1", env=dict(os.environ), name="worker")
    deadline = time.monotonic() + 90
    while "ready" not in worker.log.read_text(errors="replace"):
        assert time.monotonic() < deadline, worker.tail()
        time.sleep(0.5)
    time.sleep(5)  # the sweeper ran at start and again after stale_after_s / 2 (2 s)
    assert notes() == [], "a worker's sweeper ran the reminder job in scale mode"

    beat = procs("beat", env=dict(os.environ), name="beat")
    deadline = time.monotonic() + 60
    while not (found := notes()):
        assert time.monotonic() < deadline, beat.tail() + worker.tail()
        time.sleep(0.5)
    assert [n["level"] for n in found] == ["red"] and "审查批准逮捕" in found[0]["message"]
    time.sleep(4)  # several more periods: the level did not change, nothing more is recorded
    assert len(notes()) == 1
    assert "workflow-reminders" in beat.log.read_text(errors="replace") or \
        "dossier.periodic.reminders" in worker.log.read_text(errors="replace")

"""Orphan sweeper: finds work that no worker is doing and sends it again.

Three cases lose a message: a worker killed while holding it on a transport without
acknowledgements (the embedded filesystem broker); an upload whose enqueue failed because the
broker was down; and a broker that went away while a worker held messages it had not started
(Celery drops its prefetched and countdown messages on a lost connection; Redis gives them back
only after the visibility timeout, an hour by default). The Task row knows all three: ``running``
with a stale heartbeat, or ``pending`` (never queued, or queued and not taken) for longer than
``DOSSIER_STALE_AFTER_S``. Re-sending is safe because every stage is idempotent and claims the
task first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select

from models import audit
from models.db import session_scope
from models.schema import Task, TaskState
from models.settings import Settings
from services import analytics, indexing, workflow
from services.progress import fail

log = logging.getLogger(__name__)

#: Task.stage of a pending task whose first stage was sent (workers.queue.submit)
QUEUED = "queued"


def orphaned(settings: Settings) -> list[tuple[int, str]]:
    """(task id, stage to resume at) for every task nobody is working on."""
    stale = datetime.now(UTC) - timedelta(seconds=settings.stale_after_s)
    with session_scope(settings.db_url) as s:
        rows = s.execute(select(Task).where(or_(
            (Task.state == TaskState.running) & (Task.heartbeat_at < stale),
            (Task.state == TaskState.pending)
            & (Task.stage.is_(None) | (Task.stage == QUEUED))
            & (func.coalesce(Task.heartbeat_at, Task.created_at) < stale),
        ))).scalars().all()
        return [(t.id, t.stage if t.stage in ("ocr", "extract", "index", "embed") else "ocr")
                for t in rows]


def sweep(settings: Settings, enqueue: Callable[[int, str], None]) -> int:
    """Re-send orphaned tasks; returns how many were sent."""
    sent = 0
    for task_id, stage in orphaned(settings):
        with session_scope(settings.db_url) as s:
            task = s.get(Task, task_id)
            if task is None:
                continue
            # A worker was lost only when one had claimed the stage (Task.worker set) and stopped
            # beating. Without one the stage is handed on and still queued behind busy workers
            # (or its message was lost): send it again, but it is no attempt — counted, a
            # backlog longer than a few DOSSIER_STALE_AFTER_S failed documents for good (seen
            # with two busy worker hosts).
            lost = task.worker is not None
            if lost:
                task.attempts += 1
            attempts = task.attempts
            task.worker = None  # the lost owner gives up its claim: the next delivery may take it
            task.heartbeat_at = datetime.now(UTC)  # and the next sweep does not re-send it again
            # a task nobody has claimed stays `queued`, so that it is swept again if this
            # message is lost too
            task.stage = QUEUED if task.state == TaskState.pending else stage
        if lost and attempts > settings.task_max_retries + 1:
            fail(settings.db_url, task_id,
                 f"{stage}: given up after {attempts} attempts (worker lost each time)")
            continue
        log.warning("re-sending orphaned task %s from stage %s", task_id, stage)
        enqueue(task_id, stage)
        sent += 1
    return sent


class Sweeper(threading.Thread):
    """Runs ``sweep``, the index-outbox flush, the audit anchor, — on the embedded broker —
    the workflow's reminder sweep (deadline levels and their notifications), and the refresh
    of the statistics' rollups (services.analytics.refresh, both modes) periodically inside a
    worker process."""

    def __init__(self, settings: Settings, enqueue: Callable[[int, str], None],
                 every_s: float) -> None:
        super().__init__(daemon=True, name="dossier-sweeper")
        self.settings, self.enqueue, self.every_s = settings, enqueue, every_s
        self._stop_event = threading.Event()

    def run(self) -> None:
        while True:
            try:
                sweep(self.settings, self.enqueue)
                indexing.flush(self.settings)
                with session_scope(self.settings.db_url) as s:
                    audit.anchor(s, self.settings)
            except Exception:
                log.exception("orphan sweep failed; will try again")
            # legal clocks: move levels, one notification per change (services.workflow); in
            # scale mode Celery beat runs it once per period instead (workers.periodic)
            if self.settings.embedded_broker:
                try:
                    workflow.sweep_reminders(self.settings)
                except Exception:
                    log.exception("workflow reminder sweep failed; will try again")
            try:  # the statistics' rollups, both modes: the cases changed since the last run
                analytics.refresh(self.settings)  # (one worker at a time: an advisory lock)
            except Exception:
                log.exception("analytics rollup refresh failed; will try again")
            if self._stop_event.wait(self.every_s):
                return

    def stop(self) -> None:
        self._stop_event.set()

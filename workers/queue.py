"""Handing a task to the workers: what the API and the CLI call after intake."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from models.db import session_scope
from models.schema import Task, TaskState
from models.settings import Settings

log = logging.getLogger(__name__)


def submit(settings: Settings, task_id: int, from_stage: str = "ocr") -> bool:
    """Queue a task's processing; False (task left for the sweeper) when the broker is down."""
    from workers.recovery import QUEUED
    from workers.runner import TRANSIENT
    from workers.tasks import enqueue

    try:
        enqueue(task_id, from_stage)
    except TRANSIENT as exc:
        log.error("could not queue task %s, the sweeper will: %s", task_id, exc)
        return False
    with session_scope(settings.db_url) as s:
        task = s.get(Task, task_id)
        if task is not None and task.state == TaskState.pending and task.stage is None:
            task.stage = QUEUED
            task.heartbeat_at = datetime.now(UTC)  # the sweeper re-sends it if not taken
    return True

"""Task-row bookkeeping: claim, heartbeat, progress, outcome.

The Task row is the single source of truth the API shows. A claim makes duplicate deliveries
harmless: a second copy of a stage sees the task succeeded or freshly owned by another worker
and steps aside.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from models.db import session_scope
from models.schema import DocStatus, Document, Page, Task, TaskState


def _now() -> datetime:
    return datetime.now(UTC)


def claim(db_url: str, task_id: int, stage: str, stale_after_s: int) -> bool:
    """Take ownership of a task for one stage; False when someone else owns it or it is done."""
    stale = _now() - timedelta(seconds=stale_after_s)
    me = f"{socket.gethostname()}:{os.getpid()}"
    with session_scope(db_url) as s:
        task = s.get(Task, task_id, with_for_update=s.get_bind().dialect.name == "postgresql")
        if task is None or task.state in (TaskState.succeeded, TaskState.failed):
            return False
        hb = task.heartbeat_at
        if hb is not None and hb.tzinfo is None:
            hb = hb.replace(tzinfo=UTC)
        if task.state == TaskState.running and task.worker not in (None, me) and hb and hb > stale:
            return False
        if task.state == TaskState.pending:
            task.attempts += 1  # re-sends by the sweeper count too (workers/recovery.py)
        task.state = TaskState.running
        task.stage = stage
        task.worker = me
        task.heartbeat_at = _now()
        task.started_at = task.started_at or _now()
        doc = s.get(Document, task.document_id)
        if doc is not None and doc.status != DocStatus.processing:
            doc.status = DocStatus.processing
            doc.error = None
    return True


def heartbeat(db_url: str, task_id: int, *, pages_done: int | None = None,
              pages_total: int | None = None) -> None:
    values: dict[str, object] = {"heartbeat_at": _now()}
    if pages_done is not None:
        values["pages_done"] = pages_done
    if pages_total is not None:
        values["pages_total"] = pages_total
    with session_scope(db_url) as s:
        s.execute(update(Task).where(Task.id == task_id).values(**values))


def release(db_url: str, task_id: int) -> None:
    """Hand the task to whichever worker takes its next stage."""
    with session_scope(db_url) as s:
        s.execute(update(Task).where(Task.id == task_id, Task.state == TaskState.running)
                  .values(worker=None, heartbeat_at=_now()))


def is_active(db_url: str, task_id: int) -> bool:
    """Whether a task is still to be worked on (not finished, not failed)."""
    with session_scope(db_url) as s:
        task = s.get(Task, task_id)
        return task is not None and task.state in (TaskState.pending, TaskState.running)


def advance_after_pages(db_url: str, task_id: int, stage: str, next_stage: str) -> bool:
    """Move a task past ``stage`` once every page is stored; True for exactly one caller."""
    stored = (select(func.count()).select_from(Page)
              .where(Page.document_id == Task.document_id).scalar_subquery())
    with session_scope(db_url) as s:
        res = s.execute(update(Task).where(
            Task.id == task_id, Task.stage == stage, Task.state == TaskState.running,
            stored >= Task.pages_total).values(stage=next_stage, worker=None,
                                               heartbeat_at=_now()))
        return bool(res.rowcount == 1)  # type: ignore[attr-defined]


def succeed(db_url: str, task_id: int) -> None:
    with session_scope(db_url) as s:
        task = s.get(Task, task_id)
        if task is None:
            return
        task.state = TaskState.succeeded
        task.stage = "done"
        task.error = None
        task.finished_at = _now()
        doc = s.get(Document, task.document_id)
        if doc is not None:
            doc.status = DocStatus.processed
            doc.error = None


def fail(db_url: str, task_id: int, reason: str) -> None:
    """Give up for good: the document is marked failed with the reason; the original is kept."""
    with session_scope(db_url) as s:
        task = s.get(Task, task_id)
        if task is None:
            return
        task.state = TaskState.failed
        task.error = reason[:2000]
        task.finished_at = _now()
        doc = s.get(Document, task.document_id)
        if doc is not None:
            doc.status = DocStatus.failed
            doc.error = reason[:2000]


class Heartbeat:
    """Keeps a task's heartbeat fresh from a thread while a long step (one page) runs."""

    def __init__(self, db_url: str, task_id: int, every_s: float) -> None:
        self._args = (db_url, task_id)
        self._every = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            with contextlib.suppress(Exception):  # a missed beat is not worth a failed task
                heartbeat(*self._args)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

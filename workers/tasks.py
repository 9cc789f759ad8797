"""Thin Celery tasks: claim the task row, call one pipeline stage, record the outcome.

A document is processed by the chain ocr → extract → index → embed. Transient faults (database,
broker or search engine unreachable) are retried with exponential backoff; anything else fails
the document for good with its reason, keeping the original for a later retry.
"""

from __future__ import annotations

import logging

from celery import Task as CeleryTask
from celery import chain
from celery.signals import worker_process_init, worker_ready

from models.db import dispose_all
from models.settings import Settings, get_settings
from workers import pipeline, progress
from workers.celery_app import app, ensure_configured
from workers.recovery import Sweeper

log = logging.getLogger(__name__)


def transient_errors() -> tuple[type[BaseException], ...]:
    """Faults worth retrying: the thing we depend on may be back in a moment."""
    import sqlalchemy.exc
    from kombu.exceptions import OperationalError as KombuOperationalError

    errs: list[type[BaseException]] = [
        sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, ConnectionError,
        TimeoutError, KombuOperationalError,
    ]
    try:
        import redis.exceptions

        errs.append(redis.exceptions.ConnectionError)
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    try:
        from search.base import SearchUnavailable

        errs.append(SearchUnavailable)
    except ImportError:
        pass
    return tuple(errs)


TRANSIENT = transient_errors()


def _run_stage(task: CeleryTask, stage: str, task_id: int, last: bool = False) -> None:
    settings = get_settings()
    if not progress.claim(settings.db_url, task_id, stage, settings.stale_after_s):
        log.info("task %s: stage %s skipped (done or owned elsewhere)", task_id, stage)
        if task.request.chain:  # do not let a duplicate delivery run the rest of the chain
            task.request.chain = None
        return
    try:
        pipeline.run_stage(settings, task_id, stage)
    except TRANSIENT as exc:
        if task.request.retries >= settings.task_max_retries:
            progress.fail(settings.db_url, task_id, f"{stage}: {type(exc).__name__}: {exc}")
            raise
        log.warning("task %s: stage %s transient fault, retrying: %s", task_id, stage, exc)
        _release(settings, task_id)
        raise task.retry(exc=exc, countdown=min(60, 2 ** (task.request.retries + 1))) from exc
    except Exception as exc:
        log.exception("task %s: stage %s failed", task_id, stage)
        progress.fail(settings.db_url, task_id, f"{stage}: {_reason(exc)}")
        if task.request.chain:
            task.request.chain = None
        return
    if last:
        progress.succeed(settings.db_url, task_id)
    else:
        _release(settings, task_id)


def _release(settings: Settings, task_id: int) -> None:
    try:
        progress.release(settings.db_url, task_id)
    except TRANSIENT:  # the claim then expires by staleness
        log.warning("task %s: could not release the claim", task_id)


def _reason(exc: Exception) -> str:
    msg = str(exc) or type(exc).__name__
    return msg if msg.startswith(type(exc).__name__) else f"{type(exc).__name__}: {msg}"


@app.task(bind=True, name="dossier.ocr", max_retries=None)
def ocr_stage(self: CeleryTask, task_id: int) -> None:
    _run_stage(self, "ocr", task_id)


@app.task(bind=True, name="dossier.extract", max_retries=None)
def extract_stage(self: CeleryTask, task_id: int) -> None:
    _run_stage(self, "extract", task_id)


@app.task(bind=True, name="dossier.index", max_retries=None)
def index_stage(self: CeleryTask, task_id: int) -> None:
    _run_stage(self, "index", task_id)


@app.task(bind=True, name="dossier.embed", max_retries=None)
def embed_stage(self: CeleryTask, task_id: int) -> None:
    _run_stage(self, "embed", task_id, last=True)


STAGE_TASKS = {"ocr": ocr_stage, "extract": extract_stage, "index": index_stage,
               "embed": embed_stage}


def enqueue(task_id: int, from_stage: str = "ocr") -> None:
    """Send the chain of stages for a task, starting at ``from_stage``."""
    ensure_configured()
    names = pipeline.STAGES[pipeline.STAGES.index(from_stage):]
    chain(*(STAGE_TASKS[n].si(task_id) for n in names)).apply_async()


@worker_process_init.connect
def _fresh_connections(**_: object) -> None:
    """Pooled connections must not cross a fork."""
    dispose_all()


@worker_ready.connect
def _start_sweeper(**_: object) -> None:
    settings = get_settings()
    Sweeper(settings, enqueue, every_s=max(2.0, settings.stale_after_s / 2)).start()

"""Thin Celery tasks: claim the task row, call one pipeline stage, record the outcome.

A document is processed by the chain ocr → extract → index → embed. Transient faults (database,
broker or search engine unreachable) are retried with exponential backoff; anything else fails
the document for good with its reason, keeping the original for a later retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import Task as CeleryTask
from celery import chain, group
from celery.signals import worker_process_init, worker_ready

from models.db import dispose_all
from models.settings import Settings, get_settings
from workers import pipeline, progress
from workers.celery_app import app, ensure_configured
from workers.progress import Heartbeat
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
# A transient fault outside a stage's own handling (claiming the task row, recording progress,
# sending the next stage) is retried with capped exponential backoff until the database or
# broker is back, so the message is never dropped half-way through a chain.
RESILIENT: dict[str, object] = {"autoretry_for": TRANSIENT, "retry_backoff": 2,
                                "retry_backoff_max": 60, "retry_jitter": True}


def _guarded(task: CeleryTask, stage: str, task_id: int, fn: Callable[[], object]) -> bool:
    """Run ``fn``; retry transient faults with backoff, fail the task for good otherwise."""
    settings = get_settings()
    try:
        with Heartbeat(settings.db_url, task_id, every_s=max(1.0, settings.stale_after_s / 4)):
            fn()
        return True
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
        task.request.chain = None
        return False


def _claimed(task: CeleryTask, stage: str, task_id: int) -> bool:
    settings = get_settings()
    if progress.claim(settings.db_url, task_id, stage, settings.stale_after_s):
        return True
    log.info("task %s: stage %s skipped (done or owned elsewhere)", task_id, stage)
    task.request.chain = None  # a duplicate delivery must not run the rest of the chain
    return False


def _run_stage(task: CeleryTask, stage: str, task_id: int, last: bool = False) -> None:
    settings = get_settings()
    if not _claimed(task, stage, task_id):
        return
    if not _guarded(task, stage, task_id,
                    lambda: pipeline.STAGE_FUNCS[stage](settings, task_id)):
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


@app.task(bind=True, name="dossier.ocr", max_retries=None, **RESILIENT)
def ocr_stage(self: CeleryTask, task_id: int) -> None:
    """OCR a document: in this task, or fanned out one task per page across the workers."""
    settings = get_settings()
    fanout = settings.ocr_fanout_min_pages
    if fanout <= 0 or settings.task_always_eager:
        _run_stage(self, "ocr", task_id)
        return
    if not _claimed(self, "ocr", task_id):
        return
    pending: list[int] = []

    def plan() -> None:
        _, src = pipeline.open_source(settings, task_id)
        with src:
            pending.extend(pipeline.ocr_plan(settings, task_id, src))

    if not _guarded(self, "ocr", task_id, plan):
        return
    if len(pending) < fanout:
        if _guarded(self, "ocr", task_id, lambda: pipeline.run_ocr(settings, task_id)):
            _release(settings, task_id)
        return
    # The page tasks run in parallel; the one that stores the last page sends the rest.
    self.request.chain = None
    _release(settings, task_id)
    group(ocr_page.si(task_id, n) for n in pending).apply_async()


@app.task(bind=True, name="dossier.ocr_page", max_retries=None, **RESILIENT)
def ocr_page(self: CeleryTask, task_id: int, number: int) -> None:
    settings = get_settings()
    if not progress.is_active(settings.db_url, task_id):
        return
    if not _guarded(self, "ocr", task_id,
                    lambda: pipeline.ocr_page(settings, task_id, number)):
        return
    log.info("task %s: page %s stored; worker peak RSS %.0f MB", task_id, number, _peak_rss_mb())
    if progress.advance_after_pages(settings.db_url, task_id, "ocr", "extract"):
        enqueue(task_id, "extract")


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@app.task(bind=True, name="dossier.extract", max_retries=None, **RESILIENT)
def extract_stage(self: CeleryTask, task_id: int) -> None:
    _run_stage(self, "extract", task_id)


@app.task(bind=True, name="dossier.index", max_retries=None, **RESILIENT)
def index_stage(self: CeleryTask, task_id: int) -> None:
    _run_stage(self, "index", task_id)


@app.task(bind=True, name="dossier.embed", max_retries=None, **RESILIENT)
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

"""Thin Celery tasks: each runs one stage through `workers.runner` and maps its outcome.

A document is processed by the chain ocr → extract → index → embed. A RETRY outcome becomes a
Celery retry with exponential backoff; SKIPPED and FAILED stop the rest of the chain. Every
stage and page task first takes one of its agency's slots (`workers.limiter`); when they are
all taken it is sent again a moment later, not counted as a retry, and the worker moves on.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable

from celery import Task as CeleryTask
from celery import chain, group
from celery.signals import worker_process_init, worker_ready

from models.db import dispose_all
from models.settings import get_settings
from services import processing, progress
from workers import limiter, runner
from workers.celery_app import app, ensure_configured
from workers.recovery import Sweeper
from workers.runner import TRANSIENT, Outcome

log = logging.getLogger(__name__)

QUEUE, PAGES_QUEUE = "dossier", "dossier.pages"  # every stage; the pages of a fanned-out OCR

# A transient fault outside a stage's own handling (claiming the task row, recording progress,
# sending the next stage) is retried with capped exponential backoff until the database or
# broker is back, so the message is never dropped half-way through a chain.
RESILIENT: dict[str, object] = {"autoretry_for": TRANSIENT, "retry_backoff": 2,
                                "retry_backoff_max": 60, "retry_jitter": True}


def _follow(task: CeleryTask, outcome: Outcome) -> bool:
    """True when the chain goes on; a RETRY re-queues this task after its backoff."""
    if outcome is Outcome.RETRY:
        retries = task.request.retries
        raise task.retry(countdown=runner.backoff(retries))
    if outcome is not Outcome.DONE:
        task.request.chain = None  # a duplicate delivery or a failure ends the chain here
        return False
    return True


#: seconds an over-limit task waits before it is offered again (jittered, so they spread out)
DEFER_S = (1.0, 3.0)


def _limited(task: CeleryTask, task_id: int, what: str, body: Callable[[], None]) -> None:
    """Run ``body`` in one of the agency's slots, or send this task again a moment later.

    The copy keeps this delivery's retry count and chain: waiting for a slot is not a fault."""
    with limiter.slot(get_settings(), task_id, what) as held:
        if held:
            body()
            return
    task.signature_from_request(countdown=random.uniform(*DEFER_S)).apply_async()
    task.request.chain = None  # the copy carries the rest of the chain


def _stage(task: CeleryTask, stage: str, task_id: int, last: bool = False) -> None:
    _limited(task, task_id, stage, lambda: _run(task, stage, task_id, last))


def _run(task: CeleryTask, stage: str, task_id: int, last: bool = False) -> None:
    _follow(task, runner.run(get_settings(), task_id, stage, last=last,
                             retries=task.request.retries))


@app.task(bind=True, name="dossier.ocr", max_retries=None, **RESILIENT)
def ocr_stage(self: CeleryTask, task_id: int) -> None:
    """OCR a document: in this task, or fanned out one task per page across the workers."""
    _limited(self, task_id, "ocr", lambda: _ocr(self, task_id))


def _ocr(self: CeleryTask, task_id: int) -> None:
    settings = get_settings()
    fanout = settings.ocr_fanout_min_pages
    if fanout <= 0 or settings.task_always_eager:
        _run(self, "ocr", task_id)
        return
    if not _follow(self, Outcome.DONE if runner.claim(settings, task_id, "ocr")
                   else Outcome.SKIPPED):
        return
    pending: list[int] = []

    def plan() -> None:
        _, src = processing.open_source(settings, task_id)
        with src:
            pending.extend(processing.ocr_plan(settings, task_id, src))

    retries = self.request.retries
    if not _follow(self, runner.guarded(settings, task_id, "ocr", plan, retries)):
        return
    if len(pending) < fanout:
        if _follow(self, runner.guarded(settings, task_id, "ocr",
                                        lambda: processing.run_ocr(settings, task_id), retries)):
            runner.release(settings, task_id)
        return
    # The page tasks run in parallel; the one that stores the last page sends the rest. They
    # wait in a queue of their own, which workers take turns with the main queue: a document
    # of a thousand pages cannot hold up another agency's one-page upload behind all of them.
    self.request.chain = None
    runner.release(settings, task_id)
    group(ocr_page.si(task_id, n).set(queue=PAGES_QUEUE) for n in pending).apply_async()


@app.task(bind=True, name="dossier.ocr_page", max_retries=None, **RESILIENT)
def ocr_page(self: CeleryTask, task_id: int, number: int) -> None:
    if progress.is_active(get_settings().db_url, task_id):
        _limited(self, task_id, f"page-{number}", lambda: _ocr_page(self, task_id, number))


def _ocr_page(self: CeleryTask, task_id: int, number: int) -> None:
    settings = get_settings()
    if not _follow(self, runner.guarded(
            settings, task_id, "ocr", lambda: processing.ocr_page(settings, task_id, number),
            self.request.retries)):
        return
    log.info("task %s: page %s stored; worker peak RSS %.0f MB", task_id, number, _peak_rss_mb())
    if progress.advance_after_pages(settings.db_url, task_id, "ocr", "extract"):
        enqueue(task_id, "extract")


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@app.task(bind=True, name="dossier.extract", max_retries=None, **RESILIENT)
def extract_stage(self: CeleryTask, task_id: int) -> None:
    _stage(self, "extract", task_id)


@app.task(bind=True, name="dossier.index", max_retries=None, **RESILIENT)
def index_stage(self: CeleryTask, task_id: int) -> None:
    _stage(self, "index", task_id)


@app.task(bind=True, name="dossier.embed", max_retries=None, **RESILIENT)
def embed_stage(self: CeleryTask, task_id: int) -> None:
    _stage(self, "embed", task_id, last=True)


STAGE_TASKS = {"ocr": ocr_stage, "extract": extract_stage, "index": index_stage,
               "embed": embed_stage}


def enqueue(task_id: int, from_stage: str = "ocr") -> None:
    """Send the chain of stages for a task, starting at ``from_stage``."""
    ensure_configured()
    names = processing.STAGES[processing.STAGES.index(from_stage):]
    chain(*(STAGE_TASKS[n].si(task_id) for n in names)).apply_async()


@worker_process_init.connect
def _fresh_connections(**_: object) -> None:
    """Pooled connections must not cross a fork; the process says how many threads its engines
    get (``dossier worker`` shares the host's CPUs among its processes)."""
    dispose_all()
    log.info("pool process %s: %s engine thread(s)", os.getpid(), get_settings().engine_threads)


@worker_ready.connect
def _start_sweeper(**_: object) -> None:
    settings = get_settings()
    Sweeper(settings, enqueue, every_s=max(2.0, settings.stale_after_s / 2)).start()

"""The one stage runner: claim the task row, run a stage under a heartbeat, record the outcome.

Celery tasks (`workers.tasks`) and `dossier ingest --inline` both run stages through `run`, so a
stage is claimed, retried and failed the same way wherever it runs. Transient faults (database,
broker or search engine unreachable) come back as RETRY while retries are left; anything else
fails the document for good with its reason, keeping the original for a later retry.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable

from models.settings import Settings
from services import failures, processing, progress
from services.progress import Heartbeat

log = logging.getLogger(__name__)


def transient_errors() -> tuple[type[BaseException], ...]:
    """Faults worth retrying: the thing we depend on may be back in a moment."""
    import redis.exceptions
    import sqlalchemy.exc
    from kombu.exceptions import OperationalError as KombuOperationalError

    from search.base import SearchUnavailable

    return (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, ConnectionError,
            TimeoutError, KombuOperationalError, redis.exceptions.ConnectionError,
            SearchUnavailable)


TRANSIENT = transient_errors()


class Outcome(enum.Enum):
    SKIPPED = "skipped"  # done already, or owned by a live worker: a duplicate delivery
    DONE = "done"
    RETRY = "retry"  # a transient fault with retries left: run the stage again later
    FAILED = "failed"  # failed for good (the task row says why)


def claim(settings: Settings, task_id: int, stage: str) -> bool:
    if progress.claim(settings.db_url, task_id, stage, settings.stale_after_s):
        return True
    log.info("task %s: stage %s skipped (done or owned elsewhere)", task_id, stage)
    return False


def guarded(settings: Settings, task_id: int, stage: str, fn: Callable[[], object],
            retries: int) -> Outcome:
    """Run ``fn`` under a heartbeat. A transient fault is RETRY while ``retries`` (made so far)
    is below the setting, then re-raised after failing the task; any other error is FAILED."""
    try:
        with Heartbeat(settings.db_url, task_id, every_s=max(1.0, settings.stale_after_s / 4)):
            fn()
        return Outcome.DONE
    except TRANSIENT as exc:
        if retries >= settings.task_max_retries:
            progress.fail(settings.db_url, task_id, failures.describe(stage, exc, transient=True))
            raise
        log.warning("task %s: stage %s transient fault, retrying: %s", task_id, stage, exc)
        release(settings, task_id)
        return Outcome.RETRY
    except Exception as exc:
        log.exception("task %s: stage %s failed", task_id, stage)
        progress.fail(settings.db_url, task_id, failures.describe(stage, exc))
        return Outcome.FAILED


def run(settings: Settings, task_id: int, stage: str, *, last: bool, retries: int = 0,
        on_pages: processing.Progress | None = None) -> Outcome:
    """Claim ``stage`` of a task, run it, and release the claim (or succeed the task when the
    stage is the ``last``)."""
    if not claim(settings, task_id, stage):
        return Outcome.SKIPPED
    outcome = guarded(settings, task_id, stage,
                      lambda: processing.run(settings, task_id, stage, on_pages), retries)
    if outcome is Outcome.DONE:
        if last:
            progress.succeed(settings.db_url, task_id)
            try:
                processing.finish(settings, task_id)
            except Exception:  # an optimisation only: the features are computed on use
                log.warning("task %s: could not store the case's features", task_id,
                            exc_info=True)
        else:
            release(settings, task_id)
    return outcome


def run_all(settings: Settings, task_id: int, on_stage: Callable[[str], None] | None = None,
            on_pages: processing.Progress | None = None,
            sleep: Callable[[float], None] | None = None) -> Outcome:
    """Every stage in this process (no queue), with the same retries as the worker."""
    import time

    wait = sleep or time.sleep
    for i, stage in enumerate(processing.STAGES):
        if on_stage:
            on_stage(stage)
        last = i == len(processing.STAGES) - 1
        retries = 0
        while (outcome := run(settings, task_id, stage, last=last, retries=retries,
                              on_pages=on_pages)) is Outcome.RETRY:
            wait(backoff(retries))
            retries += 1
        if outcome is not Outcome.DONE:
            return outcome
    return Outcome.DONE


def backoff(retries: int) -> float:
    """Seconds to wait after ``retries`` retries so far: 2, 4, 8 … capped at a minute."""
    return float(min(60, 2 ** (retries + 1)))


def release(settings: Settings, task_id: int) -> None:
    try:
        progress.release(settings.db_url, task_id)
    except TRANSIENT:  # the claim then expires by staleness
        log.warning("task %s: could not release the claim", task_id)

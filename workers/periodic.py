"""Periodic jobs of scale mode, run by Celery beat (one scheduler per deployment).

On the embedded broker every worker's Sweeper (workers.recovery) runs the reminder job itself;
with a real broker the job runs once per period wherever beat sends it, instead of on every
worker host. The job is safe to run twice at once (it claims clocks with a conditional UPDATE,
services.workflow.sweep_reminders), so a second beat by mistake costs time, not duplicates.
"""

from __future__ import annotations

import logging

from models.settings import get_settings
from services import workflow
from workers.celery_app import REMINDERS, app

log = logging.getLogger(__name__)


@app.task(name=REMINDERS, ignore_result=True)
def reminders() -> int:
    """Move legal deadlines between levels; one notification per change."""
    changed = workflow.sweep_reminders(get_settings())
    if changed:
        log.info("reminder sweep: %d deadlines changed level", changed)
    return changed


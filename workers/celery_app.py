"""The Celery application, configured from Settings.

Embedded default: kombu's filesystem transport under ``data_dir/broker`` — no server to install,
several processes on one machine can share it, and it survives restarts because messages are
files. It has no acknowledgements (a message is removed when taken), so a killed worker's task is
recovered by the orphan sweeper in ``workers.recovery`` instead of by redelivery.
Scale-out: any Celery broker URL (Redis, RabbitMQ) with ``acks_late`` so a killed worker's
message is redelivered, plus the same sweeper as a second line of defence.
"""

from __future__ import annotations

from celery import Celery

from models.settings import Settings, get_settings


def configure(app: Celery, settings: Settings) -> None:
    settings.ensure_dirs()
    opts: dict[str, object] = {}
    if settings.embedded_broker:
        folder = str(settings.broker_dir / "in")
        opts = {
            "data_folder_in": folder,
            "data_folder_out": folder,
            "processed_folder": str(settings.broker_dir / "processed"),
            "store_processed": False,
            "control_folder": str(settings.broker_dir / "control"),
        }
    else:
        opts = {"visibility_timeout": settings.visibility_timeout_s}
    app.conf.update(
        broker_url=settings.broker,
        broker_transport_options=opts,
        broker_connection_retry_on_startup=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        worker_max_memory_per_child=settings.worker_max_memory_mb * 1024,  # KiB
        worker_hijack_root_logger=False,
        worker_enable_remote_control=not settings.embedded_broker,
        task_always_eager=settings.task_always_eager,
        task_eager_propagates=False,
        task_default_queue="dossier",
        broker_connection_timeout=5,
        broker_connection_max_retries=3,
        beat_schedule=_beat_schedule(settings),
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
    )


#: the periodic reminder job (workers.periodic): scheduled by Celery beat in scale mode
REMINDERS = "dossier.periodic.reminders"


def _beat_schedule(settings: Settings) -> dict[str, dict[str, object]]:
    """Nothing on the embedded broker (every worker's sweeper runs the reminder job there)."""
    if settings.embedded_broker:
        return {}
    return {"workflow-reminders": {"task": REMINDERS, "schedule": settings.reminder_every_s,
                                   "options": {"expires": settings.reminder_every_s}}}


app = Celery("dossier", include=["workers.tasks", "workers.periodic"])
_applied: dict[str, object] = {}


def ensure_configured(settings: Settings | None = None) -> Celery:
    """Apply the current settings if they changed since the last call.

    A long-lived process (tests, the API) may switch data dirs or brokers; Celery caches its
    connection pools, so they are dropped too (the same reset Celery does after a fork).
    """
    settings = settings or get_settings()
    dump = settings.model_dump(mode="json")
    if dump != _applied:
        configure(app, settings)
        app._after_fork()
        _applied.clear()
        _applied.update(dump)
    return app


ensure_configured()

"""The Celery app: broker from the settings, no result backend, at-least-once delivery.

The database is the source of truth, so messages are only hints: a lost message is re-sent
by the sweeper, a duplicate one finds its job already claimed and does nothing.
"""

from __future__ import annotations

from functools import lru_cache

from celery import Celery
from kombu import Queue

from config.settings import Settings, get_settings
from pipeline.vocabulary import Stage

# A queue per kind of work, so a slow translation provider does not hold up fetching.
QUEUES = ("fetch", "translate", "compose", "publish", "dispatch", "sweep")
STAGE_TASKS = {
    Stage.fetch: "transdraft.fetch",
    Stage.translate: "transdraft.translate",
    Stage.compose: "transdraft.compose",
    Stage.publish: "transdraft.publish",
}


def make_app(settings: Settings) -> Celery:
    """A Celery app configured from ``settings``."""
    app = Celery("transdraft", broker=settings.broker_url, backend=None,
                 include=["worker.tasks"])
    app.conf.update(
        # At least once: a message is acked only after its task ran, and comes back if the
        # worker process running it dies.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=settings.task_soft_time_limit,
        task_time_limit=settings.task_time_limit,
        # Redis hands an unacked message to another worker after this; it must exceed the
        # longest task and countdown, or a slow task would run twice for no reason.
        broker_transport_options={"visibility_timeout": settings.broker_visibility_timeout},
        task_ignore_result=True,
        task_queues=[Queue(name) for name in QUEUES],
        task_default_queue="sweep",
        task_routes={
            **{task: {"queue": stage} for stage, task in STAGE_TASKS.items()},
            "transdraft.sweep": {"queue": "sweep"},
            "transdraft.dispatch": {"queue": "dispatch"},
            "transdraft.sources_tick": {"queue": "sweep"},
        },
        beat_schedule={
            "sweep": {"task": "transdraft.sweep", "schedule": settings.sweep_interval,
                      # A sweep nobody ran in time is replaced by the next one.
                      "options": {"expires": settings.sweep_interval}},
            "sources": {"task": "transdraft.sources_tick", "schedule": 60.0,
                        "options": {"expires": 60.0}},
        },
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a worker waits out a broker restart
        broker_connection_timeout=3,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_hijack_root_logger=True,
    )
    return app


@lru_cache(maxsize=4)
def _app_for(broker_url: str, settings_json: str) -> Celery:
    return make_app(Settings.model_validate_json(settings_json))


def get_app(settings: Settings | None = None) -> Celery:
    """The app for ``settings`` (default: the process's settings), one per configuration."""
    settings = settings or get_settings()
    return _app_for(settings.broker_url, settings.model_dump_json())


def __getattr__(name: str):
    # `celery -A worker.app ...` looks up `app`; build it from the environment only then.
    if name in ("app", "celery"):
        return get_app()
    raise AttributeError(name)

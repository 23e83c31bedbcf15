"""Thin tasks: each takes a job id and hands it to the pipeline services.

The job's row says what to do; a task only claims it (compare-and-set), runs the stage and
sends the next one. A task delivered twice, or for a job already finished, does nothing.
"""

from __future__ import annotations

import logging
from datetime import timezone
from functools import lru_cache

from celery import shared_task, signals
from celery.exceptions import SoftTimeLimitExceeded

from config.settings import get_settings

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _pipeline():
    """One pipeline per worker process, with host limits shared through the broker's Redis."""
    from pipeline.jobs.lifecycle import Pipeline
    from pipeline.fetch.politeness import HostLimiter, LocalBackend, RedisBackend

    settings = get_settings()
    if settings.broker_url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(settings.broker_url, socket_timeout=10,
                                      socket_connect_timeout=5)
        backend = RedisBackend(client, errors=(redis.RedisError,))
    else:
        backend = LocalBackend()
    limiter = HostLimiter(backend, settings.fetch_host_concurrency, settings.fetch_host_rate,
                          settings.fetch_host_wait)
    return Pipeline(settings, host_limiter=limiter)


def run_job(job_id: int) -> str:
    """Run the job's current stage and send the next one; return the job's state."""
    from pipeline.jobs.execution import execute
    from worker.dispatch import send_stage

    settings = get_settings()
    result = execute(settings.database_url, job_id, _pipeline(),
                     timeouts=(SoftTimeLimitExceeded,))
    # Long waits stay in the database (next_attempt_at) for the sweeper, not in the broker.
    if result.dispatch_now and result.delay <= settings.max_countdown:
        send_stage(job_id, result.stage, settings, countdown=result.delay)
    return str(result.state)


@shared_task(name="transdraft.fetch")
def fetch_job(job_id: int) -> str:
    """Fetch and extract the job's article."""
    return run_job(job_id)


@shared_task(name="transdraft.translate")
def translate_job(job_id: int) -> str:
    """Translate and compose the job's article into its draft."""
    return run_job(job_id)


@shared_task(name="transdraft.compose")
def compose_job(job_id: int) -> str:
    """Compose the job's draft."""
    return run_job(job_id)


@shared_task(name="transdraft.publish")
def publish_job(job_id: int) -> str:
    """Publish the job's approved draft to the job's site."""
    return run_job(job_id)


@shared_task(name="transdraft.dispatch")
def dispatch(job_ids: list[int]) -> int:
    """Send the current stage of each of a batch of jobs (a big enqueue, fanned out)."""
    from worker.dispatch import publish_now

    return publish_now(job_ids, get_settings())


@shared_task(name="transdraft.sweep")
def sweep() -> int:
    """Send again what the broker lost: due jobs nobody took, jobs whose worker died."""
    from pipeline.jobs.sweeper import sweep as find_lost
    from worker.dispatch import publish

    settings = get_settings()
    found = find_lost(settings.database_url, settings.dispatch_grace,
                      broker_backlog=_broker_backlog(settings.broker_url))
    return publish(found.dispatch, settings)


def _broker_backlog(broker_url: str) -> int | None:
    """Job messages waiting in a Redis broker; None when it cannot be told."""
    from worker.app import STAGE_TASKS
    from worker.dispatch import CHUNK

    if not broker_url.startswith(("redis://", "rediss://")):
        return None
    import redis

    try:
        client = redis.Redis.from_url(broker_url, socket_timeout=5, socket_connect_timeout=5)
        waiting = sum(client.llen(queue) for queue in STAGE_TASKS)
        # A pending fan-out message stands for up to CHUNK jobs; counting it as a full chunk
        # only delays a re-send until it has been handled.
        return waiting + CHUNK * client.llen("dispatch")
    except redis.RedisError:
        return None


@shared_task(name="transdraft.sources_tick")
def sources_tick() -> int:
    """Run the feed and sitemap sources whose scheduled slot has come."""
    from datetime import datetime

    from pipeline.sources.runs import run_due_sources
    from worker.dispatch import publish

    settings = get_settings()
    job_ids = run_due_sources(settings.database_url, datetime.now(timezone.utc))
    return publish(job_ids, settings)


@signals.worker_process_init.connect
def _own_connections(**_kwargs) -> None:
    # A pool process is forked from the main one, which has already used the database.
    from pipeline.db.session import after_fork

    after_fork()
    _pipeline.cache_clear()


@signals.worker_ready.connect
def _sweep_at_start(sender=None, **_kwargs) -> None:
    # Whatever the broker lost while no worker ran is sent again right away.
    try:
        sender.app.send_task("transdraft.sweep", queue="sweep", retry=False)
    except Exception as error:  # noqa: BLE001 - the beat sweep will come anyway
        log.warning("start-up sweep not sent: %s", error)

"""Thin tasks: each takes a job id and hands it to the pipeline's job runner.

The job's row says what to do; a task only claims it (compare-and-set), runs the stage and
sends the next one. A task delivered twice, or for a job already finished, does nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from functools import lru_cache

import redis
from celery import shared_task, signals
from celery.exceptions import SoftTimeLimitExceeded

from config.settings import get_settings
from pipeline.db.session import after_fork
from pipeline.fetch.politeness import Backend, HostLimiter, LocalBackend, RedisBackend
from pipeline.jobs.execution import execute
from pipeline.jobs.services import Services
from pipeline.jobs.sweeper import sweep
from pipeline.sources.runs import run_due_sources
from worker.app import STAGE_TASKS
from worker.dispatch import IDS_PER_MESSAGE, publish, send_stage, send_stages

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _services() -> Services:
    """One set of services per worker process, with host limits shared through the broker's
    Redis (every worker of the team then keeps to them together)."""
    settings = get_settings()
    backend: Backend
    if _is_redis(settings.broker_url):
        client = redis.Redis.from_url(settings.broker_url, socket_timeout=10,
                                      socket_connect_timeout=5)
        backend = RedisBackend(client, errors=(redis.RedisError,))
    else:
        backend = LocalBackend()
    limiter = HostLimiter(backend, settings.fetch_host_concurrency, settings.fetch_host_rate,
                          settings.fetch_host_wait)
    return Services(settings, host_limiter=limiter)


def _is_redis(broker_url: str) -> bool:
    return broker_url.startswith(("redis://", "rediss://"))


def run_job(job_id: int) -> str:
    """Run the job's current stage and send the next one; return the job's state."""
    settings = get_settings()
    result = execute(settings.database_url, job_id, _services(),
                     timeouts=(SoftTimeLimitExceeded,))
    # Long waits stay in the database (next_attempt_at) for the sweeper, not in the broker.
    if result.dispatch_now and result.delay <= settings.max_countdown:
        send_stage(job_id, result.stage, settings, countdown=result.delay)
    return str(result.state)


@shared_task(name="transdraft.fetch")
def fetch_task(job_id: int) -> str:
    """Fetch and extract the job's article."""
    return run_job(job_id)


@shared_task(name="transdraft.translate")
def translate_task(job_id: int) -> str:
    """Translate and compose the job's article into its draft."""
    return run_job(job_id)


@shared_task(name="transdraft.compose")
def compose_task(job_id: int) -> str:
    """Compose the job's draft."""
    return run_job(job_id)


@shared_task(name="transdraft.publish")
def publish_task(job_id: int) -> str:
    """Publish the job's approved draft to the job's site."""
    return run_job(job_id)


@shared_task(name="transdraft.dispatch")
def dispatch_task(job_ids: list[int]) -> int:
    """Send the current stage of each of a batch of jobs (a big enqueue, fanned out)."""
    return send_stages(job_ids, get_settings())


@shared_task(name="transdraft.sweep")
def sweep_task() -> int:
    """Send again what the broker lost: due jobs nobody took, jobs whose worker died."""
    settings = get_settings()
    found = sweep(settings.database_url, settings.dispatch_grace,
                  broker_backlog=_broker_backlog(settings.broker_url))
    return publish(found.dispatch, settings)


def _broker_backlog(broker_url: str) -> int | None:
    """Job messages waiting in a Redis broker; None when it cannot be told."""
    if not _is_redis(broker_url):
        return None
    try:
        client = redis.Redis.from_url(broker_url, socket_timeout=5, socket_connect_timeout=5)
        waiting = sum(client.llen(queue) for queue in STAGE_TASKS)
        # A pending fan-out message stands for up to IDS_PER_MESSAGE jobs; counting it as a
        # full one only delays a re-send until it has been handled.
        return waiting + IDS_PER_MESSAGE * client.llen("dispatch")
    except redis.RedisError:
        return None


@shared_task(name="transdraft.sources_tick")
def sources_tick_task() -> int:
    """Run the feed and sitemap sources whose scheduled slot has come."""
    settings = get_settings()
    job_ids = run_due_sources(settings.database_url, datetime.now(timezone.utc))
    return publish(job_ids, settings)


@signals.worker_process_init.connect
def _own_connections(**_kwargs) -> None:
    # A pool process is forked from the main one, which has already used the database.
    after_fork()
    _services.cache_clear()


@signals.worker_ready.connect
def _sweep_at_start(sender=None, **_kwargs) -> None:
    # Whatever the broker lost while no worker ran is sent again right away.
    try:
        sender.app.send_task("transdraft.sweep", queue="sweep", retry=False)
    except Exception as error:  # noqa: BLE001 - the beat sweep will come anyway
        log.warning("start-up sweep not sent: %s", error)

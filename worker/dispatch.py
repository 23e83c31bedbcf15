"""Telling the workers about jobs: each job's current stage goes to that stage's queue.

Called after the transaction that made the jobs has committed. A broker that is down only
delays the jobs: they stay queued in the database and the sweeper sends them later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from config.settings import Settings

log = logging.getLogger(__name__)

CHUNK = 500


FANOUT = 50  # more jobs than this are handed to a worker in chunks (see publish)


def publish(job_ids: Iterable[int], settings: Settings) -> int:
    """Send each queued job's current stage to its queue; return how many jobs were handed on.

    Up to FANOUT jobs are sent here; a bigger batch goes as a few ``transdraft.dispatch``
    messages of CHUNK ids each, and a worker sends the stages, so the caller (a person at
    ``enqueue``, a web request) waits for a handful of messages instead of thousands. Never
    raises for a broker or database failure: it logs, and the sweeper sends what is left.
    """
    if not settings.has_broker():
        return 0  # `transdraft up` alone: its runners take queued jobs from the database
    if local_runner_active(settings):
        return 0  # a running `transdraft up` takes them from the database; nobody may read a broker
    ids = list(job_ids)
    if len(ids) > FANOUT:
        return _fan_out(ids, settings)
    return publish_now(ids, settings)


def local_runner_active(settings: Settings) -> bool:
    """True while a `transdraft up` of this database is running (its heartbeat is fresh).

    A database that cannot be read says no: the jobs are then sent, as before.
    """
    from datetime import datetime, timezone

    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.db.session import session_scope
    from pipeline.jobs.runners import runner_alive

    try:
        with session_scope(settings.database_url) as session:
            return runner_alive(session, datetime.now(timezone.utc))
    except SQLAlchemyError as error:
        log.warning("publish: cannot read runner heartbeats (%s)", str(error).splitlines()[0])
        return False


def publish_now(job_ids: Iterable[int], settings: Settings) -> int:
    """Send each queued job's current stage to its queue from this process."""
    from sqlalchemy.exc import SQLAlchemyError

    ids = list(job_ids)
    if not ids:
        return 0
    try:
        stages = _stages(settings.database_url, ids)
    except SQLAlchemyError as error:
        log.warning("publish: cannot read %d jobs (%s); the sweeper will send them",
                    len(ids), str(error).splitlines()[0])
        return 0
    return _send(stages, settings)


def send_stage(job_id: int, stage: str, settings: Settings, countdown: float = 0.0) -> bool:
    """Send one job's ``stage``, optionally after ``countdown`` seconds; False if that failed."""
    return _send([(job_id, stage)], settings, countdown) == 1


def _fan_out(ids: list[int], settings: Settings) -> int:
    from worker.app import get_app

    app = get_app(settings)
    handed = 0
    try:
        with app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=1, interval_start=0,
                                                  interval_step=0.2, timeout=2)
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                app.send_task("transdraft.dispatch", args=[chunk], queue="dispatch",
                              producer=producer, retry=False)
                handed += len(chunk)
    except Exception as error:  # noqa: BLE001 - any broker failure leaves the jobs queued
        log.warning("publish: broker unavailable after %d of %d jobs (%s: %s); "
                    "the sweeper will send the rest", handed, len(ids),
                    type(error).__name__, error)
    return handed


def _stages(database_url: str, ids: list[int]) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from pipeline.db.session import session_scope
    from pipeline.db.models import Job
    from pipeline.vocabulary import JobState

    rows: list[tuple[int, str]] = []
    with session_scope(database_url) as session:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            rows.extend(session.execute(
                select(Job.id, Job.stage)
                .where(Job.id.in_(chunk), Job.state == JobState.queued)
                .order_by(Job.id)))
    return rows


def _send(stages: list[tuple[int, str]], settings: Settings, countdown: float = 0.0) -> int:
    from worker.app import STAGE_TASKS, get_app

    app = get_app(settings)
    sent = 0
    try:
        with app.producer_or_acquire() as producer:
            # One quick try: kombu would otherwise retry the connection for seconds.
            producer.connection.ensure_connection(max_retries=1, interval_start=0,
                                                  interval_step=0.2, timeout=2)
            for job_id, stage in stages:
                task = STAGE_TASKS.get(stage)
                if task is None:
                    continue
                options = {"countdown": countdown} if countdown > 0 else {}
                # No publish retries: a person (or a task) is waiting; the sweeper retries.
                app.send_task(task, args=[job_id], queue=stage, producer=producer,
                              retry=False, **options)
                sent += 1
    except Exception as error:  # noqa: BLE001 - any broker failure leaves the jobs queued
        log.warning("publish: broker unavailable after %d of %d jobs (%s: %s); "
                    "the sweeper will send the rest", sent, len(stages),
                    type(error).__name__, error)
    return sent

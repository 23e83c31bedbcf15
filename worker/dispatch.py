"""Telling the workers about jobs: each job's current stage goes to that stage's queue.

Called after the transaction that made the jobs has committed. A broker that is down only
delays the jobs: they stay queued in the database and the sweeper sends them later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from config.settings import Settings
from pipeline.db.batches import BATCH, batches
from pipeline.db.models import Job
from pipeline.db.session import session_scope
from pipeline.jobs.runners import runner_alive
from pipeline.reasons import first_line
from pipeline.vocabulary import JobState
from worker.app import STAGE_TASKS, get_app

log = logging.getLogger(__name__)

FANOUT = 50  # more jobs than this are handed to a worker in messages of IDS_PER_MESSAGE
IDS_PER_MESSAGE = BATCH


@dataclass(frozen=True)
class _Message:
    """One task message, and how many jobs it hands on."""

    task: str
    queue: str
    args: list = field(default_factory=list)
    jobs: int = 1
    countdown: float = 0.0


def publish(job_ids: Iterable[int], settings: Settings) -> int:
    """Send each queued job's current stage to its queue; return how many jobs were handed on.

    Up to FANOUT jobs are sent here; a bigger batch goes as a few ``transdraft.dispatch``
    messages of IDS_PER_MESSAGE ids each, and a worker sends the stages, so the caller (a
    person at ``enqueue``, a web request) waits for a handful of messages instead of
    thousands. Never raises for a broker or database failure: it logs, and the sweeper
    sends what is left.
    """
    if not settings.has_broker():
        return 0  # `transdraft up` alone: its runners take queued jobs from the database
    if local_runner_active(settings):
        return 0  # a running `transdraft up` takes them from the database; nobody may read a broker
    ids = list(job_ids)
    if len(ids) > FANOUT:
        return _send([_Message("transdraft.dispatch", "dispatch", [list(chunk)], len(chunk))
                      for chunk in batches(ids, IDS_PER_MESSAGE)], settings)
    return send_stages(ids, settings)


def local_runner_active(settings: Settings) -> bool:
    """True while a `transdraft up` of this database is running (its heartbeat is fresh).

    A database that cannot be read says no: the jobs are then sent, as before.
    """
    try:
        with session_scope(settings.database_url) as session:
            return runner_alive(session, datetime.now(timezone.utc))
    except SQLAlchemyError as error:
        log.warning("publish: cannot read runner heartbeats (%s)", first_line(error))
        return False


def send_stages(job_ids: Iterable[int], settings: Settings) -> int:
    """Send each queued job's current stage to its queue from this process."""
    ids = list(job_ids)
    if not ids:
        return 0
    try:
        stages = _queued_stages(settings.database_url, ids)
    except SQLAlchemyError as error:
        log.warning("publish: cannot read %d jobs (%s); the sweeper will send them",
                    len(ids), first_line(error))
        return 0
    return _send(_stage_messages(stages), settings)


def send_stage(job_id: int, stage: str, settings: Settings, countdown: float = 0.0) -> bool:
    """Send one job's ``stage``, optionally after ``countdown`` seconds; False if that failed."""
    return _send(_stage_messages([(job_id, stage)], countdown), settings) == 1


def _queued_stages(database_url: str, ids: Sequence[int]) -> list[tuple[int, str]]:
    rows: list[tuple[int, str]] = []
    with session_scope(database_url) as session:
        for chunk in batches(ids):
            rows.extend(session.execute(
                select(Job.id, Job.stage)
                .where(Job.id.in_(chunk), Job.state == JobState.queued)
                .order_by(Job.id)))
    return rows


def _stage_messages(stages: Iterable[tuple[int, str]], countdown: float = 0.0) -> list[_Message]:
    return [_Message(STAGE_TASKS[stage], stage, [job_id], countdown=countdown)
            for job_id, stage in stages if stage in STAGE_TASKS]


def _send(messages: list[_Message], settings: Settings) -> int:
    """Send ``messages`` over one broker connection; return how many jobs went with them."""
    if not messages:
        return 0
    app = get_app(settings)
    sent = 0
    try:
        with app.producer_or_acquire() as producer:
            # One quick try: kombu would otherwise retry the connection for seconds.
            producer.connection.ensure_connection(max_retries=1, interval_start=0,
                                                  interval_step=0.2, timeout=2)
            for message in messages:
                options = {"countdown": message.countdown} if message.countdown > 0 else {}
                # No publish retries: a person (or a task) is waiting; the sweeper retries.
                app.send_task(message.task, args=message.args, queue=message.queue,
                              producer=producer, retry=False, **options)
                sent += message.jobs
    except Exception as error:  # noqa: BLE001 - any broker failure leaves the jobs queued
        log.warning("publish: broker unavailable after %d of %d jobs (%s: %s); "
                    "the sweeper will send the rest", sent,
                    sum(message.jobs for message in messages), type(error).__name__, error)
    return sent

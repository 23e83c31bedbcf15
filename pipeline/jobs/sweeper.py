"""The sweeper: the database is the truth, so it finds the jobs the broker has lost.

Two kinds of job need sending again: queued jobs that are due but nobody picked up (the
publish failed, the broker restarted and forgot its messages) and running jobs whose worker
died (their lease ran out). The sweeper claims them and returns their ids for dispatch;
running it twice at once, or on two machines, sends each job once: on PostgreSQL rows are
taken with ``FOR UPDATE SKIP LOCKED``, on SQLite every change is a compare-and-set.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pipeline.db.models import Job, utcnow
from pipeline.db.session import session_scope
from pipeline.vocabulary import JobState

log = logging.getLogger(__name__)

BATCH = 1000


@dataclass
class Sweep:
    """What one sweep found."""

    dispatch: list[int] = field(default_factory=list)  # ids to send to the workers
    requeued: int = 0  # running jobs whose lease ran out, queued again
    given_up: int = 0  # of those, failed for having used every attempt


def sweep(database_url: str, grace: float, now: datetime | None = None,
          broker_backlog: int | None = None) -> Sweep:
    """Queue lease-expired jobs again and claim due jobs left unsent for ``grace`` seconds.

    ``broker_backlog``, when the caller can tell, is how many job messages wait in the
    broker. While it is at least the number of due queued jobs, their messages are most
    likely there and just not reached yet (a long backlog), so none is sent a second time;
    a broker that lost its messages reports fewer.
    """
    now = now or utcnow()
    result = Sweep()
    with session_scope(database_url) as session:
        _recover_expired(session, now, result)
    with session_scope(database_url) as session:
        if broker_backlog is None or broker_backlog < _due_count(session, now):
            result.dispatch.extend(_claim_unsent(session, now, timedelta(seconds=grace)))
    if result.dispatch or result.requeued:
        log.info("sweep: %d to dispatch, %d lease-expired requeued, %d given up",
                 len(result.dispatch), result.requeued, result.given_up)
    return result


def due_jobs(session: Session, now: datetime, limit: int) -> list[int]:
    """Ids of queued jobs that are due, oldest first (the in-process runner's next work)."""
    return list(session.scalars(
        select(Job.id).where(Job.state == JobState.queued, Job.next_attempt_at <= now)
        .order_by(Job.next_attempt_at, Job.id).limit(limit)
    ))


def _due_count(session: Session, now: datetime) -> int:
    return session.scalar(select(func.count(Job.id)).where(
        Job.state == JobState.queued, Job.next_attempt_at <= now)) or 0


def _locked(session: Session, query):
    # SKIP LOCKED so two sweepers (or a sweeper and a finishing worker) take different rows.
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def _recover_expired(session: Session, now: datetime, result: Sweep) -> None:
    rows = session.execute(_locked(session, (
        select(Job.id, Job.attempts, Job.max_attempts)
        .where(Job.state == JobState.running, Job.lease_expires_at < now)
        .order_by(Job.id).limit(BATCH)
    ))).all()
    for job_id, attempts, max_attempts in rows:
        lost = f"worker lost during attempt {attempts} (lease expired)"
        if attempts >= max_attempts:
            reason = f"{lost}; gave up after {attempts} attempts"
            values = dict(state=JobState.failed, finished_at=now)
        else:
            reason = lost
            values = dict(state=JobState.queued, next_attempt_at=now)
        changed = session.execute(
            update(Job).where(Job.id == job_id, Job.state == JobState.running,
                              Job.lease_expires_at < now, Job.attempts == attempts)
            .values(last_error=reason, lease_expires_at=None, updated_at=now, **values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            continue
        if values["state"] == JobState.failed:
            result.given_up += 1
        else:
            result.requeued += 1
            result.dispatch.append(job_id)


def _claim_unsent(session: Session, now: datetime, grace: timedelta) -> list[int]:
    rows = session.execute(_locked(session, (
        select(Job.id, Job.next_attempt_at)
        .where(Job.state == JobState.queued, Job.next_attempt_at <= now - grace)
        .order_by(Job.next_attempt_at, Job.id).limit(BATCH)
    ))).all()
    claimed = []
    for job_id, due in rows:
        # Marking it sent now means the next sweep leaves it alone for another grace period.
        changed = session.execute(
            update(Job).where(Job.id == job_id, Job.state == JobState.queued,
                              Job.next_attempt_at == due)
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed:
            claimed.append(job_id)
    return claimed

"""A job's claim: who runs it, until when, and the token that fences out whoever lost it.

A claim is a compare-and-set on the job's row (queued and due, or running with its lease
run out) that raises ``attempts`` by one: that number is the claim's fencing token. While
a stage runs, a :class:`Heartbeat` renews the lease, so a dead worker's job comes back
within about one lease whatever the stage's time limits are; every write that ends the
stage first checks, with :func:`still_owned`, that nobody claimed the job meanwhile.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import Update, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pipeline.db.models import Job, utcnow
from pipeline.db.session import session_scope
from pipeline.reasons import first_line, reason_line
from pipeline.vocabulary import JobState

log = logging.getLogger(__name__)


def claim(session: Session, job_id: int, lease: timedelta) -> Job | None:
    """Move a due queued (or lease-expired running) job to running; None if someone else has it.

    Compare-and-set on the state column, so two deliveries of one task cannot both run it; a
    job waiting for a backoff (``next_attempt_at`` ahead) is not taken early. ``attempts``
    goes up by one and serves as the claim's fencing token (see :func:`still_owned`).
    """
    now = utcnow()
    due = Job.next_attempt_at.is_(None) | (Job.next_attempt_at <= now)
    result = session.execute(
        update(Job)
        .where(Job.id == job_id)
        .where(((Job.state == JobState.queued) & due)
               | ((Job.state == JobState.running) & (Job.lease_expires_at < now)))
        .values(state=JobState.running, lease_expires_at=now + lease,
                attempts=Job.attempts + 1, started_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return session.get(Job, job_id, populate_existing=True)


def owned(job_id: int, token: int) -> Update:
    """An UPDATE of the job that changes nothing unless claim ``token`` still holds it."""
    return (update(Job).where(Job.id == job_id, Job.state == JobState.running,
                              Job.attempts == token)
            .execution_options(synchronize_session=False))


def still_owned(session: Session, job_id: int, token: int) -> bool:
    """Whether the claim numbered ``token`` still holds the job (nobody re-claimed it after
    its lease ran out). Locks the row until the caller's commit."""
    # Core on the connection: no autoflush of the stage's pending changes to the job first.
    table = Job.__table__
    result = session.connection().execute(
        update(table)
        .where(table.c.id == job_id, table.c.state == JobState.running,
               table.c.attempts == token)
        .values(updated_at=utcnow())
    )
    return result.rowcount == 1


class Heartbeat:
    """Renews the claim's lease every third of it while the stage runs, on a thread of its
    own (and so a session of its own: a session belongs to one thread)."""

    def __init__(self, database_url: str, job_id: int, token: int, lease: float) -> None:
        self.database_url = database_url
        self.job_id = job_id
        self.token = token
        self.lease = lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{job_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.lease / 3):
            try:
                with session_scope(self.database_url) as session:
                    session.execute(owned(self.job_id, self.token).values(
                        lease_expires_at=utcnow() + timedelta(seconds=self.lease)))
            except SQLAlchemyError as error:
                log.warning("job %s: lease not renewed (%s)", self.job_id,
                            reason_line(first_line(error)))

"""Running one stage of a queued job for a worker: claim it, run it, then move it on.

After the stage the job is queued for its next stage, done, queued again after a backoff
(transient error), parked until a budget frees up (no attempt used), or failed with its
reason. Every state change is a compare-and-set on the claim, so a task delivered twice, or
a worker that outlived its lease, changes nothing. Celery tasks and the in-process runner of
``transdraft up`` both call :func:`execute`; neither needs to know about error types.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from pipeline.db.session import session_scope
from pipeline.errors import BudgetExceeded, PipelineError, TransientError
from pipeline.jobs.lifecycle import Pipeline, claim, run_stage, still_owned
from pipeline.db.models import Job, utcnow
from pipeline.vocabulary import JobState, Stage
from pipeline.reasons import reason_line

log = logging.getLogger(__name__)


@dataclass
class Execution:
    """What one call of :func:`execute` did."""

    job_id: int
    claimed: bool  # False: not due, already running elsewhere, or finished
    state: str | None = None  # the job's state afterwards; None when unknown (database down)
    stage: str | None = None  # the stage the job waits for when it is queued
    delay: float = 0.0  # seconds until it is due again
    error: str | None = None

    @property
    def dispatch_now(self) -> bool:
        """Whether the job's next stage should be sent to the workers right away."""
        return self.state == JobState.queued and self.stage is not None


class _LeaseLost(Exception):
    """Another worker claimed the job after our lease ran out; our work is thrown away."""


class Heartbeat:
    """Renews the claim's lease every third of it while the stage runs.

    The lease can then be short (a dead worker's job comes back within about one lease)
    whatever the time limits of a stage are.
    """

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
                    session.execute(_owned(self.job_id, self.token).values(
                        lease_expires_at=utcnow() + timedelta(seconds=self.lease)))
            except SQLAlchemyError as error:
                log.warning("job %s: lease not renewed (%s)", self.job_id, _first_line(error))


def backoff(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait before attempt ``attempt + 1``: doubling from ``base`` up to ``cap``,
    with jitter (between half and all of it) so failed jobs do not come back in lockstep."""
    rng = rng or random
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling * rng.uniform(0.5, 1.0)


def execute(
    database_url: str, job_id: int, pipeline: Pipeline,
    timeouts: tuple[type[BaseException], ...] = (),
) -> Execution:
    """Claim job ``job_id``, run its current stage and record what came of it.

    ``timeouts`` are exception types the caller raises to cut a stage short (Celery's soft
    time limit); they count as transient. Never raises for a job's failure: a bad job must
    not take the worker down. Database outages are logged and left to the lease.
    """
    settings = pipeline.settings
    try:
        with session_scope(database_url) as session:
            job = claim(session, job_id, timedelta(seconds=settings.job_lease))
            if job is None:
                return Execution(job_id, False)
            token = job.attempts
            url, stage = job.url, job.stage
            if stage == Stage.fetch and token == 1:
                log.info("job %s started: %s", job_id, url)
    except SQLAlchemyError as error:
        log.warning("job %s: cannot claim, database unavailable: %s", job_id, _first_line(error))
        return Execution(job_id, False, error=f"database unavailable: {_first_line(error)}")

    heartbeat = Heartbeat(database_url, job_id, token, settings.job_lease)
    try:
        with heartbeat, session_scope(database_url) as session:
            job = session.get(Job, job_id)
            outcome = run_stage(session, job, pipeline)
            if not still_owned(session, job_id, token):
                raise _LeaseLost()
            if outcome.next_stage is not None:
                # The stage's output is stored; the next stage starts with fresh attempts.
                job.state = JobState.queued
                job.attempts = 0
                job.next_attempt_at = utcnow()
                job.lease_expires_at = None
                job.last_error = None
            state, stage = job.state, outcome.next_stage
        if state == JobState.done:
            log.info("job %s done: draft %s: %s", job_id, outcome.draft_id, url)
        return Execution(job_id, True, state, stage)
    except _LeaseLost:
        log.warning("job %s: lease lost to another worker; result discarded", job_id)
        return Execution(job_id, True, None, error="lease lost")
    except BudgetExceeded as error:
        resume_at = error.resume_at
        return _park(database_url, job_id, token, error.reason, resume_at, error.retry_after,
                     settings)
    except TransientError as error:
        return _retry(database_url, job_id, token, error.reason, error.retry_after, settings,
                      url)
    except PipelineError as error:
        return _fail(database_url, job_id, token, error.reason, url, stage)
    except timeouts as error:
        reason = f"timed out after {settings.task_soft_time_limit:g} s"
        log.warning("job %s: %s (%s)", job_id, reason, type(error).__name__)
        return _retry(database_url, job_id, token, reason, None, settings, url)
    except SQLAlchemyError as error:
        reason = f"database unavailable: {_first_line(error)}"
        log.warning("job %s: %s", job_id, reason)
        return _retry(database_url, job_id, token, reason, None, settings, url)
    except Exception as error:
        # A bug or an unexpected library error: the job ends visibly failed, the worker lives.
        log.exception("job %s failed unexpectedly", job_id)
        return _fail(database_url, job_id, token,
                     f"internal error: {type(error).__name__}: {_first_line(error)}", url, stage)


def _owned(job_id: int, token: int):
    return (update(Job).where(Job.id == job_id, Job.state == JobState.running,
                              Job.attempts == token)
            .execution_options(synchronize_session=False))


def _read(database_url: str, job_id: int) -> tuple[int, int, str] | None:
    """The job's attempts, attempt limit and stage; None when the database is down."""
    try:
        with session_scope(database_url) as session:
            job = session.get(Job, job_id)
            return job.attempts, job.max_attempts, job.stage
    except SQLAlchemyError as error:
        log.warning("job %s: cannot read (%s)", job_id, _first_line(error))
        return None


def _settle(database_url: str, job_id: int, token: int, values: dict) -> bool:
    """Apply ``values`` if our claim still holds; False when it does not or the database is down."""
    if values.get("last_error"):
        values = {**values, "last_error": reason_line(values["last_error"])}
    try:
        with session_scope(database_url) as session:
            result = session.execute(_owned(job_id, token).values(updated_at=utcnow(), **values))
            return result.rowcount == 1
    except SQLAlchemyError as error:
        # The lease runs out and the sweeper queues the job again.
        log.warning("job %s: cannot record outcome (%s)", job_id, _first_line(error))
        return False


def _retry(database_url: str, job_id: int, token: int, reason: str,
           retry_after: float | None, settings, url: str = "") -> Execution:
    row = _read(database_url, job_id)
    if row is None:
        return Execution(job_id, True, None, error=reason)
    attempts, limit, stage = row
    if attempts >= limit:
        return _fail(database_url, job_id, token,
                     f"{reason}; gave up after {attempts} attempts", url, stage)
    delay = backoff(attempts, settings.retry_base, settings.retry_cap)
    if retry_after:
        delay = max(delay, min(retry_after, settings.retry_cap))
    values = dict(state=JobState.queued, last_error=reason, lease_expires_at=None,
                  next_attempt_at=utcnow() + timedelta(seconds=delay))
    if not _settle(database_url, job_id, token, values):
        return Execution(job_id, True, None, error=reason)
    log.info("job %s: %s; retry of %s in %.1f s", job_id, reason_line(reason), stage, delay)
    return Execution(job_id, True, JobState.queued, stage, delay, reason)


def _park(database_url: str, job_id: int, token: int, reason: str, resume_at: datetime | None,
          retry_after: float | None, settings) -> Execution:
    """Wait without using an attempt: nothing failed, the budget is spent for now."""
    now = utcnow()
    if resume_at is None:
        resume_at = now + timedelta(seconds=retry_after or settings.retry_cap)
    row = _read(database_url, job_id)
    if row is None:
        return Execution(job_id, True, None, error=reason)
    stage = row[2]
    values = dict(state=JobState.queued, last_error=reason, lease_expires_at=None,
                  next_attempt_at=resume_at, attempts=Job.attempts - 1)
    if not _settle(database_url, job_id, token, values):
        return Execution(job_id, True, None, error=reason)
    log.info("job %s: %s; parked until %s", job_id, reason, resume_at.isoformat())
    return Execution(job_id, True, JobState.queued, stage,
                     max(0.0, (resume_at - now).total_seconds()), reason)


def _fail(database_url: str, job_id: int, token: int, reason: str, url: str = "",
          stage: str = "") -> Execution:
    values = dict(state=JobState.failed, last_error=reason, lease_expires_at=None,
                  finished_at=utcnow())
    if not _settle(database_url, job_id, token, values):
        return Execution(job_id, True, None, error=reason)
    log.info("job %s failed at %s: %s: %s", job_id, stage or "?", reason_line(reason), url)
    return Execution(job_id, True, JobState.failed, None, 0.0, reason)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return reason_line(text[0]) if text else type(error).__name__

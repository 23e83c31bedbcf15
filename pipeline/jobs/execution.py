"""The job runner: claim a job, run its current stage, and move it on, in one session.

After the stage the job is queued for its next stage, done, queued again after a backoff
(transient error), parked until a budget frees up (no attempt used), or failed with its
reason (see :mod:`pipeline.jobs.policy`). Every state change first checks that the claim
still holds, so a task delivered twice, or a worker that outlived its lease, changes
nothing. Celery tasks, the in-process runner of ``transdraft up``, ``transdraft publish``
and ``transdraft translate`` all run jobs with :func:`execute`; ``translate`` only waits
in front of it (:func:`run_in_foreground`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pipeline.db.models import Job, utcnow
from pipeline.db.session import session_scope
from pipeline.errors import PipelineError
from pipeline.jobs.lease import Heartbeat, claim, still_owned
from pipeline.jobs.lifecycle import advance, mark_failed, requeue
from pipeline.jobs.policy import Verdict, decide
from pipeline.jobs.services import Services
from pipeline.jobs.stages import run_stage
from pipeline.reasons import first_line, reason_line
from pipeline.vocabulary import JobState, Stage

log = logging.getLogger(__name__)

# The longest wait for a retry that `transdraft translate` sits through: a person is waiting.
FOREGROUND_PATIENCE = 10.0
LEASE_LOST = "lease lost"


@dataclass
class Execution:
    """What one call of :func:`execute` did."""

    job_id: int
    claimed: bool  # False: not due, already running elsewhere, or finished
    state: str | None = None  # the job's state afterwards; None when unknown (database down)
    stage: str | None = None  # the stage the job waits for when it is queued
    delay: float = 0.0  # seconds until it is due again
    error: str | None = None
    draft_id: int | None = None  # the draft a job that ended done made or published
    raised: BaseException | None = None  # what the stage raised, for a caller that waits

    @property
    def dispatch_now(self) -> bool:
        """Whether the job's next stage should be sent to the workers right away."""
        return self.state == JobState.queued and self.stage is not None


class JobBusy(PipelineError):
    """The job could not be claimed: another process runs it, it waits for a backoff, or it
    has ended. ``state``, ``draft_id`` and ``last_error`` say which, so a caller can wait."""

    def __init__(self, reason: str, job_id: int, state: str, draft_id: int | None,
                 last_error: str | None) -> None:
        super().__init__(reason)
        self.job_id, self.state = job_id, state
        self.draft_id, self.last_error = draft_id, last_error


@dataclass
class _Claim:
    """The claim this runner holds: its fencing token and what the log lines name."""

    job_id: int
    token: int
    max_attempts: int
    url: str
    stage: str


def execute(
    database_url: str, job_id: int, services: Services,
    timeouts: tuple[type[Exception], ...] = (), patience: float | None = None,
) -> Execution:
    """Claim job ``job_id``, run its current stage and record what came of it.

    One session serves the stage from claim to outcome, with a commit after the claim (so
    other workers see it and the heartbeat can renew it) and one at the end. ``timeouts``
    are exception types the caller raises to cut a stage short (Celery's soft time limit);
    they count as transient. ``patience`` is the longest wait for a retry the caller will
    sit through (None: any, the job waits in the database); a retry due later fails the job
    now. Never raises for a job's failure: a bad job must not take the worker down.
    Database outages are logged and left to the lease.
    """
    with session_scope(database_url) as session:
        try:
            held = _claim(session, job_id, services.settings.job_lease)
            session.commit()
        except SQLAlchemyError as error:
            session.rollback()
            log.warning("job %s: cannot claim, database unavailable: %s", job_id,
                        _short(error))
            return Execution(job_id, False, error=f"database unavailable: {_short(error)}")
        if held is None:
            return Execution(job_id, False)
        with Heartbeat(database_url, job_id, held.token, services.settings.job_lease):
            try:
                return _run(session, held, services)
            except Exception as error:  # noqa: BLE001 - the policy sorts every error
                session.rollback()
                verdict = decide(error, held.token, held.max_attempts, services.settings,
                                 utcnow(), timeouts)
                return _settle(session, held, verdict, error, patience)


def _claim(session: Session, job_id: int, lease: float) -> _Claim | None:
    job = claim(session, job_id, timedelta(seconds=lease))
    if job is None:
        return None
    if job.stage == Stage.fetch and job.attempts == 1:
        log.info("job %s started: %s", job_id, job.url)
    return _Claim(job_id, job.attempts, job.max_attempts, job.url, job.stage)


def _run(session: Session, held: _Claim, services: Services) -> Execution:
    job = session.get(Job, held.job_id)
    outcome = run_stage(session, job, services)
    if not still_owned(session, held.job_id, held.token):
        session.rollback()
        return _lease_lost(held.job_id)
    if outcome.next_stage is not None:
        advance(job)
    state = job.state
    session.commit()
    if state == JobState.done:
        log.info("job %s done: draft %s: %s", held.job_id, outcome.draft_id, held.url)
    return Execution(held.job_id, True, state, outcome.next_stage, draft_id=outcome.draft_id)


def _settle(session: Session, held: _Claim, verdict: Verdict, error: BaseException,
            patience: float | None) -> Execution:
    """Record the verdict on the stage's error, if our claim still holds the job."""
    job_id = held.job_id
    if verdict.unexpected:
        log.error("job %s failed unexpectedly", job_id, exc_info=error)
    elif not isinstance(error, PipelineError):  # a time limit, the database
        log.warning("job %s: %s (%s)", job_id, verdict.reason, type(error).__name__)
    if not verdict.fails and patience is not None and (
            verdict.fast or verdict.delay > patience):
        verdict = verdict.given_up()  # nobody waits that long here
    try:
        if not still_owned(session, job_id, held.token):
            session.rollback()
            return _lease_lost(job_id)
        job = session.get(Job, job_id, populate_existing=True)
        if verdict.fails:
            mark_failed(job, verdict.reason)
        else:
            requeue(job, verdict.reason, verdict.due_at, verdict.uses_attempt)
        session.commit()
    except SQLAlchemyError as failure:
        # The lease runs out and the sweeper queues the job again.
        session.rollback()
        log.warning("job %s: cannot record outcome (%s)", job_id, _short(failure))
        return Execution(job_id, True, None, error=verdict.reason, raised=error)
    if verdict.fails:
        log.info("job %s failed at %s: %s: %s", job_id, held.stage,
                 reason_line(verdict.reason), held.url)
        return Execution(job_id, True, JobState.failed, None, 0.0, verdict.reason,
                         raised=error)
    if verdict.uses_attempt:
        log.info("job %s: %s; retry of %s in %.1f s", job_id, reason_line(verdict.reason),
                 held.stage, verdict.delay)
    else:
        log.info("job %s: %s; parked until %s", job_id, verdict.reason,
                 verdict.due_at.isoformat())
    return Execution(job_id, True, JobState.queued, held.stage, verdict.delay,
                     verdict.reason, raised=error)


def _lease_lost(job_id: int) -> Execution:
    log.warning("job %s: lease lost to another worker; result discarded", job_id)
    return Execution(job_id, True, None, error=LEASE_LOST)


def run_in_foreground(database_url: str, job_id: int, services: Services,
                      patience: float = FOREGROUND_PATIENCE) -> int:
    """Run every stage of a job here with :func:`execute`; return the draft id.

    Waits out a retry due within ``patience`` seconds; one due later fails the job now (a
    person is waiting) and its error is raised, as is a permanent one. Raises
    :class:`JobBusy` when the job cannot be claimed (another process has it, it waits for a
    later attempt, or it has ended), so the caller can decide to wait for it.
    """
    while True:
        done = execute(database_url, job_id, services, patience=patience)
        if done.state == JobState.done:
            assert done.draft_id is not None
            return done.draft_id
        if done.state == JobState.queued:  # the next stage, or a retry due soon
            if done.delay > 0:
                time.sleep(done.delay)
            continue
        if done.raised is not None:
            if isinstance(done.raised, PipelineError):
                raise done.raised
            raise PipelineError(done.error or "internal error") from done.raised
        if done.error == LEASE_LOST:
            continue  # another process took the job over: the next claim says which
        if done.error is not None:
            raise PipelineError(done.error)
        raise _busy(database_url, job_id)


def _busy(database_url: str, job_id: int) -> JobBusy:
    with session_scope(database_url) as session:
        job = session.get(Job, job_id)
        return JobBusy(_not_claimable(job), job_id, job.state, job.draft_id, job.last_error)


def _not_claimable(job: Job) -> str:
    if job.state == JobState.queued:
        return (f"job {job.id} for this article waits until {job.next_attempt_at:%Y-%m-%d %H:%M} "
                f"UTC: {job.last_error or 'retry later'}")
    return f"job {job.id} for this article is {job.state}, not queued"


def _short(error: BaseException) -> str:
    return reason_line(first_line(error))

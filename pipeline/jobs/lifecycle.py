"""A job's life: queued, running a stage, queued for the next one, ended done or failed.

The state changes every runner makes (:func:`advance`, :func:`finish`, :func:`requeue`,
:func:`mark_failed`) and what a person does to jobs from outside: retry a failed one, list
them, read one as JSON (the same document for ``jobs show --format json`` and the API).
Claims and leases are in :mod:`pipeline.jobs.lease`, running a stage in
:mod:`pipeline.jobs.execution`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.db.models import Job, utcnow
from pipeline.errors import PermanentError
from pipeline.reasons import reason_line
from pipeline.vocabulary import JobState


def advance(job: Job) -> None:
    """The stage's output is stored: queue the job for its next stage, with fresh attempts."""
    job.state = JobState.queued
    job.attempts = 0
    job.next_attempt_at = utcnow()
    job.lease_expires_at = None
    job.last_error = None


def finish(job: Job, draft_id: int) -> None:
    """End the job done, with the draft it made or published."""
    job.draft_id = draft_id
    job.state = JobState.done
    job.last_error = None
    job.finished_at = utcnow()
    job.lease_expires_at = None


def requeue(job: Job, reason: str, due_at: datetime, uses_attempt: bool = True) -> None:
    """Queue the job again at ``due_at`` after its stage failed for ``reason``; a job that
    waits without having failed (a spent budget) gets its attempt back."""
    job.state = JobState.queued
    job.last_error = reason_line(reason)
    job.lease_expires_at = None
    job.next_attempt_at = due_at
    if not uses_attempt:
        job.attempts -= 1


def mark_failed(job: Job, reason: str) -> None:
    """End the job as failed with a reason a person can act on."""
    job.state = JobState.failed
    job.last_error = reason_line(reason)
    job.finished_at = utcnow()
    job.lease_expires_at = None


def retry(session: Session, job_id: int) -> Job:
    """Queue a failed job again from the stage it failed at, with fresh attempts.

    Raises PermanentError (with what to do instead) when the job is not failed, or when
    another job for the same article and language is already queued or running.
    """
    job = session.get(Job, job_id)
    if job is None:
        raise PermanentError(f"no job {job_id}")
    if job.state != JobState.failed:
        hint = ("; enqueue the URL again to re-check the article" if job.state == JobState.done
                else "")
        raise PermanentError(f"job {job_id} is {job.state}, not failed{hint}")
    now = utcnow()
    try:
        with session.begin_nested():
            changed = session.execute(
                update(Job).where(Job.id == job_id, Job.state == JobState.failed)
                .values(state=JobState.queued, attempts=0, next_attempt_at=now,
                        finished_at=None, lease_expires_at=None, updated_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
    except IntegrityError:
        raise PermanentError(
            f"job {job_id}: another job for {job.canonical_url} ({job.target_lang}) is "
            "already queued or running") from None
    if not changed:
        raise PermanentError(f"job {job_id} changed while retrying it; look again")
    return session.get(Job, job_id, populate_existing=True)


def retry_failed(session: Session) -> tuple[list[int], list[tuple[int, str]]]:
    """Queue every failed job again; return the ids queued and (id, reason) of those skipped."""
    queued: list[int] = []
    skipped: list[tuple[int, str]] = []
    ids = session.scalars(select(Job.id).where(Job.state == JobState.failed)
                          .order_by(Job.id)).all()
    for job_id in ids:
        try:
            queued.append(retry(session, job_id).id)
        except PermanentError as error:
            skipped.append((job_id, error.reason))
    return queued, skipped


def job_document(job: Job) -> dict:
    """A job as JSON: ``jobs show|list --format json`` and the API's jobs say the same."""

    def when(value):
        return value.isoformat() if value is not None else None

    return {
        "id": job.id, "url": job.url, "canonical_url": job.canonical_url,
        "target_lang": job.target_lang, "source_lang": job.source_lang,
        "provider": job.provider, "state": job.state, "stage": job.stage,
        "attempts": job.attempts, "max_attempts": job.max_attempts,
        "last_error": job.last_error, "article_id": job.article_id, "draft_id": job.draft_id,
        "next_attempt_at": when(job.next_attempt_at), "created_at": when(job.created_at),
        "updated_at": when(job.updated_at), "started_at": when(job.started_at),
        "finished_at": when(job.finished_at),
    }


def list_jobs(
    session: Session, state: str | None = None, page: int = 1, per_page: int = 25,
) -> tuple[list[Job], int]:
    """One page of jobs, newest first, optionally in one state, and how many match."""
    conditions = [Job.state == state] if state else []
    total = session.scalar(select(func.count()).select_from(Job).where(*conditions)) or 0
    jobs = session.scalars(select(Job).where(*conditions).order_by(Job.id.desc())
                           .offset((page - 1) * per_page).limit(per_page))
    return list(jobs), total

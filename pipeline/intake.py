"""Taking URLs in: validate, canonicalize and add one queued job per article and language.

Every front door (``transdraft enqueue``, ``POST /api/jobs``, a source run) goes through
:func:`enqueue`. It only writes rows; the caller commits and then tells the workers. A job
whose publish is lost is still queued in the database, and the sweeper dispatches it.

Duplicates are decided by the database, not by a read-then-write: the partial unique index
``uq_jobs_active_url`` allows one queued or running job per canonical URL and target
language, and the insert is ``ON CONFLICT DO NOTHING``, so two processes enqueueing the same
article at the same moment make one job. A finished job does not block a new one: enqueueing
an article again later re-checks it for changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.errors import InvalidURL
from pipeline.fetch import canonicalize, check_url
from pipeline.models import ACTIVE_JOB, Job, JobStage, JobState, utcnow

ACTIVE_STATES = (JobState.queued.value, JobState.running.value)


@dataclass
class IntakeReport:
    """What one call of :func:`enqueue` did with each URL it was given."""

    new: list[Job] = field(default_factory=list)
    duplicate: list[Job] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)  # (url as given, reason)

    @property
    def new_ids(self) -> list[int]:
        return [job.id for job in self.new]

    def summary(self) -> dict[str, int]:
        return {"new": len(self.new), "duplicate": len(self.duplicate),
                "invalid": len(self.invalid)}


def enqueue(
    session: Session, urls: list[str], target_lang: str, provider: str | None = None,
    source_lang: str | None = None,
) -> IntakeReport:
    """Add a queued job for every valid URL that has no queued or running job yet.

    Invalid URLs make no job and come back with the reason; a URL whose article (same
    canonical URL, tracking parameters and fragments ignored) already has an active job, or
    appeared earlier in ``urls``, comes back as a duplicate pointing at that job.
    """
    report = IntakeReport()
    target_lang = target_lang.strip().lower()
    for raw in urls:
        try:
            url = check_url(raw)
            canonical = canonicalize(url)
        except InvalidURL as error:
            report.invalid.append((raw, error.reason))
            continue
        job_id = _insert_job(session, url, canonical, target_lang, provider, source_lang)
        if job_id is not None:
            report.new.append(session.get(Job, job_id))
            continue
        existing = active_job(session, canonical, target_lang)
        if existing is None:
            # The active job finished between our insert and this read: try once more.
            job_id = _insert_job(session, url, canonical, target_lang, provider, source_lang)
            if job_id is not None:
                report.new.append(session.get(Job, job_id))
                continue
            existing = active_job(session, canonical, target_lang)
        if existing is not None:
            report.duplicate.append(existing)
    return report


def active_job(session: Session, canonical_url: str, target_lang: str) -> Job | None:
    """The queued or running job for this article and language, if there is one."""
    return session.scalars(
        select(Job).where(Job.canonical_url == canonical_url, Job.target_lang == target_lang,
                          Job.state.in_(ACTIVE_STATES))
    ).first()


def _insert_job(
    session: Session, url: str, canonical: str, target_lang: str, provider: str | None,
    source_lang: str | None,
) -> int | None:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    now = utcnow()
    statement = (
        insert(Job)
        .values(url=url, canonical_url=canonical, target_lang=target_lang, provider=provider,
                source_lang=source_lang, state=JobState.queued.value,
                stage=JobStage.fetch.value, attempts=0, max_attempts=5, next_attempt_at=now,
                created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["canonical_url", "target_lang"],
                                index_where=ACTIVE_JOB)
        .returning(Job.id)
    )
    return session.execute(statement).scalar()

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
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pipeline.db.batches import batches
from pipeline.db.models import ACTIVE_JOB, Job, utcnow
from pipeline.errors import InvalidURL
from pipeline.fetch import canonicalize, check_url
from pipeline.vocabulary import ACTIVE_JOB_STATES, JobState, Stage


@dataclass
class IntakeReport:
    """What one call of :func:`enqueue` did with each URL it was given."""

    new: list[Job] = field(default_factory=list)
    duplicate: list[Job] = field(default_factory=list)
    duplicate_urls: list[str] = field(default_factory=list)  # as given, beside ``duplicate``
    invalid: list[tuple[str, str]] = field(default_factory=list)  # (url as given, reason)

    @property
    def new_ids(self) -> list[int]:
        return [job.id for job in self.new]

    def summary(self) -> dict[str, int]:
        return {"new": len(self.new), "duplicate": len(self.duplicate),
                "invalid": len(self.invalid)}


def enqueue(
    session: Session, urls: list[str], target_lang: str, provider: str | None = None,
    source_lang: str | None = None, max_attempts: int = 5,
) -> IntakeReport:
    """Add a queued job for every valid URL that has no queued or running job yet.

    Invalid URLs make no job and come back with the reason; a URL whose article (same
    canonical URL, tracking parameters and fragments ignored) already has an active job, or
    appeared earlier in ``urls``, comes back as a duplicate pointing at that job.
    """
    report = IntakeReport()
    target_lang = target_lang.strip().lower()
    accepted: list[tuple[str, str]] = []  # (url, canonical) in the order given
    for raw in urls:
        try:
            url = check_url(raw)
            accepted.append((url, canonicalize(url)))
        except InvalidURL as error:
            report.invalid.append((raw, error.reason))
    # The first URL of an article in the batch makes its job; later variants are duplicates.
    first_url: dict[str, str] = {}
    for url, canonical in accepted:
        first_url.setdefault(canonical, url)
    values = dict(target_lang=target_lang, provider=provider, source_lang=source_lang,
                  max_attempts=max_attempts)
    new_ids = _insert_jobs(session, first_url, **values)
    taken = [canonical for canonical in first_url if canonical not in new_ids]
    existing = _active_jobs(session, taken, target_lang)
    for canonical in taken:
        if canonical not in existing:
            # The active job finished between our insert and this read: try once more.
            new_ids.update(_insert_jobs(session, {canonical: first_url[canonical]}, **values))
            if canonical not in new_ids:
                existing.update(_active_jobs(session, [canonical], target_lang))
    jobs = {job.id: job for job in _load(session, list(new_ids.values()))}
    seen: set[str] = set()
    for url, canonical in accepted:
        if canonical in new_ids and canonical not in seen:
            report.new.append(jobs[new_ids[canonical]])
        elif canonical in new_ids:
            report.duplicate.append(jobs[new_ids[canonical]])
            report.duplicate_urls.append(url)
        elif canonical in existing:
            report.duplicate.append(existing[canonical])
            report.duplicate_urls.append(url)
        seen.add(canonical)
    return report


def active_job(session: Session, canonical_url: str, target_lang: str) -> Job | None:
    """The queued or running job for this article and language, if there is one."""
    return session.scalars(
        select(Job).where(Job.canonical_url == canonical_url, Job.target_lang == target_lang,
                          Job.state.in_(ACTIVE_JOB_STATES))
    ).first()


def _insert_jobs(
    session: Session, urls: dict[str, str], target_lang: str, provider: str | None,
    source_lang: str | None, max_attempts: int,
) -> dict[str, int]:
    """Insert a queued job per canonical URL (mapping to the URL as given) unless one is
    active; return canonical URL -> id of the jobs inserted."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    # Sorted, so concurrent batches take the index entries in the same order (no deadlock).
    rows = [dict(url=urls[canonical], canonical_url=canonical, target_lang=target_lang,
                 provider=provider, source_lang=source_lang, state=JobState.queued,
                 stage=Stage.fetch, attempts=0, max_attempts=max_attempts,
                 next_attempt_at=now, created_at=now, updated_at=now)
            for canonical in sorted(urls)]
    inserted: dict[str, int] = {}
    for chunk in batches(rows):
        statement = (
            insert(Job).values(list(chunk))
            .on_conflict_do_nothing(index_elements=["canonical_url", "target_lang"],
                                    index_where=ACTIVE_JOB)
            .returning(Job.id, Job.canonical_url)
        )
        inserted.update((canonical, job_id)
                        for job_id, canonical in session.execute(statement))
    return inserted


def _active_jobs(session: Session, canonicals: list[str], target_lang: str) -> dict[str, Job]:
    found: dict[str, Job] = {}
    for chunk in batches(canonicals):
        for job in session.scalars(select(Job).where(
                Job.canonical_url.in_(chunk), Job.target_lang == target_lang,
                Job.state.in_(ACTIVE_JOB_STATES))):
            found[job.canonical_url] = job
    return found


def _load(session: Session, ids: list[int]) -> list[Job]:
    jobs: list[Job] = []
    for chunk in batches(ids):
        jobs.extend(session.scalars(select(Job).where(Job.id.in_(chunk))))
    return jobs

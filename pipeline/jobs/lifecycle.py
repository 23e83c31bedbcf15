"""A job's life: created queued, its stages run one transaction each, ended done or failed.

The same functions serve the in-process ``transdraft translate`` and the Celery tasks: a
stage loads the job, checks its state first and returns early when the work is done, so a
redelivered task is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from config.settings import Settings
from pipeline.drafts.articles import save_article
from pipeline.errors import PipelineError, ProviderUnavailable
from pipeline.fetch import fetch
from pipeline.fetch.canonical import article_url
from pipeline.db.models import Job, utcnow
from pipeline.vocabulary import JobState, Stage
from pipeline.reasons import reason_line

log = logging.getLogger(__name__)
INLINE_WAIT = 10.0  # longest pause `translate` sits through before retrying a provider


class JobBusy(PipelineError):
    """The job could not be claimed: another process runs it, it waits for a backoff, or it
    has ended. ``state``, ``draft_id`` and ``last_error`` say which, so a caller can wait."""

    def __init__(self, reason: str, job_id: int, state: str, draft_id: int | None,
                 last_error: str | None) -> None:
        super().__init__(reason)
        self.job_id, self.state = job_id, state
        self.draft_id, self.last_error = draft_id, last_error


@dataclass
class StageOutcome:
    """What running one stage did: the stage that comes next, or the end."""

    job_id: int
    next_stage: str | None
    draft_id: int | None = None


@dataclass
class Pipeline:
    """The stage functions with what they need: settings, block templates, providers."""

    settings: Settings
    _templates: object | None = field(default=None, repr=False)
    _glossary: object | None = field(default=None, repr=False)
    # Per-host fetch limits; None: a limiter local to this pipeline, from the settings.
    host_limiter: object | None = field(default=None, repr=False)
    # Where pages are extracted: an ExtractionPool's processes, or None for this thread.
    extraction_pool: object | None = field(default=None, repr=False)
    # Told each stage as it starts (``report("fetching", url=...)``): the CLI's progress.
    on_progress: Callable[..., None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.host_limiter is None:
            from pipeline.fetch.politeness import HostLimiter, LocalBackend

            self.host_limiter = HostLimiter(
                LocalBackend(), self.settings.fetch_host_concurrency,
                self.settings.fetch_host_rate, self.settings.fetch_host_wait)

    @property
    def templates(self):
        from pipeline.drafts.compose import BlockTemplates

        if self._templates is None:
            self._templates = BlockTemplates.from_settings(self.settings)
        return self._templates

    @property
    def glossary(self):
        """The glossary of TRANSDRAFT_GLOSSARY_FILE (empty without one); read once."""
        from pipeline.translate.glossary import Glossary

        if self._glossary is None:
            path = self.settings.glossary_file
            self._glossary = Glossary.load(path) if path else Glossary.empty()
        return self._glossary

    def report(self, stage: str, **detail) -> None:
        """Tell whoever watches this pipeline (the ``translate`` command) what it does now."""
        if self.on_progress is not None:
            self.on_progress(stage, **detail)

    def extract(self, html: str, url: str):
        """The article in a fetched page (see :func:`pipeline.extract.extract`)."""
        if self.extraction_pool is not None:
            return self.extraction_pool.extract(html, url)
        from pipeline.extract import extract

        return extract(html, url)

    def providers(self, names: list[str]):
        from pipeline.translate import make_provider

        return [make_provider(name, self.settings) for name in names]


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


def run_stage(session: Session, job: Job, pipeline: Pipeline) -> StageOutcome:
    """Run the job's current stage and store its output; the caller commits."""
    if job.stage == Stage.fetch:
        return _fetch_stage(session, job, pipeline)
    if job.stage in (Stage.translate, Stage.compose):
        return _translate_stage(session, job, pipeline)
    if job.stage == Stage.publish:
        from pipeline.publish.stage import publish_stage  # publishing builds on this module

        return publish_stage(session, job, pipeline)
    return StageOutcome(job.id, None, job.draft_id)


def still_owned(session: Session, job_id: int, attempts: int) -> bool:
    """Whether the claim numbered ``attempts`` still holds the job (nobody re-claimed it
    after its lease ran out). Locks the row until the caller's commit."""
    # Core on the connection: no autoflush of the stage's pending changes to the job first.
    result = session.connection().execute(
        update(Job.__table__)
        .where(Job.__table__.c.id == job_id, Job.__table__.c.state == JobState.running,
               Job.__table__.c.attempts == attempts)
        .values(updated_at=utcnow())
    )
    return result.rowcount == 1


def _fetch_stage(session: Session, job: Job, pipeline: Pipeline) -> StageOutcome:
    from urllib.parse import urlsplit

    pipeline.report("fetching", url=job.url)
    with pipeline.host_limiter.slot(urlsplit(job.url).hostname or ""):
        page = fetch(job.url, pipeline.settings)
    pipeline.report("extracting")
    extracted = pipeline.extract(page.html, page.final_url)
    # The page's own <link rel=canonical> when it names the same site, else the fetched URL:
    # no page can store itself over another site's article.
    where = article_url(extracted.url, page.final_url or page.url)
    extracted.url = where.url
    article, _changed = save_article(session, extracted)
    article.claimed_canonical_url = where.refused_claim
    # job.canonical_url stays the submitted URL's form: intake's one-active-job rule is keyed
    # on it, and two URLs may name one article (rel=canonical); the article row has its own.
    job.article_id = article.id
    job.stage = Stage.translate
    return StageOutcome(job.id, job.stage)


def _translate_stage(session: Session, job: Job, pipeline: Pipeline) -> StageOutcome:
    # Memory, glossary, fallback chain, budget and checks: see pipeline.jobs.translate_stage.
    from pipeline.jobs.translate_stage import translate_job

    names = [job.provider] if job.provider else None
    pipeline.report("translating", provider=",".join(_provider_chain(names, pipeline.settings)))
    draft = translate_job(session, job, pipeline, _provider_chain(names, pipeline.settings))
    return _finish(job, draft.id)


def _finish(job: Job, draft_id: int) -> StageOutcome:
    job.draft_id = draft_id
    job.stage = Stage.finished
    job.state = JobState.done
    job.last_error = None
    job.finished_at = utcnow()
    job.lease_expires_at = None
    return StageOutcome(job.id, None, draft_id)


def _provider_chain(names: list[str] | None, settings: Settings) -> list[str]:
    if not names:
        return list(settings.provider)
    chain: list[str] = []
    for name in names:
        chain.extend(part.strip().lower() for part in name.split(",") if part.strip())
    return chain


def fail(job: Job, reason: str) -> None:
    """End the job as failed with a reason a person can act on."""
    job.state = JobState.failed
    job.last_error = reason_line(reason)
    job.finished_at = utcnow()
    job.lease_expires_at = None


def run_inline(
    database_url: str, job_id: int, pipeline: Pipeline, provider_retries: int = 2,
) -> int:
    """Run every stage of a job in this process, a transaction per stage; return the draft id.

    Raises the stage's PipelineError after marking the job failed. Fetch errors are not
    retried here (a person is waiting at the terminal); a rate-limited provider is retried
    a couple of times with a short backoff.
    """
    from pipeline.db.session import session_scope
    from pipeline.jobs.execution import Heartbeat

    # The same short, renewed lease as a worker's: if this process is killed, the job can be
    # taken over (by the sweeper, or by the next `translate` of the article) within a lease.
    lease = pipeline.settings.job_lease
    with session_scope(database_url) as session:
        job = claim(session, job_id, timedelta(seconds=lease))
        if job is None:
            other = session.get(Job, job_id)
            raise JobBusy(_not_claimable(other), job_id, other.state, other.draft_id,
                          other.last_error)
        token = job.attempts
    with Heartbeat(database_url, job_id, token, lease):
        return _run_stages(database_url, job_id, pipeline, provider_retries)


def _not_claimable(job: Job) -> str:
    if job.state == JobState.queued:
        return (f"job {job.id} for this article waits until {job.next_attempt_at:%Y-%m-%d %H:%M} "
                f"UTC: {job.last_error or 'retry later'}")
    return f"job {job.id} for this article is {job.state}, not queued"


def _run_stages(database_url: str, job_id: int, pipeline: Pipeline, provider_retries: int) -> int:
    import time

    from pipeline.db.session import session_scope

    provider_attempts = 0
    while True:
        try:
            with session_scope(database_url) as session:
                job = session.get(Job, job_id)
                outcome = run_stage(session, job, pipeline)
        except ProviderUnavailable as error:
            # A DNS failure or a refused connection will not heal while a person waits, nor
            # does a provider paused for longer than the wait here.
            pause = error.retry_after or 2.0 ** (provider_attempts + 1)
            if (provider_attempts < provider_retries and not getattr(error, "fast", False)
                    and pause <= INLINE_WAIT):
                provider_attempts += 1
                time.sleep(pause)
                continue
            _record_failure(database_url, job_id, error.reason)
            raise
        except PipelineError as error:
            _record_failure(database_url, job_id, error.reason)
            raise
        except Exception as error:
            # A bug or an unexpected library error: the job still ends visibly failed.
            log.exception("job %s failed unexpectedly", job_id)
            reason = reason_line(f"internal error: {type(error).__name__}: {error}")
            _record_failure(database_url, job_id, reason)
            raise PipelineError(reason) from error
        if outcome.next_stage is None:
            assert outcome.draft_id is not None
            return outcome.draft_id


def _record_failure(database_url: str, job_id: int, reason: str) -> None:
    from pipeline.db.session import session_scope

    with session_scope(database_url) as session:
        fail(session.get(Job, job_id), reason)


def retry(session: Session, job_id: int) -> Job:
    """Queue a failed job again from the stage it failed at, with fresh attempts.

    Raises PermanentError (with what to do instead) when the job is not failed, or when
    another job for the same article and language is already queued or running.
    """
    from sqlalchemy.exc import IntegrityError

    from pipeline.errors import PermanentError

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
    from pipeline.errors import PermanentError

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
    """The JSON form of a job (``jobs show --format json``)."""

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

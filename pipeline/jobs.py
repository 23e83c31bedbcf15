"""A job's life: created queued, its stages run one transaction each, ended done or failed.

The same functions serve the in-process ``transdraft translate`` and the Celery tasks: a
stage loads the job, checks its state first and returns early when the work is done, so a
redelivered task is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from config.settings import Settings
from pipeline.articles import save_article
from pipeline.errors import PipelineError, ProviderUnavailable
from pipeline.fetch import canonicalize, fetch
from pipeline.models import Job, JobStage, JobState, utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)


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

    @property
    def templates(self):
        from pipeline.compose import BlockTemplates

        if self._templates is None:
            self._templates = BlockTemplates(self.settings.blocks_dir)
        return self._templates

    @property
    def glossary(self):
        """The glossary of TRANSDRAFT_GLOSSARY_FILE (empty without one); read once."""
        from pipeline.glossary import Glossary

        if self._glossary is None:
            path = self.settings.glossary_file
            self._glossary = Glossary.load(path) if path else Glossary.empty()
        return self._glossary

    def providers(self, names: list[str]):
        from pipeline.translate import make_provider

        return [make_provider(name, self.settings) for name in names]


def claim(session: Session, job_id: int) -> Job | None:
    """Move a queued (or lease-expired running) job to running; None if someone else has it.

    Compare-and-set on the state column, so two deliveries of one task cannot both run it.
    """
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(Job.id == job_id)
        .where((Job.state == JobState.queued.value)
               | ((Job.state == JobState.running.value) & (Job.lease_expires_at < now)))
        .values(state=JobState.running.value, lease_expires_at=now + LEASE,
                attempts=Job.attempts + 1, started_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return session.get(Job, job_id, populate_existing=True)


def run_stage(session: Session, job: Job, pipeline: Pipeline) -> StageOutcome:
    """Run the job's current stage and store its output; the caller commits."""
    if job.stage == JobStage.fetch.value:
        return _fetch_stage(session, job, pipeline)
    if job.stage in (JobStage.translate.value, JobStage.compose.value):
        return _translate_stage(session, job, pipeline)
    return StageOutcome(job.id, None, job.draft_id)


def _fetch_stage(session: Session, job: Job, pipeline: Pipeline) -> StageOutcome:
    from pipeline.extract import extract

    page = fetch(job.url, pipeline.settings)
    extracted = extract(page.html, page.final_url)
    # The canonical URL: the page's own <link rel=canonical> if given, else the fetched URL.
    extracted.url = canonicalize(extracted.url or page.url)
    article, _changed = save_article(session, extracted)
    # job.canonical_url stays the submitted URL's form: intake's one-active-job rule is keyed
    # on it, and two URLs may name one article (rel=canonical); the article row has its own.
    job.article_id = article.id
    job.stage = JobStage.translate.value
    return StageOutcome(job.id, job.stage)


def _translate_stage(session: Session, job: Job, pipeline: Pipeline) -> StageOutcome:
    # Memory, glossary, fallback chain, budget and checks: see pipeline.translation.
    from pipeline.translation import translate_job

    names = [job.provider] if job.provider else None
    draft = translate_job(session, job, pipeline, _provider_chain(names, pipeline.settings))
    return _finish(job, draft.id)


def _finish(job: Job, draft_id: int) -> StageOutcome:
    job.draft_id = draft_id
    job.stage = JobStage.finished.value
    job.state = JobState.done.value
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
    job.state = JobState.failed.value
    job.last_error = reason
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
    import time

    from pipeline.db import session_scope

    with session_scope(database_url) as session:
        job = claim(session, job_id)
        if job is None:
            state = session.get(Job, job_id).state
            raise PipelineError(f"job {job_id} for this article is {state}, not queued")
    provider_attempts = 0
    while True:
        try:
            with session_scope(database_url) as session:
                job = session.get(Job, job_id)
                outcome = run_stage(session, job, pipeline)
        except ProviderUnavailable as error:
            if provider_attempts < provider_retries:
                provider_attempts += 1
                time.sleep(min(error.retry_after or 2.0 ** provider_attempts, 10.0))
                continue
            _record_failure(database_url, job_id, error.reason)
            raise
        except PipelineError as error:
            _record_failure(database_url, job_id, error.reason)
            raise
        except Exception as error:
            # A bug or an unexpected library error: the job still ends visibly failed.
            log.exception("job %s failed unexpectedly", job_id)
            reason = f"internal error: {type(error).__name__}: {error}"
            _record_failure(database_url, job_id, reason)
            raise PipelineError(reason) from error
        if outcome.next_stage is None:
            assert outcome.draft_id is not None
            return outcome.draft_id


def _record_failure(database_url: str, job_id: int, reason: str) -> None:
    from pipeline.db import session_scope

    with session_scope(database_url) as session:
        fail(session.get(Job, job_id), reason)


def retry(session: Session, job_id: int) -> Job:
    """Queue a failed job again from the stage where it stopped (the caller commits).

    Compare-and-set from ``failed``, so two clicks on "retry" queue it once. Raises
    PipelineError when the job is not failed or its article already has an active job.
    """
    from pipeline.intake import active_job

    job = session.get(Job, job_id)
    if job is None:
        raise PipelineError(f"no job with id {job_id}")
    if job.state != JobState.failed.value:
        raise PipelineError(f"job {job_id} is {job.state}: only failed jobs are retried")
    other = active_job(session, job.canonical_url, job.target_lang)
    if other is not None:
        raise PipelineError(f"job {other.id} for the same article is already {other.state}")
    now = utcnow()
    done = session.execute(
        update(Job).where(Job.id == job_id, Job.state == JobState.failed.value)
        .values(state=JobState.queued.value, attempts=0, last_error=None, finished_at=None,
                next_attempt_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise PipelineError(f"job {job_id} is no longer failed")
    return session.get(Job, job_id, populate_existing=True)


def list_jobs(
    session: Session, state: str | None = None, page: int = 1, per_page: int = 25,
) -> tuple[list[Job], int]:
    """One page of jobs, newest first, optionally in one state, and how many match."""
    conditions = [Job.state == state] if state else []
    total = session.scalar(select(func.count()).select_from(Job).where(*conditions)) or 0
    jobs = session.scalars(select(Job).where(*conditions).order_by(Job.id.desc())
                           .offset((page - 1) * per_page).limit(per_page))
    return list(jobs), total

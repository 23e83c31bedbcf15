"""What each stage of a job does: fetch (and extract), translate (and compose), publish.

A stage reads the job, does its work, stores the output in the caller's session and moves
the job on; it neither claims nor commits (see :mod:`pipeline.jobs.execution`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from config.settings import Settings
from pipeline.db.models import Job
from pipeline.drafts.articles import save_article
from pipeline.fetch.canonical import article_url
from pipeline.fetch.http import fetch
from pipeline.jobs.lifecycle import finish
from pipeline.jobs.services import Services
from pipeline.jobs.translate_stage import translate_into_draft
from pipeline.publish.stage import publish_approved
from pipeline.vocabulary import Stage


@dataclass
class StageOutcome:
    """What running one stage did: the stage that comes next, or the end."""

    job_id: int
    next_stage: str | None
    draft_id: int | None = None


def run_stage(session: Session, job: Job, services: Services) -> StageOutcome:
    """Run the job's current stage and store its output; the caller commits."""
    if job.stage == Stage.fetch:
        return fetch_stage(session, job, services)
    if job.stage in (Stage.translate, Stage.compose):
        return translate_stage(session, job, services)
    if job.stage == Stage.publish:
        return publish_stage(session, job, services)
    return StageOutcome(job.id, None, job.draft_id)


def fetch_stage(session: Session, job: Job, services: Services) -> StageOutcome:
    """Fetch the page (within the host's limits), extract the article and store it."""
    services.report("fetching", url=job.url)
    with services.host_limiter.slot(urlsplit(job.url).hostname or ""):
        page = fetch(job.url, services.settings)
    services.report("extracting")
    extracted = services.extract(page.html, page.final_url)
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


def translate_stage(session: Session, job: Job, services: Services) -> StageOutcome:
    """Translate the article into its draft (memory, glossary, fallback chain, budget and
    checks: see :mod:`pipeline.jobs.translate_stage`) and end the job done."""
    chain = provider_chain([job.provider] if job.provider else None, services.settings)
    services.report("translating", provider=",".join(chain))
    draft = translate_into_draft(session, job, services, chain)
    job.stage = Stage.finished
    finish(job, draft.id)
    return StageOutcome(job.id, None, draft.id)


def publish_stage(session: Session, job: Job, services: Services) -> StageOutcome:
    """Publish the approved revision of the job's draft to its site and end the job done.

    The stage stays "publish": in ``jobs list`` a done publish is told from a done translation.
    """
    draft_id = publish_approved(session, job, services.settings)
    finish(job, draft_id)
    return StageOutcome(job.id, None, draft_id)


def provider_chain(names: list[str] | None, settings: Settings) -> list[str]:
    """The providers to try, in order: the job's own (comma-separated) or the settings'."""
    if not names:
        return list(settings.provider)
    chain: list[str] = []
    for name in names:
        chain.extend(part.strip().lower() for part in name.split(",") if part.strip())
    return chain

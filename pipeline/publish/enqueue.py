"""Asking for a publish: a publication row per draft and site, and a queued publish job.

The publish job is an ordinary job (stage ``publish``): the workers, the sweeper, ``jobs
list`` and the Jobs page treat it like any other. Its ``canonical_url`` names the draft and
the site, so the one-active-job index allows one queued or running publish per draft and
site: asking twice while one waits gives back the waiting job.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pipeline.db.models import ACTIVE_JOB, AuditEvent, Draft, Job, Publication, Site, utcnow
from pipeline.db.session import insert_or_ignore
from pipeline.drafts import review
from pipeline.publish.content import approved_content, slug_for
from pipeline.publish.sites import list_sites
from pipeline.vocabulary import ACTIVE_JOB_STATES, JobState, Stage


@dataclass
class PublishRequest:
    """The job that will publish a draft to one site; ``new`` is False when one was waiting."""

    site: str
    job: Job
    new: bool


def job_key(site: Site, draft: Draft) -> str:
    """The publish job's ``canonical_url``: one active publish per draft and site."""
    return f"transdraft:publish/{site.name}/draft/{draft.id}"


def request_publish(session: Session, draft: Draft, sites: list[Site], actor: str,
                    max_attempts: int = 5) -> list[PublishRequest]:
    """Queue a publish of ``draft`` to each of ``sites``; the caller commits, then dispatches.

    Refuses (:class:`~pipeline.publish.errors.NotPublishable`) unless the draft is approved.
    """
    approved_content(session, draft)
    requests = []
    for site in sites:
        publication = _publication(session, draft, site)
        job, new = _publish_job(session, draft, site, max_attempts)
        publication.job_id = job.id
        if new:
            session.add(AuditEvent(draft_id=draft.id, job_id=job.id, actor=actor,
                                   action="publish_requested",
                                   detail={"site": site.name, "revision": draft.revision}))
        requests.append(PublishRequest(site.name, job, new))
    session.flush()
    return requests


def approve_and_publish(session: Session, draft: Draft, actor: str, comment: str = "",
                        revision: int | None = None) -> AuditEvent:
    """A reviewer's approval, from any front door: approve the draft (see
    :func:`pipeline.drafts.review.approve`) and queue a publish to every site added with
    ``--auto``, in the caller's transaction."""
    event = review.approve(session, draft, actor, comment, revision=revision)
    auto_publish(session, draft, actor)
    return event


def auto_publish(session: Session, draft: Draft, actor: str) -> list[PublishRequest]:
    """Queue a publish to every site added with ``--auto`` (called as a draft is approved)."""
    sites = [site for site in list_sites(session) if site.auto]
    return request_publish(session, draft, sites, actor) if sites else []


def _publication(session: Session, draft: Draft, site: Site) -> Publication:
    insert_or_ignore(session, Publication,
                     {"draft_id": draft.id, "site_id": site.id, "slug": slug_for(draft),
                      "url": "", "status": "", "created_at": utcnow()},
                     ["draft_id", "site_id"])
    return session.scalars(select(Publication).where(
        Publication.draft_id == draft.id, Publication.site_id == site.id)
        .execution_options(populate_existing=True)).one()


def _publish_job(session: Session, draft: Draft, site: Site, max_attempts: int
                 ) -> tuple[Job, bool]:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    key = job_key(site, draft)
    row = dict(url=draft.article.canonical_url, canonical_url=key, target_lang=draft.target_lang,
               source_lang=draft.source_lang or None, state=JobState.queued,
               stage=Stage.publish, attempts=0, max_attempts=max_attempts,
               article_id=draft.article_id, draft_id=draft.id, next_attempt_at=now,
               created_at=now, updated_at=now)
    job_id = session.execute(
        insert(Job).values(row)
        .on_conflict_do_nothing(index_elements=["canonical_url", "target_lang"],
                                index_where=ACTIVE_JOB)
        .returning(Job.id)).scalar()
    if job_id is not None:
        return session.get(Job, job_id), True
    waiting = session.scalars(select(Job).where(
        Job.canonical_url == key, Job.target_lang == draft.target_lang,
        Job.state.in_(ACTIVE_JOB_STATES))).first()
    if waiting is None:  # it finished between the insert and this read: ask once more
        return _publish_job(session, draft, site, max_attempts)
    return waiting, False

"""The publish stage: put the approved revision of the job's draft on the job's site.

Run by :func:`pipeline.jobs.stages.run_stage` like fetch and translate, so it is claimed with a
lease, retried with backoff on :class:`PublishUnavailable` and failed with the reason on a
refusal. The remote call happens before the transaction commits; if the commit (or the
worker) is lost, the next attempt finds the post by its slug and updates it.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from pipeline.db.models import AuditEvent, Draft, Job, Publication, utcnow
from pipeline.drafts.store import draft_document
from pipeline.publish.content import ApprovedContent, approved_content
from pipeline.publish.errors import InvalidSite
from pipeline.publish.webhook import publish_webhook
from pipeline.publish.wordpress import RemotePost, publish_wordpress
from pipeline.vocabulary import SiteKind

log = logging.getLogger(__name__)


def publish_approved(session: Session, job: Job, settings: Settings) -> int:
    """Publish, record where and which revision; return the draft's id (the caller ends the
    job done)."""
    publication = session.scalars(
        select(Publication).where(Publication.job_id == job.id)).first()
    if publication is None:
        raise InvalidSite(f"job {job.id}: nothing to publish (the site was removed)")
    draft = session.get(Draft, publication.draft_id)
    content = approved_content(session, draft)
    site = publication.site
    if site.kind == SiteKind.wordpress:
        remote = publish_wordpress(site, content, publication, settings)
    else:
        remote = publish_webhook(site, _document(draft, content), publication,
                                 content.revision, settings)
    _record(session, job, publication, content, remote)
    log.info("draft %s revision %s published to %s: %s", draft.id, content.revision,
             site.name, remote.url)
    return draft.id


def _document(draft: Draft, content: ApprovedContent) -> dict:
    document = draft_document(draft)
    document.update(title=content.title, html=content.html,
                    blocks=[block.to_dict() for block in content.blocks])
    return document


def _record(session: Session, job: Job, publication: Publication, content: ApprovedContent,
            remote: RemotePost) -> None:
    now = utcnow()
    publication.remote_id = remote.remote_id
    publication.url = remote.url
    publication.status = remote.status
    publication.revision = content.revision
    publication.published_at = now
    session.add(AuditEvent(draft_id=content.draft_id, job_id=job.id, actor="system",
                           action="published",
                           detail={"site": publication.site.name, "url": remote.url,
                                   "remote_id": remote.remote_id, "status": remote.status,
                                   "revision": content.revision,
                                   **({"warnings": remote.warnings} if remote.warnings else {})}))

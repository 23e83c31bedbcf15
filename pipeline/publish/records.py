"""Where a draft was published: the records shown by ``drafts show``, the API and the page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.db.models import Job, Publication
from pipeline.vocabulary import JobState


def publications(session: Session, draft_id: int) -> list[Publication]:
    return list(session.scalars(select(Publication).where(Publication.draft_id == draft_id)
                                .order_by(Publication.id)))


def publication_documents(session: Session, draft_id: int) -> list[dict[str, Any]]:
    """One ``{"site", "remote_id", "url", "status", "revision", "published_at"}`` per site,
    plus the publish job's ``job_id``, ``job_state`` and ``error`` (why the last try failed)."""
    documents = []
    for publication in publications(session, draft_id):
        job = session.get(Job, publication.job_id) if publication.job_id else None
        documents.append({
            "site": publication.site.name, "remote_id": publication.remote_id,
            "url": publication.url or None, "status": publication.status or None,
            "revision": publication.revision,
            "published_at": (publication.published_at.isoformat()
                             if publication.published_at else None),
            "job_id": job.id if job else None, "job_state": job.state if job else None,
            "error": job.last_error if job is not None and job.state != JobState.done else None,
        })
    return documents

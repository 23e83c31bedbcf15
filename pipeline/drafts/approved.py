"""The approved revision of a draft: what exports (and publishing) read, and nothing later.

A draft keeps changing after its approval (a reviewer edit, a re-translation, a feed
update); each change sends it back to review, but until someone approves again the approved
revision is the one to export. :func:`approved_document` builds it from that revision's
snapshot (:class:`pipeline.db.models.Revision` with its ``meta``), never from the draft's
current columns, so the same approval always exports the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.db.models import AuditEvent, Draft, Revision
from pipeline.drafts.render import clean_block
from pipeline.drafts.sanitize import clean_html
from pipeline.drafts.store import revision_meta
from pipeline.errors import PipelineError
from pipeline.vocabulary import DraftStatus


class NotApproved(PipelineError):
    """The draft has no approved revision (never approved, or rejected since)."""


@dataclass(frozen=True)
class ApprovedDocument:
    """The approved revision of a draft, ready to export or publish.

    ``html`` is the composed article (header blocks, body, footer blocks), sanitized;
    ``document`` is its JSON form (the keys of ``drafts show --format json``).
    """

    draft_id: int
    revision: int
    target_lang: str
    title: str
    html: str
    blocks: list[dict[str, Any]]
    approval: dict[str, str] | None
    document: dict[str, Any] = field(repr=False)


def approved_document(session: Session, draft_id: int) -> ApprovedDocument:
    """The draft's approved revision; :class:`NotApproved` when it has none."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotApproved(f"no draft with id {draft_id}")
    number = draft.approved_revision
    if number is None:
        raise NotApproved(f"draft {draft_id} is {draft.status} and has no approved revision")
    revision = session.scalars(select(Revision).where(
        Revision.draft_id == draft_id, Revision.number == number)).one_or_none()
    if revision is None:
        raise NotApproved(f"draft {draft_id}: its approved revision {number} is missing")
    # Revisions written before snapshots were kept: the draft's values are the best left.
    meta = revision.meta or revision_meta(draft)
    # Stored HTML is sanitized already; cleaning again guards rows of older versions.
    html = clean_html(revision.html)
    blocks = [clean_block(block) for block in revision.blocks or []]
    approval = approval_of(session, draft_id, number)
    document = {
        "id": draft.id,
        "status": DraftStatus.approved,
        "source_url": meta["source_url"],
        "source_lang": meta["source_lang"],
        "target_lang": draft.target_lang,
        "title": revision.title,
        "source_title": meta["source_title"],
        "author": meta["author"],
        "site_name": meta["site_name"],
        "published": meta["published"],
        "provider": meta["provider"],
        "revision": number,
        "approved_revision": number,
        "created_at": draft.created_at.isoformat(),
        "updated_at": revision.created_at.isoformat(),
        "html": html,
        "blocks": blocks,
        "checks": meta["checks"],
    }
    if approval is not None:
        document["approval"] = approval
    return ApprovedDocument(draft.id, number, draft.target_lang, revision.title, html, blocks,
                            approval, document)


def approval_of(session: Session, draft_id: int, revision: int) -> dict[str, str] | None:
    """Who approved ``revision`` of the draft, when, and their comment (the latest such)."""
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.draft_id == draft_id,
                                 AuditEvent.action == DraftStatus.approved)
        .order_by(AuditEvent.id.desc()))
    for event in events:
        if (event.detail or {}).get("revision") == revision:
            return {"by": event.actor, "at": event.created_at.isoformat(),
                    "comment": (event.detail or {}).get("comment", "")}
    return None


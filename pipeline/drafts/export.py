"""Export an approved draft as HTML (the composed article), Markdown or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.db.models import AuditEvent, Draft
from pipeline.drafts.approved import NotApproved, approved_document
from pipeline.drafts.render import render_markdown
from pipeline.errors import PipelineError
from pipeline.vocabulary import DraftStatus, ExportFormat

MEDIA_TYPES = {ExportFormat.html: "text/html; charset=utf-8",
               ExportFormat.md: "text/markdown; charset=utf-8",
               ExportFormat.json: "application/json"}


class NotExportable(PipelineError):
    """Only approved drafts are exported."""


@dataclass
class Export:
    """An exported draft: its text, media type and a file name for downloads."""

    content: str
    media_type: str
    filename: str


def approval(session: Session, draft: Draft) -> dict[str, str] | None:
    """Who approved the draft and when (the latest approval), or None."""
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.draft_id == draft.id,
                                 AuditEvent.action == DraftStatus.approved)
        .order_by(AuditEvent.id.desc())
    ).first()
    if event is None:
        return None
    return {"by": event.actor, "at": event.created_at.isoformat(),
            "comment": (event.detail or {}).get("comment", "")}


def export_draft(session: Session, draft: Draft, format: ExportFormat | str) -> Export:
    """The draft's approved revision in ``format``; NotExportable when it has none.

    Read from the approved revision's snapshot (:func:`pipeline.drafts.approved.approved_document`),
    so a later edit or re-translation changes nothing here until the next approval.
    """
    try:
        format = ExportFormat(format)
    except ValueError:
        raise NotExportable(f"unknown export format {format!r}; "
                            f"choose {', '.join(ExportFormat)}") from None
    try:
        approved = approved_document(session, draft.id)
    except NotApproved as error:
        raise NotExportable(f"{error.reason}: only approved drafts export") from None
    name = f"draft-{draft.id}-{draft.target_lang}"
    if format is ExportFormat.html:
        return Export(approved.html, MEDIA_TYPES[format], f"{name}.html")
    if format is ExportFormat.md:
        return Export(render_markdown(approved.title, approved.html), MEDIA_TYPES[format],
                      f"{name}.md")
    return Export(json.dumps(approved.document, ensure_ascii=False, indent=2),
                  MEDIA_TYPES[format], f"{name}.json")

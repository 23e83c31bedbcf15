"""Drafts over the JSON API, for reviewers: list, read, edit, approve, reject, history,
export. The reviewer's pages are :mod:`web.routes.review`."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, object_session

from pipeline.db.models import Draft
from pipeline.db.session import is_write_conflict
from pipeline.drafts import review
from pipeline.drafts.export import NotExportable, export_draft
from pipeline.drafts.render import clean_block
from pipeline.drafts.store import DraftFilters, draft_document, search_drafts
from pipeline.publish.enqueue import approve_and_publish
from pipeline.publish.records import publication_documents
from pipeline.vocabulary import DraftStatus, ExportFormat
from web.deps import (
    AppBlockTemplates,
    DbSession,
    PageNumber,
    PerPage,
    Reviewer,
    get_draft,
    page_of,
)
from web.errors import review_status
from web.review_glossary import glossary_terms
from web.schemas import (
    LANG_PATTERN,
    AuditOut,
    Decision,
    DraftOut,
    DraftPatch,
    DraftSummary,
    History,
    Page,
    RevisionOut,
)

log = logging.getLogger(__name__)
api = APIRouter(prefix="/api")



def draft_out(draft: Draft) -> dict:
    """The API's document of a draft: its stored document, the source blocks beside the
    translated ones, its warnings and where it was published."""
    document = draft_document(draft)
    document["source_blocks"] = [clean_block(block) for block in
                                 (draft.article.structure or {}).get("blocks", [])]
    document["checks"] = [c for c in document["checks"] if isinstance(c, dict)]
    document["publications"] = publication_documents(object_session(draft), draft.id)
    return document


def summary(draft: Draft) -> DraftSummary:
    """A draft's line in the list."""
    article = draft.article
    return DraftSummary(
        id=draft.id, status=draft.status, title=draft.title, source_title=article.title,
        source_url=article.canonical_url, site_name=article.site_name,
        source_lang=draft.source_lang or article.source_lang, target_lang=draft.target_lang,
        provider=draft.provider, revision=draft.revision, warnings=len(draft.checks or []),
        created_at=draft.created_at, updated_at=draft.updated_at)


@api.get("/drafts", response_model=Page[DraftSummary])
def list_drafts(
    session: DbSession, identity: Reviewer,
    status: DraftStatus | None = None,
    target_lang: str | None = Query(None, pattern=LANG_PATTERN, max_length=16),
    source: str | None = Query(None, max_length=500, description="the source site's name"),
    since: date | None = None, until: date | None = None,
    q: str | None = Query(None, max_length=200, description="words of the title"),
    page: int = PageNumber, per_page: int = PerPage,
) -> dict:
    """Drafts newest first, filtered; ``page`` counts from 1."""
    filters = DraftFilters(status=status, target_lang=target_lang, source=source, since=since,
                           until=until, q=q)
    drafts, total = search_drafts(session, filters, page, per_page)
    return page_of([summary(d) for d in drafts], total, page, per_page)


@api.get("/drafts/{draft_id}", response_model=DraftOut)
def show_draft(draft_id: int, session: DbSession, identity: Reviewer) -> dict:
    """A draft with its source blocks beside the translated ones."""
    return draft_out(get_draft(session, draft_id))


@api.patch("/drafts/{draft_id}", response_model=DraftOut,
              responses={409: {"description": "a later revision changed the same block or "
                                              "title: ``conflict`` has both texts"}})
def edit_draft(draft_id: int, body: DraftPatch, request: Request, session: DbSession,
               identity: Reviewer, templates: AppBlockTemplates) -> dict | JSONResponse:
    """Edit one block or the title: a new revision by the caller, the article recomposed."""
    draft = get_draft(session, draft_id)
    base = body.base_revision if body.base_revision is not None else body.revision
    try:
        with _review_errors(session):
            if body.block is not None:
                changes = dict(body.segments or {})
                if body.html is not None:
                    changes["html"] = body.html
                review.edit_block(session, draft, body.block, changes, identity.name,
                                  templates, base,
                                  terms=glossary_terms(request, draft.target_lang))
            else:
                review.edit_title(session, draft, body.title or "", identity.name, templates,
                                  base)
            session.commit()
    except review.EditConflict as conflict:
        return JSONResponse({"detail": conflict.reason, "conflict": conflict.to_dict()}, 409)
    return draft_out(draft)


@contextmanager
def _review_errors(session: Session) -> Iterator[None]:
    """A review service's refusal as an HTTP answer: 409 for a conflict, 422 otherwise.

    An :class:`review.EditConflict` passes through for the caller to answer with both texts.
    A write that lost a race in the database is a conflict too, never a 500.
    """
    try:
        yield
    except review.EditConflict:
        session.rollback()
        raise
    except review.ReviewError as error:
        session.rollback()
        raise HTTPException(review_status(error), error.reason) from None
    except Exception as error:
        if not is_write_conflict(error):
            raise
        session.rollback()
        log.info("write conflict answered 409: %s", error)
        raise HTTPException(409, "the draft changed at the same moment: reload it and "
                                 "try again") from None


def _decide(draft_id: int, body: Decision, session: Session, identity, action) -> dict:
    draft = get_draft(session, draft_id)
    with _review_errors(session):
        action(session, draft, identity.name, body.comment, revision=body.revision)
        session.commit()
    return draft_out(draft)


@api.post("/drafts/{draft_id}/approve", response_model=DraftOut)
def approve_draft(draft_id: int, session: DbSession, identity: Reviewer,
                  body: Decision | None = None) -> dict:
    """Approve the draft at ``revision`` (409 when it is at another), with a comment."""
    return _decide(draft_id, body or Decision(), session, identity, approve_and_publish)


@api.post("/drafts/{draft_id}/reject", response_model=DraftOut)
def reject_draft(draft_id: int, body: Decision, session: DbSession, identity: Reviewer) -> dict:
    """Reject the draft at ``revision`` (409 when stale); the comment saying why is required."""
    return _decide(draft_id, body, session, identity, review.reject)


@api.get("/drafts/{draft_id}/history", response_model=History)
def draft_history(draft_id: int, session: DbSession, identity: Reviewer) -> dict:
    """The draft's revisions and audit log, newest first."""
    draft = get_draft(session, draft_id)
    return {"revisions": [RevisionOut.model_validate(r) for r in review.revisions(session, draft)],
            "audit": [AuditOut.model_validate(e) for e in review.audit_log(session, draft)]}


@api.get("/drafts/{draft_id}/export", response_class=Response,
            responses={200: {"content": {"text/html": {}, "text/markdown": {},
                                         "application/json": {}}},
                       409: {"description": "the draft has no approved revision"}})
def export(draft_id: int, session: DbSession, identity: Reviewer,
           format: ExportFormat = Query(ExportFormat.html)) -> Response:
    """The approved revision as HTML (the composed article), Markdown or JSON.

    Later revisions waiting for review do not change it until they are approved.
    """
    draft = get_draft(session, draft_id)
    try:
        result = export_draft(session, draft, format)
    except NotExportable as error:
        raise HTTPException(409, error.reason) from None
    return Response(result.content, media_type=result.media_type,
                    headers={"Content-Disposition": f'inline; filename="{result.filename}"'})


"""The JSON API of the contract: jobs for operators, drafts for reviewers."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, object_session

from pipeline.drafts import review
from pipeline.db.session import is_write_conflict
from pipeline.drafts.store import DraftFilters, draft_document, search_drafts
from pipeline.errors import PipelineError
from pipeline.drafts.export import FORMATS, NotExportable, export_draft
from pipeline.db.models import Draft, DraftStatus, Job
from pipeline.publish.records import publication_documents
from pipeline.drafts.render import clean_block
from web.deps import (
    AppBlockTemplates,
    AppSettings,
    DbSession,
    Dispatch,
    Operator,
    Reviewer,
    get_draft,
)
from web.review_glossary import glossary_terms
from web.schemas import (
    LANG_PATTERN,
    AuditOut,
    Decision,
    DraftOut,
    DraftPatch,
    DraftSummary,
    EnqueueRequest,
    EnqueueResponse,
    History,
    InvalidUrl,
    JobOut,
    Page,
    RevisionOut,
)

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api")

StatusName = Literal["pending_review", "approved", "rejected"]
StateName = Literal["queued", "running", "done", "failed"]
PageNumber = Query(1, ge=1, le=1_000_000)
PerPage = Query(25, ge=1, le=100)


def _page(items: list, total: int, page: int, per_page: int) -> dict:
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": max(1, math.ceil(total / per_page))}


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise HTTPException(404, f"no job with id {job_id}")
    return job


def draft_out(draft: Draft) -> dict:
    document = draft_document(draft)
    document["source_blocks"] = [clean_block(block) for block in
                                 (draft.article.structure or {}).get("blocks", [])]
    document["checks"] = [c for c in document["checks"] if isinstance(c, dict)]
    document["publications"] = publication_documents(object_session(draft), draft.id)
    return document


def summary(draft: Draft) -> DraftSummary:
    article = draft.article
    return DraftSummary(
        id=draft.id, status=draft.status, title=draft.title, source_title=article.title,
        source_url=article.canonical_url, site_name=article.site_name,
        source_lang=draft.source_lang or article.source_lang, target_lang=draft.target_lang,
        provider=draft.provider, revision=draft.revision, warnings=len(draft.checks or []),
        created_at=draft.created_at, updated_at=draft.updated_at)


@router.post("/jobs", status_code=202, response_model=EnqueueResponse)
def enqueue_jobs(body: EnqueueRequest, session: DbSession, identity: Operator,
                 settings: AppSettings, dispatch: Dispatch) -> dict:
    """Queue a job per URL; duplicates point at the active job, invalid URLs say why."""
    from pipeline.jobs.intake import enqueue

    report = enqueue(session, body.urls, body.target_lang or settings.target_lang, body.provider)
    new_ids = [job.id for job in report.new]
    session.commit()
    dispatch(new_ids)
    return {"jobs": report.new + report.duplicate, "new": report.new,
            "duplicate": report.duplicate,
            "invalid": [InvalidUrl(url=url, reason=reason) for url, reason in report.invalid]}


@router.get("/jobs", response_model=Page[JobOut])
def list_jobs(session: DbSession, identity: Operator, state: StateName | None = None,
              page: int = PageNumber, per_page: int = PerPage) -> dict:
    """Jobs newest first, optionally in one state."""
    from pipeline.jobs.lifecycle import list_jobs as query_jobs

    jobs, total = query_jobs(session, state, page, per_page)
    return _page(jobs, total, page, per_page)


@router.get("/jobs/{job_id}", response_model=JobOut)
def show_job(job_id: int, session: DbSession, identity: Operator) -> Job:
    """One job: state, stage, attempts and the failure reason."""
    return get_job(session, job_id)


@router.post("/jobs/{job_id}/retry", response_model=JobOut)
def retry_job(job_id: int, session: DbSession, identity: Operator, dispatch: Dispatch) -> Job:
    """Queue a failed job again (409 when it is not failed)."""
    from pipeline.jobs.lifecycle import retry

    get_job(session, job_id)
    try:
        job = retry(session, job_id)
    except PipelineError as error:
        raise HTTPException(409, error.reason) from None
    session.commit()
    dispatch([job.id])
    return job


@router.get("/drafts", response_model=Page[DraftSummary])
def list_drafts(
    session: DbSession, identity: Reviewer,
    status: StatusName | None = None,
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
    return _page([summary(d) for d in drafts], total, page, per_page)


@router.get("/drafts/{draft_id}", response_model=DraftOut)
def show_draft(draft_id: int, session: DbSession, identity: Reviewer) -> dict:
    """A draft with its source blocks beside the translated ones."""
    return draft_out(get_draft(session, draft_id))


@router.patch("/drafts/{draft_id}", response_model=DraftOut,
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
    except review.ReviewConflict as error:
        session.rollback()
        raise HTTPException(409, error.reason) from None
    except review.ReviewError as error:
        session.rollback()
        raise HTTPException(422, error.reason) from None
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


@router.post("/drafts/{draft_id}/approve", response_model=DraftOut)
def approve_draft(draft_id: int, session: DbSession, identity: Reviewer,
                  body: Decision | None = None) -> dict:
    """Approve the draft at ``revision`` (409 when it is at another), with a comment."""
    return _decide(draft_id, body or Decision(), session, identity, review.approve)


@router.post("/drafts/{draft_id}/reject", response_model=DraftOut)
def reject_draft(draft_id: int, body: Decision, session: DbSession, identity: Reviewer) -> dict:
    """Reject the draft at ``revision`` (409 when stale); the comment saying why is required."""
    return _decide(draft_id, body, session, identity, review.reject)


@router.get("/drafts/{draft_id}/history", response_model=History)
def draft_history(draft_id: int, session: DbSession, identity: Reviewer) -> dict:
    """The draft's revisions and audit log, newest first."""
    draft = get_draft(session, draft_id)
    return {"revisions": [RevisionOut.model_validate(r) for r in review.revisions(session, draft)],
            "audit": [AuditOut.model_validate(e) for e in review.audit_log(session, draft)]}


@router.get("/drafts/{draft_id}/export", response_class=Response,
            responses={200: {"content": {"text/html": {}, "text/markdown": {},
                                         "application/json": {}}},
                       409: {"description": "the draft has no approved revision"}})
def export(draft_id: int, session: DbSession, identity: Reviewer,
           format: Literal["html", "md", "json"] = Query("html")) -> Response:
    """The approved revision as HTML (the composed article), Markdown or JSON.

    Later revisions waiting for review do not change it until they are approved.
    """
    assert format in FORMATS
    draft = get_draft(session, draft_id)
    try:
        result = export_draft(session, draft, format)
    except NotExportable as error:
        raise HTTPException(409, error.reason) from None
    return Response(result.content, media_type=result.media_type,
                    headers={"Content-Disposition": f'inline; filename="{result.filename}"'})


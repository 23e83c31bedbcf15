"""The reviewer's pages: the drafts queue, a draft side by side with its source, and the
page's forms (edit a block or the title, approve, reject, dismiss a warning, a block's history,
download). The same work over JSON is :mod:`web.routes.drafts`.

Every piece of fetched or translated HTML is passed through the pipeline's sanitizer right
before it is marked safe for the template (:mod:`web.draft_view`); everything else is
autoescaped by Jinja2.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from pipeline.checks import revisions as review_checks
from pipeline.drafts import review
from pipeline.drafts.compose import BlockTemplates
from pipeline.drafts.export import NotExportable, approval, export_draft
from pipeline.drafts.history import history
from pipeline.drafts.store import DraftFilters, search_drafts, source_sites
from pipeline.publish.enqueue import approve_and_publish
from pipeline.vocabulary import DraftStatus, ExportFormat
from web import draft_view
from web.auth import Identity
from web.deps import AppBlockTemplates, DbSession, Reviewer, get_draft, page_count, render
from web.errors import review_status
from web.review_glossary import glossary_terms
from web.routes.publishing import publishing_context

pages = APIRouter(include_in_schema=False)
PER_PAGE = 25  # drafts on a page of the queue


def _date_or_none(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, f"not a date (YYYY-MM-DD): {value}") from None


@pages.get("/drafts", response_class=HTMLResponse)
def drafts_page(
    request: Request, session: DbSession, identity: Reviewer,
    status: str = "", target_lang: str = Query("", max_length=16),
    source: str = Query("", max_length=500), since: str = "", until: str = "",
    q: str = Query("", max_length=200), page: int = Query(1, ge=1, le=1_000_000),
) -> Response:
    """The review queue."""
    if status and status not in list(DraftStatus):
        raise HTTPException(422, f"unknown status {status}")
    filters = DraftFilters(status=status or None, target_lang=target_lang or None,
                           source=source or None, since=_date_or_none(since),
                           until=_date_or_none(until), q=q or None)
    drafts, total = search_drafts(session, filters, page, PER_PAGE)
    query = {"status": status, "target_lang": target_lang, "source": source, "since": since,
             "until": until, "q": q}
    return render(request, "drafts.html", {
        "identity": identity, "drafts": drafts, "total": total, "page": page,
        "pages": page_count(total, PER_PAGE), "filters": query,
        "query": {k: v for k, v in query.items() if v}, "statuses": list(DraftStatus),
        "sites": source_sites(session)})


def _draft_context(session: Session, draft, diff_number: int | None,
                   templates: BlockTemplates) -> dict[str, Any]:
    revisions = draft_view.recent_revisions(session, draft)
    diff = None
    if diff_number is not None:  # the whole-article raw diff, when asked for
        try:
            diff = review.diff(session, draft, diff_number)
        except review.ReviewError:
            diff = None
    audit_log = review.audit_log(session, draft)
    context = {"draft": draft, "article": draft.article,
               "revisions": revisions, "diff": diff, "audit": audit_log,
               "approval": approval(session, draft),
               "publishing": publishing_context(session, draft)}
    context.update(draft_view.page_context(session, draft, templates, audit_log, revisions))
    return context


@pages.get("/drafts/{draft_id}", response_class=HTMLResponse)
def draft_page(request: Request, draft_id: int, session: DbSession, identity: Reviewer,
               templates: AppBlockTemplates, diff: int | None = Query(None, ge=1)) -> Response:
    """One draft: original and translation side by side, preview, decisions, history."""
    draft = get_draft(session, draft_id)
    context = _draft_context(session, draft, diff, templates)
    saved = request.query_params.get("saved", "")
    context.update(identity=identity, message=request.query_params.get("msg", ""),
                   error=request.query_params.get("error", ""),
                   saved=int(saved) if saved.lstrip("-").isdigit() else None)
    return render(request, "draft.html", context)


def _back(draft_id: int, anchor: str = "", message: str = "") -> RedirectResponse:
    target = f"/drafts/{draft_id}" + (f"?msg={quote(message)}" if message else "") + anchor
    return RedirectResponse(target, status_code=303)


def back_to_block(draft_id: int, index: int, message: str) -> RedirectResponse:
    """Back to the draft page, at the block, with the notice shown there."""
    anchor = f"#block-{index}" if index >= 0 else "#draft-title"
    return RedirectResponse(f"/drafts/{draft_id}?saved={index}&msg={quote(message)}{anchor}",
                            status_code=303)


def _draft_error(request: Request, session: Session, draft, identity: Identity,
                 error: review.ReviewError, templates: BlockTemplates,
                 block: int | None = None, typed: dict[str, str] | None = None,
                 reason: str = "") -> Response:
    """The draft page again, with the refusal (409 or 422, as the API says it); after a
    block that failed to save, its editor open at the block with the typed text."""
    session.rollback()
    draft = get_draft(session, draft.id)
    context = _draft_context(session, draft, None, templates)
    # An edit conflict shows the reviewer's text, kept, beside the other version.
    conflict = error.to_dict() if isinstance(error, review.EditConflict) else None
    context.update(identity=identity, error=error.reason, conflict=conflict)
    if block is not None:
        # A block that failed to save: its editor open at the block, with the typed text.
        context["editor"] = draft_view.reopened_editor(
            draft, block, typed or {}, reason,
            conflict if conflict and conflict["block"] == block else None)
        context["saved"] = block if context["editor"] else None
    return render(request, "draft.html", context, status=review_status(error))


def _form_revision(form) -> int | None:
    """The revision the page showed: the form field ``revision`` (``base_revision`` of
    older pages)."""
    value = form.get("revision") or form.get("base_revision")
    return int(value) if isinstance(value, str) and value.isdigit() else None


@pages.post("/drafts/{draft_id}/blocks/{index}")
async def edit_block(request: Request, draft_id: int, index: int, session: DbSession,
                     identity: Reviewer, templates: AppBlockTemplates) -> Response:
    """Save one block's fields as a new revision."""
    form = await request.form()
    draft = get_draft(session, draft_id)
    changes = {str(name)[6:]: str(value) for name, value in form.multi_items()
               if str(name).startswith("field:")}
    try:
        # In a worker thread: the edit waits for the draft's row lock, which must not stop
        # the event loop.
        await run_in_threadpool(review.edit_block, session, draft, index, changes,
                                identity.name, templates, _form_revision(form),
                                terms=glossary_terms(request, draft.target_lang),
                                reason=str(form.get("reason", "")))
    except review.ReviewError as error:
        return _draft_error(request, session, draft, identity, error, templates, index,
                            changes, str(form.get("reason", "")))
    session.commit()
    return back_to_block(draft_id, index, f"Block {index + 1} saved as revision "
                                          f"{draft.revision}.")


@pages.post("/drafts/{draft_id}/title")
async def edit_title(request: Request, draft_id: int, session: DbSession,
                     identity: Reviewer, templates: AppBlockTemplates) -> Response:
    """Save the translated title as a new revision."""
    form = await request.form()
    draft = get_draft(session, draft_id)
    try:
        await run_in_threadpool(review.edit_title, session, draft, str(form.get("title", "")),
                                identity.name, templates, _form_revision(form))
    except review.ReviewError as error:
        return _draft_error(request, session, draft, identity, error, templates)
    session.commit()
    return back_to_block(draft_id, -1, f"Title saved as revision {draft.revision}.")


async def _decide(request: Request, draft_id: int, session: Session, identity: Identity,
                  templates: BlockTemplates, action, done: str) -> Response:
    form = await request.form()
    draft = get_draft(session, draft_id)
    try:
        await run_in_threadpool(action, session, draft, identity.name,
                                str(form.get("comment", "")), revision=_form_revision(form))
    except review.ReviewError as error:
        return _draft_error(request, session, draft, identity, error, templates)
    session.commit()
    return _back(draft_id, "", done)


@pages.post("/drafts/{draft_id}/approve")
async def approve(request: Request, draft_id: int, session: DbSession, identity: Reviewer,
                  templates: AppBlockTemplates) -> Response:
    """Approve the draft."""
    return await _decide(request, draft_id, session, identity, templates, approve_and_publish,
                         "Approved.")


@pages.post("/drafts/{draft_id}/reject")
async def reject(request: Request, draft_id: int, session: DbSession, identity: Reviewer,
                 templates: AppBlockTemplates) -> Response:
    """Reject the draft with a comment."""
    return await _decide(request, draft_id, session, identity, templates, review.reject,
                         "Rejected.")


@pages.get("/drafts/{draft_id}/export")
def download(draft_id: int, session: DbSession, identity: Reviewer,
             format: ExportFormat = Query(ExportFormat.html)) -> Response:
    """Download an approved draft."""
    draft = get_draft(session, draft_id)
    try:
        result = export_draft(session, draft, format)
    except NotExportable as error:
        raise HTTPException(409, error.reason) from None
    return Response(result.content, media_type=result.media_type, headers={
        "Content-Disposition": f'attachment; filename="{result.filename}"'})


@pages.post("/drafts/{draft_id}/checks/dismiss")
async def dismiss_check(request: Request, draft_id: int, session: DbSession,
                        identity: Reviewer) -> Response:
    """Dismiss one warning with a reason; it is not raised again for the same text."""
    form = await request.form()
    draft = get_draft(session, draft_id)
    block = str(form.get("block", ""))
    if not block.lstrip("-").isdigit():
        raise HTTPException(422, "which block? (block is missing)")
    index = int(block)
    try:
        review_checks.dismiss(session, draft, index, str(form.get("kind", "")),
                              str(form.get("message", "")), str(form.get("reason", "")),
                              identity.name)
    except review_checks.DismissError as error:
        session.rollback()
        return RedirectResponse(
            f"/drafts/{draft_id}?saved={index}&error={quote(error.reason)}#block-{index}",
            status_code=303)
    session.commit()
    return back_to_block(draft_id, index, "Warning dismissed.")


@pages.get("/drafts/{draft_id}/blocks/{index}/history", response_class=HTMLResponse)
def block_history(request: Request, draft_id: int, index: int, session: DbSession,
                  identity: Reviewer, fragment: bool = False) -> Response:
    """One block's changes, newest first, as words; the whole page or just the list."""
    draft = get_draft(session, draft_id)
    entries = history(draft_view.recent_revisions(session, draft, limit=None), block=index)
    return render(request, "_block_history.html" if fragment else "block_history.html",
                  {"identity": identity, "draft": draft, "index": index, "entries": entries})


@pages.get("/drafts/{draft_id}/blocks/{index}/editor", response_class=HTMLResponse)
def block_editor(request: Request, draft_id: int, index: int, session: DbSession,
                 identity: Reviewer, fragment: bool = False,
                 revision: int | None = Query(None, ge=1)) -> Response:
    """One block's editor form, of the revision the reviewer's page shows: just the form
    (review.js fetches it when the editor is opened: a long draft's page stays light), or
    a page of its own with the original beside it (the way in without JavaScript)."""
    draft = get_draft(session, draft_id)
    try:
        editor = draft_view.block_editor(session, draft, index, revision)
    except draft_view.NoEditor as missing:
        raise HTTPException(404, missing.reason) from None
    context = {"identity": identity, "draft": draft, "editor": editor}
    if fragment:
        return render(request, "_block_editor.html", context)
    context["original"] = draft_view.original_parts(draft, index)
    return render(request, "block_editor.html", context)

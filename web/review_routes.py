"""Reviewer page routes beyond editing and deciding: a block's editor form, dismissing a
warning, a block's history.

Included from :mod:`web.app` next to the UI router; the forms carry the session's CSRF token
like every other form.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipeline import review_checks
from pipeline.block_history import history
from web import draft_view
from web.api import get_draft
from web.auth import DbSession, Reviewer

router = APIRouter(include_in_schema=False)


def back_to_block(draft_id: int, index: int, message: str) -> RedirectResponse:
    """Back to the draft page, at the block, with the notice shown there."""
    anchor = f"#block-{index}" if index >= 0 else "#draft-title"
    return RedirectResponse(f"/drafts/{draft_id}?saved={index}&msg={quote(message)}{anchor}",
                            status_code=303)


@router.post("/drafts/{draft_id}/checks/dismiss")
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


@router.get("/drafts/{draft_id}/blocks/{index}/history", response_class=HTMLResponse)
def block_history(request: Request, draft_id: int, index: int, session: DbSession,
                  identity: Reviewer, fragment: bool = False) -> Response:
    """One block's changes, newest first, as words; the whole page or just the list."""
    draft = get_draft(session, draft_id)
    entries = history(draft_view.recent_revisions(session, draft, limit=None), block=index)
    return request.app.state.templates.TemplateResponse(
        request, "_block_history.html" if fragment else "block_history.html",
        {"identity": identity, "draft": draft, "index": index, "entries": entries,
         "csrf_token": identity.csrf_token})


@router.get("/drafts/{draft_id}/blocks/{index}/editor", response_class=HTMLResponse)
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
    context = {"identity": identity, "draft": draft, "editor": editor,
               "csrf_token": identity.csrf_token}
    if fragment:
        return request.app.state.templates.TemplateResponse(request, "_block_editor.html",
                                                            context)
    context["original"] = draft_view.original_parts(draft, index)
    return request.app.state.templates.TemplateResponse(request, "block_editor.html", context)

"""Reviewer page routes beyond editing and deciding: dismissing a warning, a block's history.

Included from :mod:`web.app` next to the UI router; the forms carry the session's CSRF token
like every other form.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipeline.checks import revisions as review_checks
from pipeline.drafts.history import history
from web.deps import DbSession, Reviewer, get_draft, render
from web.draft_view import recent_revisions

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
    entries = history(recent_revisions(session, draft, limit=None), block=index)
    return render(request, "_block_history.html" if fragment else "block_history.html",
                  {"identity": identity, "draft": draft, "index": index, "entries": entries})

"""The reviewer UI: server-rendered pages for the drafts queue, a draft, jobs and accounts.

Every piece of fetched or translated HTML is passed through the pipeline's sanitizer right
before it is marked safe for the template; everything else is autoescaped by Jinja2.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import date
from itertools import islice
from urllib.parse import quote
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from pipeline import accounts, audit, review
from pipeline.compose import BlockTemplates
from pipeline.drafts import DraftFilters, search_drafts, source_sites
from pipeline.errors import PipelineError
from pipeline.export import NotExportable, approval, export_draft
from pipeline.models import ApiToken, DraftStatus, JobState, User
from pipeline.sanitize import clean_html
from web.api import get_draft, get_job, publish_jobs
from web import draft_view
from web.auth import Admin, DbSession, Identity, Operator, Reviewer
from web.publishing import publishing_context
from web.review_glossary import glossary_terms
from web.review_routes import back_to_block
from web.schemas import LANG_PATTERN

router = APIRouter(include_in_schema=False)
PER_PAGE = 25
RENDER_BATCH = 256  # template pieces joined at a time (see _joined)
STATUSES = [s.value for s in DraftStatus]
STATES = [s.value for s in JobState]


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    identity: Identity | None = context.get("identity")
    context.setdefault("csrf_token", identity.csrf_token if identity else "")
    template = request.app.state.templates.get_template(name)
    return HTMLResponse(_joined(template.generate({"request": request, **context})),
                        status_code=status)


def _joined(pieces: Iterator[str]) -> str:
    # Every {{ value }} of a template is a Markup, an object the garbage collector tracks.
    # Joined all at once, a long page keeps thousands of them alive to the end, long enough
    # to be promoted, and that sets off full collections (about 100 ms each here: one in
    # twenty requests of a 300-block draft page). Joined a few hundred at a time, they are
    # freed as the page is written.
    chunks = []
    while batch := list(islice(pieces, RENDER_BATCH)):
        chunks.append("".join(batch))
    return "".join(chunks)


def safe_html(html: str) -> Markup:
    """Sanitized HTML, ready to be shown as markup."""
    return Markup(clean_html(html))


def _date_or_none(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, f"not a date (YYYY-MM-DD): {value}") from None


@router.get("/drafts", response_class=HTMLResponse)
def drafts_page(
    request: Request, session: DbSession, identity: Reviewer,
    status: str = "", target_lang: str = Query("", max_length=16),
    source: str = Query("", max_length=500), since: str = "", until: str = "",
    q: str = Query("", max_length=200), page: int = Query(1, ge=1, le=1_000_000),
) -> Response:
    """The review queue."""
    if status and status not in STATUSES:
        raise HTTPException(422, f"unknown status {status}")
    filters = DraftFilters(status=status or None, target_lang=target_lang or None,
                           source=source or None, since=_date_or_none(since),
                           until=_date_or_none(until), q=q or None)
    drafts, total = search_drafts(session, filters, page, PER_PAGE)
    query = {"status": status, "target_lang": target_lang, "source": source, "since": since,
             "until": until, "q": q}
    return render(request, "drafts.html", {
        "identity": identity, "drafts": drafts, "total": total, "page": page,
        "pages": max(1, math.ceil(total / PER_PAGE)), "filters": query,
        "query": {k: v for k, v in query.items() if v}, "statuses": STATUSES,
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


@router.get("/drafts/{draft_id}", response_class=HTMLResponse)
def draft_page(request: Request, draft_id: int, session: DbSession, identity: Reviewer,
               diff: int | None = Query(None, ge=1)) -> Response:
    """One draft: original and translation side by side, preview, decisions, history."""
    draft = get_draft(session, draft_id)
    context = _draft_context(session, draft, diff, request.app.state.block_templates)
    saved = request.query_params.get("saved", "")
    context.update(identity=identity, message=request.query_params.get("msg", ""),
                   error=request.query_params.get("error", ""),
                   saved=int(saved) if saved.lstrip("-").isdigit() else None)
    return render(request, "draft.html", context)


def _back(draft_id: int, anchor: str = "", message: str = "") -> RedirectResponse:
    target = f"/drafts/{draft_id}" + (f"?msg={quote(message)}" if message else "") + anchor
    return RedirectResponse(target, status_code=303)


def _draft_error(request: Request, session: Session, draft, identity: Identity,
                 error: PipelineError, status: int, block: int | None = None,
                 typed: dict[str, str] | None = None, reason: str = "") -> Response:
    session.rollback()
    draft = get_draft(session, draft.id)
    context = _draft_context(session, draft, None, request.app.state.block_templates)
    # An edit conflict shows the reviewer's text, kept, beside the other version.
    conflict = error.to_dict() if isinstance(error, review.EditConflict) else None
    context.update(identity=identity, error=error.reason, conflict=conflict)
    if block is not None:
        # A block that failed to save: its editor open at the block, with the typed text.
        context["editor"] = draft_view.reopened_editor(
            draft, block, typed or {}, reason,
            conflict if conflict and conflict["block"] == block else None)
        context["saved"] = block if context["editor"] else None
    return render(request, "draft.html", context, status=status)


def _form_revision(form) -> int | None:
    """The revision the page showed: the form field ``revision`` (``base_revision`` of
    older pages)."""
    value = form.get("revision") or form.get("base_revision")
    return int(value) if isinstance(value, str) and value.isdigit() else None


@router.post("/drafts/{draft_id}/blocks/{index}")
async def edit_block(request: Request, draft_id: int, index: int, session: DbSession,
                     identity: Reviewer) -> Response:
    """Save one block's fields as a new revision."""
    form = await request.form()
    draft = get_draft(session, draft_id)
    changes = {str(name)[6:]: str(value) for name, value in form.multi_items()
               if str(name).startswith("field:")}
    try:
        # In a worker thread: the edit waits for the draft's row lock, which must not stop
        # the event loop.
        await run_in_threadpool(review.edit_block, session, draft, index, changes,
                                identity.name, request.app.state.block_templates,
                                _form_revision(form),
                                terms=glossary_terms(request, draft.target_lang),
                                reason=str(form.get("reason", "")))
    except review.ReviewError as error:
        status = 409 if isinstance(error, review.ReviewConflict) else 422
        return _draft_error(request, session, draft, identity, error, status, index, changes,
                            str(form.get("reason", "")))
    session.commit()
    return back_to_block(draft_id, index, f"Block {index + 1} saved as revision "
                                          f"{draft.revision}.")


@router.post("/drafts/{draft_id}/title")
async def edit_title(request: Request, draft_id: int, session: DbSession,
                     identity: Reviewer) -> Response:
    """Save the translated title as a new revision."""
    form = await request.form()
    draft = get_draft(session, draft_id)
    try:
        await run_in_threadpool(review.edit_title, session, draft, str(form.get("title", "")),
                                identity.name, request.app.state.block_templates,
                                _form_revision(form))
    except review.ReviewError as error:
        status = 409 if isinstance(error, review.ReviewConflict) else 422
        return _draft_error(request, session, draft, identity, error, status)
    session.commit()
    return back_to_block(draft_id, -1, f"Title saved as revision {draft.revision}.")


async def _decide(request: Request, draft_id: int, session: Session, identity: Identity,
                  action, done: str) -> Response:
    form = await request.form()
    draft = get_draft(session, draft_id)
    try:
        await run_in_threadpool(action, session, draft, identity.name,
                                str(form.get("comment", "")), revision=_form_revision(form))
    except review.ReviewError as error:
        status = 409 if isinstance(error, review.ReviewConflict) else 422
        return _draft_error(request, session, draft, identity, error, status)
    session.commit()
    return _back(draft_id, "", done)


@router.post("/drafts/{draft_id}/approve")
async def approve(request: Request, draft_id: int, session: DbSession,
                  identity: Reviewer) -> Response:
    """Approve the draft."""
    return await _decide(request, draft_id, session, identity, review.approve, "Approved.")


@router.post("/drafts/{draft_id}/reject")
async def reject(request: Request, draft_id: int, session: DbSession,
                 identity: Reviewer) -> Response:
    """Reject the draft with a comment."""
    return await _decide(request, draft_id, session, identity, review.reject, "Rejected.")


@router.get("/drafts/{draft_id}/export")
def download(draft_id: int, session: DbSession, identity: Reviewer,
             format: str = Query("html", pattern="^(html|md|json)$")) -> Response:
    """Download an approved draft."""
    draft = get_draft(session, draft_id)
    try:
        result = export_draft(session, draft, format)
    except NotExportable as error:
        raise HTTPException(409, error.reason) from None
    return Response(result.content, media_type=result.media_type, headers={
        "Content-Disposition": f'attachment; filename="{result.filename}"'})


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, session: DbSession, identity: Operator, state: str = "",
              page: int = Query(1, ge=1, le=1_000_000)) -> Response:
    """Jobs with their state, stage, attempts and failure reason; the enqueue form."""
    from web.enqueue_report import report_from_query

    return _jobs(request, session, identity, state, page,
                 report=report_from_query(session, request.query_params))


def _jobs(request: Request, session: Session, identity: Identity, state: str, page: int,
          report=None, message: str = "", status: int = 200) -> Response:
    from pipeline.jobs import list_jobs

    if state and state not in STATES:
        raise HTTPException(422, f"unknown state {state}")
    from web.enqueue_report import chosen_language, jobs_active

    jobs, total = list_jobs(session, state or None, page, PER_PAGE)
    return render(request, "jobs.html", {
        "identity": identity, "jobs": jobs, "total": total, "page": page,
        "pages": max(1, math.ceil(total / PER_PAGE)), "state": state, "states": STATES,
        "report": report, "message": message or request.query_params.get("msg", ""),
        "target_lang": chosen_language(request, LANG_PATTERN),
        # While work is under way the page refreshes its list itself (web/static/app.js).
        "refresh": jobs_active(session)}, status=status)


@router.post("/jobs", response_class=HTMLResponse)
async def enqueue(request: Request, session: DbSession, identity: Operator) -> Response:
    """Enqueue the URLs of the form, one a line."""
    from pipeline.intake import enqueue as intake

    form = await request.form()
    lines = [line.strip() for line in str(form.get("urls", "")).splitlines() if line.strip()]
    target_lang = str(form.get("target_lang", "")).strip() or \
        request.app.state.settings.target_lang
    if not lines:
        return _jobs(request, session, identity, "", 1, message="Give at least one URL.",
                     status=422)
    if len(lines) > 1000:
        return _jobs(request, session, identity, "", 1, message="At most 1000 URLs at once.",
                     status=422)
    if len(target_lang) > 16 or not re.match(LANG_PATTERN, target_lang):
        return _jobs(request, session, identity, "", 1,
                     message=f"Not a language code: {target_lang}", status=422)
    from web.enqueue_report import report_location

    report = intake(session, lines, target_lang)
    new_ids = [job.id for job in report.new]
    session.commit()
    publish_jobs(request, new_ids)
    # Post/redirect/get: a reload shows the report again instead of enqueueing twice.
    return RedirectResponse(report_location(report, target_lang), status_code=303)


@router.post("/jobs/{job_id}/retry")
def retry(request: Request, job_id: int, session: DbSession, identity: Operator) -> Response:
    """Queue a failed job again."""
    from pipeline.jobs import retry as retry_job

    get_job(session, job_id)
    try:
        retry_job(session, job_id)
    except PipelineError as error:
        session.rollback()
        return RedirectResponse(f"/jobs?msg={quote(error.reason)}", status_code=303)
    session.commit()
    publish_jobs(request, [job_id])
    return RedirectResponse(f"/jobs?msg={quote(f'Job {job_id} queued again.')}",
                            status_code=303)


def _users(request: Request, session: Session, identity: Identity, message: str = "",
           new_secret: str = "", status: int = 200) -> Response:
    users = list(session.scalars(select(User).order_by(User.name)))
    tokens = list(session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))
    by_user: dict[int, list[ApiToken]] = {}
    for token in tokens:
        by_user.setdefault(token.user_id, []).append(token)
    from pipeline.user_admin import account_events

    return render(request, "users.html", {
        "identity": identity, "users": users, "tokens": by_user, "roles": accounts.ROLES,
        "message": message, "new_secret": new_secret,
        "events": account_events(session, 50)}, status=status)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, session: DbSession, identity: Admin) -> Response:
    """Users and their API tokens."""
    return _users(request, session, identity)


@router.post("/admin/users", response_class=HTMLResponse)
async def add_user(request: Request, session: DbSession, identity: Admin) -> Response:
    """Create a user with a password; they mint their own tokens once signed in (a token
    minted here would let the admin act as them)."""
    form = await request.form()
    password = str(form.get("password", "")) or None
    try:
        user = accounts.create_user(session, str(form.get("name", "")),
                                    str(form.get("role", "")), password)
        audit.record(session, "user_created", {"user": user.name, "role": user.role})
    except accounts.AccountError as error:
        session.rollback()
        return _users(request, session, identity, error.reason, status=422)
    session.commit()
    hint = "" if password else " They have no password yet: set one with Reset password."
    return _users(request, session, identity, f"User {user.name} created.{hint}")


@router.post("/admin/users/{user_id}/tokens", response_class=HTMLResponse)
async def add_token(request: Request, user_id: int, session: DbSession,
                    identity: Admin) -> Response:
    """A new API token for yourself, shown once (never for another user)."""
    form = await request.form()
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(404, f"no user with id {user_id}")
    if user.id != identity.user_id:
        raise HTTPException(403, "tokens are minted only for yourself")
    created = accounts.create_token(session, user, str(form.get("label", ""))[:200])
    audit.record(session, "token_created", {"token_id": created.token.id, "user": user.name})
    session.commit()
    return _users(request, session, identity, f"New token for {user.name}. Copy it now: it is "
                  "not shown again.", created.secret)


@router.post("/admin/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, token_id: int, session: DbSession,
                 identity: Admin) -> Response:
    """Revoke an API token."""
    from pipeline.user_admin import UnknownUser, revoke

    try:
        revoke(session, token_id)
    except UnknownUser as error:
        raise HTTPException(404, error.reason) from None
    session.commit()
    return _users(request, session, identity, f"Token {token_id} revoked.")

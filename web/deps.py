"""The dependencies every router shares: the app's settings and services, the request's unit
of work, who is asking and whether their role may (with CSRF for cookie writes), paging,
the draft lookup and the page renderer.

Routes name them as ``Annotated`` parameters (``session: DbSession, identity: Reviewer``);
the app's services live on ``app.state``, set once by :func:`web.app.create_app`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from config.settings import Settings
from pipeline.accounts import audit
from pipeline.accounts import users as accounts
from pipeline.db.models import Draft
from pipeline.db.session import session_scope
from pipeline.drafts.compose import BlockTemplates
from pipeline.vocabulary import Role
from web.auth import Forbidden, Identity, NotAuthenticated, identify

log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RENDER_BATCH = 256  # template pieces joined at a time (see _joined)


def app_settings(request: Request) -> Settings:
    """The settings the app was made with."""
    return request.app.state.settings


def block_templates(request: Request) -> BlockTemplates:
    """The team's block templates, compiled once when the app was made."""
    return request.app.state.block_templates


AppSettings = Annotated[Settings, Depends(app_settings)]
AppBlockTemplates = Annotated[BlockTemplates, Depends(block_templates)]


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work; handlers that write commit before answering."""
    with session_scope(request.app.state.settings.database_url) as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def job_dispatch(request: Request) -> Callable[[list[int]], None]:
    """``dispatch(job_ids)``: tell the workers about jobs the request has committed; if that
    fails, the queue's sweeper still finds them in the database."""
    publish = request.app.state.publish

    def dispatch(job_ids: list[int]) -> None:
        if publish is None or not job_ids:
            return
        try:
            publish(job_ids)
        except Exception as error:  # noqa: BLE001 - the jobs are durable; dispatch can wait
            log.warning("publishing jobs %s failed (the sweeper will dispatch them): %s",
                        job_ids, error)

    return dispatch


Dispatch = Annotated[Callable[[list[int]], None], Depends(job_dispatch)]


async def check_csrf(request: Request, identity: Identity) -> None:
    """Forbidden for a cookie-authenticated write without the session's CSRF token (a form
    field ``csrf_token`` or the ``X-CSRF-Token`` header); a bearer token needs none, since a
    browser never sends one on its own."""
    if identity.via != "session" or request.method in SAFE_METHODS:
        return
    given = request.headers.get("x-csrf-token")
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            given = value if isinstance(value, str) else None
    if not accounts.same_secret(identity.csrf_token, given):
        raise Forbidden("the form's CSRF token is missing or wrong: reload the page and retry")


def allow(*roles: Role):
    """A dependency admitting the given roles (admins always), with CSRF for cookie writes."""
    allowed = frozenset(roles) | {Role.admin}

    async def dependency(request: Request, session: DbSession) -> Identity:
        # In a worker thread: a database call here would stop the event loop while it waits
        # for a pooled connection, and with it the clean-ups that give connections back.
        identity = await run_in_threadpool(identify, request, session)
        if identity is None:
            raise NotAuthenticated()
        if identity.role not in allowed:
            raise Forbidden(f"role {identity.role} may not do this; "
                            f"it needs {' or '.join(sorted(allowed))}")
        await check_csrf(request, identity)
        request.state.identity = identity
        # Every audit event this request writes names this user and credential.
        audit.act_as(audit.Actor(identity.name, identity.user_id, identity.credential))
        return identity

    dependency.roles = allowed  # read by the authorization tests and the docs
    return dependency


Reviewer = Annotated[Identity, Depends(allow(Role.reviewer))]
Operator = Annotated[Identity, Depends(allow(Role.operator))]
Admin = Annotated[Identity, Depends(allow(Role.admin))]
AnyUser = Annotated[Identity, Depends(allow(Role.reviewer, Role.operator))]


PageNumber = Query(1, ge=1, le=1_000_000)
PerPage = Query(25, ge=1, le=100)


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill (at least one, if empty)."""
    return max(1, math.ceil(total / per_page))


def page_of(items: list, total: int, page: int, per_page: int) -> dict:
    """One page of a list, as :class:`web.schemas.Page` says."""
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": page_count(total, per_page)}


def get_draft(session: Session, draft_id: int) -> Draft:
    """The draft, or 404.

    Called by the handlers rather than declared as a dependency, so that a request with
    an invalid body is still answered 422 before the draft is looked up.
    """
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise HTTPException(404, f"no draft with id {draft_id}")
    return draft


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """The page ``name`` of web/templates; its forms carry the signed-in user's CSRF token."""
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

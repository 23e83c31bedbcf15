"""Who is asking: a bearer token or a session cookie, the role check, and CSRF.

Every route except the public ones depends on :func:`allow`. A bearer token is never sent
by a browser on its own, so only cookie-authenticated writes need the CSRF token (a form
field ``csrf_token`` or the ``X-CSRF-Token`` header).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from pipeline.accounts import users as accounts

from pipeline.accounts import audit
from pipeline.db.session import session_scope
from pipeline.db.models import LoginSession, User
from pipeline.vocabulary import Role

SESSION_COOKIE = "transdraft_session"
LOGIN_CSRF_COOKIE = "transdraft_login_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotAuthenticated(Exception):
    """No valid credentials: answered 401 (JSON for the API, the login page for the UI)."""

    def __init__(self, reason: str = "sign in or send a valid bearer token") -> None:
        super().__init__(reason)
        self.reason = reason


class Forbidden(Exception):
    """Valid credentials without the right: answered 403."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    """The signed-in user of this request and how they proved it (plain values, so error
    pages can still show them after the request's session is gone)."""

    user_id: int
    name: str
    role: Role
    via: str  # "token" or "session"
    csrf_token: str = ""
    token_id: int | None = None  # the bearer token used, for the audit log

    @classmethod
    def of(cls, user: User, via: str, login: LoginSession | None = None,
           token_id: int | None = None) -> Identity:
        return cls(user.id, user.name, user.role, via, login.csrf_token if login else "",
                   token_id)

    @property
    def credential(self) -> str:
        """How the audit log names this credential: "session" or "token:ID"."""
        if self.token_id is not None:
            return audit.token_credential(self.token_id)
        return audit.SESSION


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work; handlers that write commit before answering."""
    with session_scope(request.app.state.settings.database_url) as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def identify(request: Request, session: Session) -> Identity | None:
    """The identity of the request's credentials; NotAuthenticated for a bad token."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise NotAuthenticated("the Authorization header must be 'Bearer TOKEN'")
        token = accounts.live_token(session, secret.strip())
        if token is None:
            raise NotAuthenticated("the bearer token is unknown or revoked")
        return Identity.of(token.user, "token", token_id=token.id)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        login = accounts.find_session(session, cookie)
        if login is not None:
            return Identity.of(login.user, "session", login)
    return None


async def _check_csrf(request: Request, identity: Identity) -> None:
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
        await _check_csrf(request, identity)
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

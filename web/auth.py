"""Who is asking: the identity a bearer token or a session cookie proves, and the two refusals
(401 without valid credentials, 403 without the right).

The role check and CSRF are the dependencies of :mod:`web.deps`, which every route except the
public ones uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from pipeline.accounts import audit
from pipeline.accounts import users as accounts
from pipeline.db.models import LoginSession, User
from pipeline.vocabulary import Role

SESSION_COOKIE = "transdraft_session"
LOGIN_CSRF_COOKIE = "transdraft_login_csrf"


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

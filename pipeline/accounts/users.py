"""Accounts: users with a role, argon2 passwords, revocable bearer tokens, login sessions.

Secrets (tokens, session values) are random and only their SHA-256 is stored, so reading the
database does not let anyone sign in. Login attempts are rows, so the rate limit holds across
every web process of a deployment.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pipeline.db.models import ApiToken, LoginAttempt, LoginSession, User, utcnow
from pipeline.errors import PipelineError
from pipeline.vocabulary import Role

SESSION_LIFETIME = timedelta(hours=12)
ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_ADDRESS = 20
TOKEN_PREFIX = "td_"

_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong name costs as long as a wrong
# password and response time does not reveal which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(PipelineError):
    """A request about accounts that cannot be done (unknown role, name taken, ...)."""


class TooManyAttempts(AccountError):
    """Too many failed logins for this name or address in the window."""


@dataclass
class NewToken:
    """A token as created: the secret is shown once and never stored."""

    token: ApiToken
    secret: str


def digest(secret: str) -> str:
    """The SHA-256 hex of a token or session value (what the database keeps)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    """An argon2 hash of ``password``."""
    return _hasher.hash(password)


def parse_role(role: str) -> Role:
    """The role named ``role``; ``AccountError`` naming the roles there are when none is."""
    try:
        return Role(role)
    except ValueError:
        raise AccountError(f"unknown role {role!r}; choose from {', '.join(Role)}") from None


def create_user(session: Session, name: str, role: str, password: str | None = None) -> User:
    """Add a user (the caller commits); ``AccountError`` for a bad role or a taken name."""
    name = name.strip()
    if not name or len(name) > 200 or any(ch.isspace() for ch in name):
        raise AccountError("user name must be 1-200 characters without spaces")
    role = parse_role(role)
    if session.scalars(select(User).where(User.name == name)).first() is not None:
        raise AccountError(f"user {name} already exists")
    if password is not None and len(password) < 8:
        raise AccountError("password must be at least 8 characters")
    user = User(name=name, role=role, password_hash=hash_password(password) if password else "",
                active=True)
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """Replace the user's password."""
    if len(password) < 8:
        raise AccountError("password must be at least 8 characters")
    user.password_hash = hash_password(password)


def create_token(session: Session, user: User, label: str = "") -> NewToken:
    """A new bearer token for ``user``; the secret is in the result only."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(token_hash=digest(secret), user_id=user.id, label=label[:200])
    session.add(token)
    session.flush()
    return NewToken(token, secret)


def revoke_token(session: Session, token_id: int) -> ApiToken | None:
    """Mark a token revoked (idempotent); None when there is no such token."""
    token = session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def user_for_token(session: Session, secret: str) -> User | None:
    """The active user a bearer token belongs to, or None (unknown, revoked, inactive)."""
    token = live_token(session, secret)
    return token.user if token is not None else None


def live_token(session: Session, secret: str) -> ApiToken | None:
    """The unrevoked token of an active user with this secret, or None."""
    if not secret:
        return None
    # One query: this runs on every API request.
    return session.scalars(
        select(ApiToken).join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == digest(secret), ApiToken.revoked_at.is_(None),
               User.active.is_(True))
    ).first()


def _recent_failures(session: Session, *conditions) -> int:
    since = utcnow() - ATTEMPT_WINDOW
    return session.scalar(
        select(func.count()).select_from(LoginAttempt)
        .where(*conditions, LoginAttempt.succeeded.is_(False),
               LoginAttempt.created_at >= since)
    ) or 0


def check_login(session: Session, name: str, password: str, address: str) -> User | None:
    """Verify a password login and record the attempt; the caller commits.

    Failures count per (name, address) and per address, so guessing from one place stops
    while the real user, elsewhere, still signs in. Raises :class:`TooManyAttempts` without
    checking the password when limited, and records nothing then: otherwise one request
    every few minutes would keep the lock forever. Rows older than the window are deleted on
    every attempt, so the table stays as small as the window's traffic.
    """
    name = name.strip()[:200]
    address = address[:64]
    session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < utcnow() - ATTEMPT_WINDOW))
    limited = (_recent_failures(session, LoginAttempt.user_name == name,
                                LoginAttempt.address == address) >= MAX_FAILURES_PER_NAME
               or _recent_failures(session, LoginAttempt.address == address)
               >= MAX_FAILURES_PER_ADDRESS)
    if limited:
        raise TooManyAttempts("too many failed logins: wait 15 minutes and try again")
    user = session.scalars(select(User).where(User.name == name)).first()
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH,
                            password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    ok = ok and user is not None and bool(user.password_hash) and user.active
    session.add(LoginAttempt(user_name=name, address=address, succeeded=ok))
    if not ok:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def end_other_sessions(session: Session, user: User, keep: LoginSession) -> None:
    """End the user's sessions except ``keep`` (TRANSDRAFT_SINGLE_SESSION)."""
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id,
                                               LoginSession.id != keep.id))


def start_session(session: Session, user: User) -> tuple[LoginSession, str]:
    """A new login session; returns it and the cookie value (shown once)."""
    session.execute(delete(LoginSession).where(LoginSession.expires_at < utcnow()))
    secret = secrets.token_urlsafe(32)
    login = LoginSession(token_hash=digest(secret), user_id=user.id,
                         csrf_token=secrets.token_urlsafe(32),
                         expires_at=utcnow() + SESSION_LIFETIME)
    session.add(login)
    session.flush()
    return login, secret


def find_session(session: Session, secret: str) -> LoginSession | None:
    """The live session for a cookie value whose user is active, or None."""
    if not secret:
        return None
    login = session.scalars(
        select(LoginSession).where(LoginSession.token_hash == digest(secret))
    ).first()
    if login is None or not login.user.active:
        return None
    if login.expires_at <= utcnow():
        return None
    return login


def end_session(session: Session, secret: str) -> None:
    """Sign out: delete the session of this cookie value."""
    session.execute(delete(LoginSession).where(LoginSession.token_hash == digest(secret)))


def same_secret(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a CSRF token."""
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())

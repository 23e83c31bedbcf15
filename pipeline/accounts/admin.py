"""Offboarding and upkeep of accounts: list, disable, enable, change role or password, remove.

Every change that takes a right away (disable, remove, a new password, a new role) ends the
user's sessions and revokes their tokens in the same transaction, so nothing issued under the
old rights outlives it. The last active admin cannot be disabled, demoted or removed. Every
change is written to the audit log by the acting user (see :mod:`pipeline.accounts.audit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from pipeline.accounts import audit
from pipeline.accounts.users import AccountError, parse_role, set_password
from pipeline.db.models import ApiToken, AuditEvent, LoginSession, User, utcnow
from pipeline.vocabulary import Role


class UnknownUser(AccountError):
    """No user by that name (or no token by that id)."""


class LastAdmin(AccountError):
    """The change would leave no active admin to manage the others."""


@dataclass(frozen=True)
class UserRow:
    """A user as listed: never a hash or a secret."""

    id: int
    name: str
    role: Role
    active: bool
    has_password: bool
    tokens: int  # live (not revoked) tokens
    sessions: int  # live browser sessions
    created_at: datetime

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "role": self.role, "active": self.active,
                "has_password": self.has_password, "tokens": self.tokens,
                "sessions": self.sessions, "created_at": self.created_at.isoformat()}


def get_user(session: Session, name: str) -> User:
    """The user called ``name`` (locked for update where the database can); UnknownUser."""
    user = session.scalars(select(User).where(User.name == name.strip()[:200])
                           .with_for_update()).first()
    if user is None:
        raise UnknownUser(f"no user named {name.strip()[:200]!r}")
    return user


def list_users(session: Session) -> list[UserRow]:
    """Every user by name, with counts of live tokens and sessions."""
    tokens = dict(session.execute(
        select(ApiToken.user_id, func.count()).where(ApiToken.revoked_at.is_(None))
        .group_by(ApiToken.user_id)).all())
    sessions = dict(session.execute(
        select(LoginSession.user_id, func.count()).where(LoginSession.expires_at > utcnow())
        .group_by(LoginSession.user_id)).all())
    return [UserRow(u.id, u.name, u.role, u.active, bool(u.password_hash),
                    tokens.get(u.id, 0), sessions.get(u.id, 0), u.created_at)
            for u in session.scalars(select(User).order_by(User.name))]


def end_access(session: Session, user: User) -> tuple[int, int]:
    """End every session and revoke every token of ``user``; returns (sessions, tokens)."""
    ended = session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    revoked = session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                                     ApiToken.revoked_at.is_(None))
                              .values(revoked_at=utcnow()))
    return ended.rowcount or 0, revoked.rowcount or 0


def _other_active_admins(session: Session, user: User) -> int:
    # Locks the admins' rows so two admins demoting each other at once cannot both succeed.
    rows = session.scalars(select(User.id).where(User.role == Role.admin,
                                                 User.active.is_(True), User.id != user.id)
                           .with_for_update()).all()
    return len(rows)


def _keep_an_admin(session: Session, user: User, doing: str) -> None:
    if user.role == Role.admin and user.active and not _other_active_admins(session, user):
        raise LastAdmin(f"cannot {doing} {user.name}: the last active admin")


def _changed(session: Session, action: str, user: User, **detail) -> None:
    audit.record(session, action, {"user": user.name, "user_id": user.id, **detail})


def disable(session: Session, name: str) -> User:
    """Stop a user signing in or using tokens; their sessions and tokens end now."""
    user = get_user(session, name)
    _keep_an_admin(session, user, "disable")
    user.active = False
    ended, revoked = end_access(session, user)
    _changed(session, "user_disabled", user, sessions_ended=ended, tokens_revoked=revoked)
    return user


def enable(session: Session, name: str) -> User:
    """Let a disabled user sign in again (with a password; old tokens stay revoked)."""
    user = get_user(session, name)
    user.active = True
    _changed(session, "user_enabled", user)
    return user


def change_role(session: Session, name: str, role: str) -> User:
    """Give the user another role; their sessions and tokens end (they carried the old one)."""
    role = parse_role(role)
    user = get_user(session, name)
    if role == user.role:
        return user
    if role != Role.admin:
        _keep_an_admin(session, user, "demote")
    before, user.role = user.role, role
    ended, revoked = end_access(session, user)
    _changed(session, "user_role_changed", user, before=before, after=role,
             sessions_ended=ended, tokens_revoked=revoked)
    return user


def change_password(session: Session, name: str, password: str) -> User:
    """Set a new password; every session and token of the user ends."""
    user = get_user(session, name)
    set_password(user, password)
    ended, revoked = end_access(session, user)
    _changed(session, "user_password_changed", user, sessions_ended=ended,
             tokens_revoked=revoked)
    return user


def remove(session: Session, name: str) -> None:
    """Delete the user with their tokens and sessions; their past audit events stay."""
    user = get_user(session, name)
    _keep_an_admin(session, user, "remove")
    end_access(session, user)
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    _changed(session, "user_removed", user, role=user.role)
    session.delete(user)


def list_tokens(session: Session, name: str | None = None) -> list[ApiToken]:
    """Tokens (newest first), of one user when ``name`` is given; secrets are never stored."""
    query = select(ApiToken).join(User, ApiToken.user_id == User.id).order_by(ApiToken.id.desc())
    if name is not None:
        query = query.where(User.id == get_user(session, name).id)
    return list(session.scalars(query))


def token_json(token: ApiToken) -> dict:
    """A token as listed: never its hash."""
    return {"id": token.id, "user": token.user.name, "label": token.label,
            "created_at": token.created_at.isoformat(),
            "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None}


def revoke(session: Session, token_id: int, owner_id: int | None = None) -> ApiToken:
    """Revoke one token (idempotent); with ``owner_id``, only a token of that user."""
    token = session.get(ApiToken, token_id)
    if token is None or (owner_id is not None and token.user_id != owner_id):
        raise UnknownUser(f"no token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(session, "token_revoked", {"token_id": token.id, "user": token.user.name})
    return token


def account_events(session: Session, limit: int = 100) -> list[AuditEvent]:
    """The latest account changes (events not about a draft or a job), newest first."""
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.draft_id.is_(None), AuditEvent.job_id.is_(None))
        .order_by(AuditEvent.id.desc()).limit(limit)))

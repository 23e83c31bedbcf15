"""Who is acting: the user and credential behind every audit event.

The web app (per request) and the CLI (per command) set the acting context once; every
:class:`AuditEvent` written while it is set records the acting user's id and the credential
kind ("session", "token:ID", "cli"), so the services that write events need not pass them on.
A context variable follows the request into the thread that runs a sync route.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from pipeline.db.models import AuditEvent

CLI = "cli"
SESSION = "session"


@dataclass(frozen=True)
class Actor:
    """A signed-in user (or the CLI's operator) and how they proved who they are."""

    name: str
    user_id: int | None
    credential: str  # "session", "token:ID" or "cli"


_acting: ContextVar[Actor | None] = ContextVar("transdraft_acting", default=None)


def token_credential(token_id: int) -> str:
    return f"token:{token_id}"


def act_as(actor: Actor | None) -> None:
    """Make ``actor`` the one recorded on audit events written from now on in this context."""
    _acting.set(actor)


def acting() -> Actor | None:
    """The current actor, or None (a worker or the scheduler: the system)."""
    return _acting.get()


def record(session: Session, action: str, detail: dict[str, Any], actor: str | None = None,
           draft_id: int | None = None) -> AuditEvent:
    """Add an audit event by the acting user (an account change, ...); the caller commits."""
    current = acting()
    event_row = AuditEvent(action=action, detail=detail, draft_id=draft_id,
                           actor=actor or (current.name if current else "system"))
    session.add(event_row)
    return event_row


@event.listens_for(AuditEvent, "before_insert")
def _stamp_credential(_mapper, _connection, row: AuditEvent) -> None:
    """Record the acting user's id and credential on events the services wrote by name."""
    current = acting()
    if current is None:
        return
    if row.actor_id is None:
        row.actor_id = current.user_id
    if not row.credential:
        row.credential = current.credential

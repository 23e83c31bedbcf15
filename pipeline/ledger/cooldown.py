"""Provider cool-downs: a provider that rate-limits us is paused for every worker at once.

The pause is a row in the database (not a flag in one process), written in its own
transaction so it holds even when the job that met the 429 rolls back.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipeline.db.models import ProviderCooldown
from pipeline.db.session import insert_or_ignore, own_transaction

RATE_LIMITED_SECONDS = 60.0  # 429 without Retry-After
QUOTA_SECONDS = 3600.0  # "quota used up": no use asking again within the hour
FAILING_SECONDS = 30.0  # timeouts and 5xx that persisted through retries
MAX_SECONDS = 24 * 3600.0


def pause(session: Session, provider: str, seconds: float, reason: str) -> datetime:
    """Pause ``provider`` for ``seconds`` from now (never shortening a longer pause)."""
    until = datetime.now(timezone.utc) + timedelta(seconds=min(max(seconds, 1.0), MAX_SECONDS))
    with own_transaction(session) as own:
        added = insert_or_ignore(own, ProviderCooldown,
                                 {"provider": provider, "until": until, "reason": reason},
                                 ["provider"])
        if not added:
            own.execute(update(ProviderCooldown)
                        .where(ProviderCooldown.provider == provider,
                               ProviderCooldown.until < until)
                        .values(until=until, reason=reason)
                        .execution_options(synchronize_session=False))
    return until


def paused_until(session: Session, provider: str) -> tuple[datetime, str] | None:
    """When ``provider`` may be used again and why it is paused, or None when it may now."""
    row = session.execute(
        select(ProviderCooldown.until, ProviderCooldown.reason)
        .where(ProviderCooldown.provider == provider)
    ).first()
    if row is None:
        return None
    return (row.until, row.reason) if row.until > datetime.now(timezone.utc) else None


def cooldowns(session: Session) -> dict[str, datetime]:
    """Every provider paused right now and until when."""
    now = datetime.now(timezone.utc)
    rows = session.execute(select(ProviderCooldown.provider, ProviderCooldown.until)).all()
    return {provider: until for provider, until in rows if until > now}

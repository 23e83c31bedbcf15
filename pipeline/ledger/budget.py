"""Daily character budget per provider: characters are reserved in the database before sending.

The reservation is one conditional UPDATE (``chars + n <= budget``), which PostgreSQL and
SQLite both apply atomically, so workers on many machines never pass the budget together.
It is committed in its own transaction: characters that may have left the machine stay
counted even if the job fails afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipeline.db.models import ProviderUsage
from pipeline.db.session import insert_or_ignore, own_transaction
from pipeline.errors import BudgetExceeded

if TYPE_CHECKING:  # the translate package loads every provider; status must not
    from pipeline.translate.context import RequestUsage


def today(now: datetime | None = None) -> str:
    """The UTC day budgets count in, as ``YYYY-MM-DD``."""
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).date().isoformat()


def next_midnight(now: datetime | None = None) -> datetime:
    """When today's budgets reset: the next midnight UTC."""
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=timezone.utc)


def reserve(session: Session, provider: str, chars: int, daily_budget: int | None) -> None:
    """Count ``chars`` against today's usage of ``provider``, or raise BudgetExceeded.

    With no budget (None) the characters are only counted, for ``status`` and /metrics.
    """
    if chars <= 0:
        return
    day = today()
    with own_transaction(session) as own:
        insert_or_ignore(own, ProviderUsage, {"provider": provider, "day": day, "chars": 0},
                         ["provider", "day"])
        statement = (update(ProviderUsage)
                     .where(ProviderUsage.provider == provider, ProviderUsage.day == day)
                     .values(chars=ProviderUsage.chars + chars)
                     .execution_options(synchronize_session=False))
        if daily_budget is not None:
            statement = statement.where(ProviderUsage.chars + chars <= daily_budget)
        if own.execute(statement).rowcount == 1:
            return
    used = usage_today(session).get(provider, 0)
    raise BudgetExceeded(
        f"provider {provider} daily character budget of {daily_budget} exceeded "
        f"({used} used today, {chars} more needed); waiting until {next_midnight():%Y-%m-%d} "
        "00:00 UTC or a higher TRANSDRAFT_CHAR_BUDGET_DAILY",
        next_midnight(),
    )


def release(session: Session, provider: str, chars: int) -> None:
    """Give back reserved characters that were never sent (the provider failed first)."""
    if chars <= 0:
        return
    with own_transaction(session) as own:
        own.execute(update(ProviderUsage)
                    .where(ProviderUsage.provider == provider, ProviderUsage.day == today())
                    .values(chars=ProviderUsage.chars - chars)
                    .execution_options(synchronize_session=False))


def record_requests(session: Session, provider: str, usage: list[RequestUsage]) -> None:
    """Count requests and the tokens their answers reported against today's row.

    Characters were counted when they were reserved; this adds what only the answer tells.
    Committed on its own like the reservation, so a job failing later keeps it counted.
    """
    if not usage:
        return
    day = today()
    metered = [u for u in usage if u.tokens_in is not None or u.tokens_out is not None]
    with own_transaction(session) as own:
        insert_or_ignore(own, ProviderUsage, {"provider": provider, "day": day, "chars": 0},
                         ["provider", "day"])
        own.execute(update(ProviderUsage)
                    .where(ProviderUsage.provider == provider, ProviderUsage.day == day)
                    .values(requests=ProviderUsage.requests + len(usage),
                            tokens_in=ProviderUsage.tokens_in
                            + sum(u.tokens_in or 0 for u in metered),
                            tokens_out=ProviderUsage.tokens_out
                            + sum(u.tokens_out or 0 for u in metered),
                            unmetered_requests=ProviderUsage.unmetered_requests
                            + len(usage) - len(metered))
                    .execution_options(synchronize_session=False))


@dataclass(frozen=True)
class Requests:
    """Today's requests to one provider and the tokens reported for them."""

    requests: int
    tokens_in: int
    tokens_out: int
    unmetered_requests: int


def requests_today(session: Session) -> dict[str, Requests]:
    """Per provider with tokens recorded today (language models), for status and /metrics."""
    rows = session.execute(
        select(ProviderUsage.provider, ProviderUsage.requests, ProviderUsage.tokens_in,
               ProviderUsage.tokens_out, ProviderUsage.unmetered_requests)
        .where(ProviderUsage.day == today(), ProviderUsage.requests > 0)
        .order_by(ProviderUsage.provider)
    ).all()
    return {provider: Requests(*numbers) for provider, *numbers in rows}


def usage_today(session: Session) -> dict[str, int]:
    """Characters sent to each provider today (UTC), for ``status`` and /metrics."""
    rows = session.execute(
        select(ProviderUsage.provider, ProviderUsage.chars)
        .where(ProviderUsage.day == today(), ProviderUsage.chars > 0)
        .order_by(ProviderUsage.provider)
    ).all()
    return {provider: chars for provider, chars in rows}

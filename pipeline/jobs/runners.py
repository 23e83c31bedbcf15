"""Heartbeats of running ``transdraft up`` processes, kept in the database they work on.

`up` runs jobs on threads that take them from the database; a message sent to a broker for
such a job is never read (no Celery worker may exist) and only piles up. While a heartbeat
is fresh, callers that would publish a job leave it in the database for the runner instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from pipeline.db.models import LocalRunnerBeat
from pipeline.db.session import insert_or_ignore

# A runner beats every BEAT_EVERY seconds; one not heard of for ALIVE_FOR is taken as gone
# (killed without saying so), so its jobs go to the broker again.
BEAT_EVERY = 10.0
ALIVE_FOR = timedelta(seconds=45)


def beat(session: Session, runner_id: str, now: datetime) -> None:
    """Record that ``runner_id`` is alive at ``now``."""
    if not insert_or_ignore(session, LocalRunnerBeat, {"id": runner_id, "heartbeat_at": now},
                            ["id"]):
        session.execute(update(LocalRunnerBeat).where(LocalRunnerBeat.id == runner_id)
                        .values(heartbeat_at=now))


def forget(session: Session, runner_id: str, now: datetime) -> None:
    """``runner_id`` stops; rows of runners long gone are cleared on the way."""
    session.execute(delete(LocalRunnerBeat).where(
        (LocalRunnerBeat.id == runner_id) | (LocalRunnerBeat.heartbeat_at < now - ALIVE_FOR)))


def runner_alive(session: Session, now: datetime) -> bool:
    """True while some ``transdraft up`` of this database has beaten recently."""
    return session.scalars(select(LocalRunnerBeat.id).where(
        LocalRunnerBeat.heartbeat_at >= now - ALIVE_FOR).limit(1)).first() is not None

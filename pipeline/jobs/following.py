"""Following jobs from outside: what state a set of jobs is in, polled until they settle.

``enqueue --wait``, ``sources run --wait``, ``jobs watch`` and a ``translate`` that finds its
article's job already running all read the same rows the workers write; the database is the
only channel, so this works whichever process (``up``, a worker on another machine) runs them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from pipeline.db.batches import batches
from pipeline.db.models import Job
from pipeline.db.session import session_scope
from pipeline.vocabulary import ACTIVE_JOB_STATES, SETTLED_JOB_STATES, JobState, Stage


@dataclass(frozen=True)
class JobView:
    """One job as a follower sees it."""

    id: int
    url: str
    state: JobState
    stage: Stage
    last_error: str | None
    draft_id: int | None

    @property
    def settled(self) -> bool:
        return self.state in SETTLED_JOB_STATES


@dataclass(frozen=True)
class Tally:
    """How many of the followed jobs are in each state."""

    done: int
    failed: int
    running: int
    queued: int

    @classmethod
    def of(cls, views: Sequence[JobView]) -> Tally:
        count = {state: 0 for state in JobState}
        for view in views:
            count[view.state] = count.get(view.state, 0) + 1
        return cls(count[JobState.done], count[JobState.failed], count[JobState.running],
                   count[JobState.queued])


def job_views(database_url: str, ids: Sequence[int] | None = None) -> list[JobView]:
    """The jobs ``ids`` (every queued or running job when None), by id."""
    query = select(Job.id, Job.url, Job.state, Job.stage, Job.last_error, Job.draft_id)
    with session_scope(database_url) as session:
        if ids is None:
            rows = session.execute(query.where(Job.state.in_(ACTIVE_JOB_STATES))
                                   .order_by(Job.id)).all()
        else:
            rows = []
            for chunk in batches(sorted(set(ids))):  # bound the bound parameters
                rows += session.execute(query.where(Job.id.in_(chunk)).order_by(Job.id)).all()
    return [JobView(*row) for row in rows]


def follow(database_url: str, ids: Sequence[int], interval: float = 0.5,
           sleep: Callable[[float], None] = time.sleep) -> Iterator[list[JobView]]:
    """Yield the jobs' views every ``interval`` seconds until every one is done or failed
    (the last yield is the settled one)."""
    while True:
        views = job_views(database_url, ids)
        yield views
        if all(view.settled for view in views):
            return
        sleep(interval)

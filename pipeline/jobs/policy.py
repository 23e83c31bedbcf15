"""The retry policy: what becomes of a job whose stage raised, decided in one place.

Every runner (a Celery task, a ``transdraft up`` thread, ``transdraft translate`` at a
terminal) asks :func:`decide`. A transient error queues the job again after a backoff
until its attempts are used up; a spent budget parks it until the budget resets without
using an attempt; anything else fails it with a reason a person can act on. Runners differ
only in how long they are willing to wait for the retry (see ``patience`` in
:func:`pipeline.jobs.execution.execute`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from sqlalchemy.exc import SQLAlchemyError

from config.settings import Settings
from pipeline.errors import BudgetExceeded, PipelineError, TransientError
from pipeline.reasons import first_line


@dataclass(frozen=True)
class Verdict:
    """The job is queued again, due at ``due_at`` (``delay`` seconds after the decision),
    or, with ``due_at`` None, it fails."""

    reason: str
    due_at: datetime | None = None
    delay: float = 0.0
    uses_attempt: bool = True  # False: parked; waiting for a budget is not failing
    fast: bool = False  # nobody at a terminal should sit through this wait (DNS, refused)
    unexpected: bool = False  # a bug or an unknown library error, worth a traceback in the log

    @property
    def fails(self) -> bool:
        return self.due_at is None

    def given_up(self) -> Verdict:
        """The same reason, but the job fails now: its caller will not wait for the retry."""
        return replace(self, due_at=None, delay=0.0)


def backoff(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait before attempt ``attempt + 1``: doubling from ``base`` up to ``cap``,
    with jitter (between half and all of it) so failed jobs do not come back in lockstep."""
    rng = rng or random
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling * rng.uniform(0.5, 1.0)


def decide(error: BaseException, attempts: int, max_attempts: int, settings: Settings,
           now: datetime, timeouts: tuple[type[BaseException], ...] = ()) -> Verdict:
    """What to do with a job whose stage (claimed for the ``attempts``-th time) raised ``error``.

    ``timeouts`` are the exception types a runner raises to cut a stage short (Celery's soft
    time limit); like a database outage, they count as transient.
    """
    if isinstance(error, BudgetExceeded):
        return _park(error, settings, now)
    if isinstance(error, TransientError):
        return _retry(error.reason, error.retry_after, attempts, max_attempts, settings, now,
                      fast=getattr(error, "fast", False))
    if isinstance(error, PipelineError):
        return Verdict(error.reason)
    if timeouts and isinstance(error, timeouts):
        reason = f"timed out after {settings.task_soft_time_limit:g} s"
        return _retry(reason, None, attempts, max_attempts, settings, now)
    if isinstance(error, SQLAlchemyError):
        reason = f"database unavailable: {first_line(error)}"
        return _retry(reason, None, attempts, max_attempts, settings, now)
    # A bug or an unexpected library error: the job ends visibly failed, the runner lives.
    return Verdict(f"internal error: {type(error).__name__}: {first_line(error)}",
                   unexpected=True)


def _retry(reason: str, retry_after: float | None, attempts: int, max_attempts: int,
           settings: Settings, now: datetime, fast: bool = False) -> Verdict:
    if attempts >= max_attempts:
        return Verdict(f"{reason}; gave up after {attempts} attempts")
    delay = backoff(attempts, settings.retry_base, settings.retry_cap)
    if retry_after:
        delay = max(delay, min(retry_after, settings.retry_cap))
    return Verdict(reason, now + timedelta(seconds=delay), delay, fast=fast)


def _park(error: BudgetExceeded, settings: Settings, now: datetime) -> Verdict:
    resume_at = error.resume_at
    if resume_at is None:
        resume_at = now + timedelta(seconds=error.retry_after or settings.retry_cap)
    elif resume_at.tzinfo is None:
        resume_at = resume_at.replace(tzinfo=timezone.utc)
    return Verdict(error.reason, resume_at, max(0.0, (resume_at - now).total_seconds()),
                   uses_attempt=False)

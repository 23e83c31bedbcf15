"""The retry policy: which errors are retried, parked or failed, and after how long."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sqlalchemy.exc import OperationalError

from config.settings import Settings
from pipeline.errors import (
    BudgetExceeded,
    FetchUnavailable,
    NotAnArticle,
    ProviderUnavailable,
    ProviderUnreachable,
)
from pipeline.jobs.policy import backoff, decide

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
SETTINGS = Settings(database_url="sqlite://", retry_base=10, retry_cap=100,
                    task_soft_time_limit=240)


class TimeLimit(Exception):
    """Stands for Celery's SoftTimeLimitExceeded."""


def test_a_transient_error_is_retried_after_a_jittered_backoff():
    verdict = decide(FetchUnavailable("HTTP 503 from the site"), 1, 5, SETTINGS, NOW)
    assert not verdict.fails and verdict.uses_attempt
    assert verdict.reason == "HTTP 503 from the site"
    assert 5 <= verdict.delay <= 10
    assert verdict.due_at == NOW + timedelta(seconds=verdict.delay)


def test_retry_after_wins_over_a_shorter_backoff_but_not_over_the_cap():
    asked = decide(ProviderUnavailable("429", retry_after=60), 1, 5, SETTINGS, NOW)
    assert asked.delay == 60
    capped = decide(ProviderUnavailable("429", retry_after=10_000), 1, 5, SETTINGS, NOW)
    assert capped.delay == 100


def test_the_last_attempt_fails_with_what_happened_and_how_often():
    verdict = decide(FetchUnavailable("HTTP 503 from the site"), 5, 5, SETTINGS, NOW)
    assert verdict.fails
    assert verdict.reason == "HTTP 503 from the site; gave up after 5 attempts"


def test_a_spent_budget_parks_the_job_until_it_resets_without_using_an_attempt():
    midnight = datetime(2026, 3, 2, tzinfo=timezone.utc)
    verdict = decide(BudgetExceeded("libre: daily budget spent", midnight), 5, 5, SETTINGS, NOW)
    assert not verdict.fails and not verdict.uses_attempt  # not even on the last attempt
    assert verdict.due_at == midnight and verdict.delay == 12 * 3600


def test_permanent_and_unexpected_errors_fail_at_once():
    permanent = decide(NotAnArticle("not an article: no main text found"), 1, 5, SETTINGS, NOW)
    assert permanent.fails and not permanent.unexpected
    assert permanent.reason == "not an article: no main text found"
    bug = decide(KeyError("blocks"), 1, 5, SETTINGS, NOW)
    assert bug.fails and bug.unexpected
    assert bug.reason == "internal error: KeyError: 'blocks'"


def test_time_limits_and_database_outages_are_transient():
    cut = decide(TimeLimit(), 1, 5, SETTINGS, NOW, timeouts=(TimeLimit,))
    assert not cut.fails and cut.reason == "timed out after 240 s"
    assert decide(TimeLimit(), 1, 5, SETTINGS, NOW).unexpected  # not named: a bug
    down = decide(OperationalError("SELECT 1", {}, Exception("server closed\nSQL: ...")),
                  1, 5, SETTINGS, NOW)
    assert not down.fails
    assert down.reason.startswith("database unavailable: ") and "\n" not in down.reason


def test_an_unreachable_host_is_marked_as_not_worth_waiting_for():
    verdict = decide(ProviderUnreachable("cannot reach x (DNS lookup failed)", "x", fast=True),
                     1, 5, SETTINGS, NOW)
    assert verdict.fast and not verdict.fails
    given_up = verdict.given_up()
    assert given_up.fails and given_up.reason == verdict.reason and given_up.delay == 0


def test_backoff_doubles_up_to_the_cap_with_jitter():
    rng = random.Random(7)
    for attempt, ceiling in [(1, 10), (2, 20), (3, 40), (5, 160), (9, 300)]:
        values = [backoff(attempt, 10, 300, rng) for _ in range(50)]
        assert all(ceiling / 2 <= value <= ceiling for value in values)
        assert len(set(values)) > 40  # jittered, not lockstep

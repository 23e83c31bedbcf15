"""The sweeper finds what the broker lost: unsent due jobs and jobs whose worker died."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from pipeline.db.models import Job, utcnow
from pipeline.db.session import session_scope, upgrade
from pipeline.jobs.intake import enqueue
from pipeline.jobs.lease import claim
from pipeline.jobs.sweeper import sweep


@pytest.fixture
def database(db_url):
    upgrade(db_url)
    return db_url


def _jobs(database_url: str, count: int, prefix: str = "a", max_attempts: int = 5) -> list[int]:
    urls = [f"https://site.example/{prefix}/{n}" for n in range(count)]
    with session_scope(database_url) as session:
        return enqueue(session, urls, "nl", max_attempts=max_attempts).new_ids


def _age(database_url: str, ids: list[int], seconds: float) -> None:
    with session_scope(database_url) as session:
        session.execute(update(Job).where(Job.id.in_(ids)).values(
            next_attempt_at=utcnow() - timedelta(seconds=seconds)))


def test_due_jobs_not_picked_up_within_the_grace_period_are_sent_once(database):
    fresh = _jobs(database, 3, "fresh")
    stale = _jobs(database, 4, "stale")
    _age(database, stale, 120)
    later = _jobs(database, 1, "later")
    with session_scope(database) as session:
        session.get(Job, later[0]).next_attempt_at = utcnow() + timedelta(hours=1)

    first = sweep(database, grace=60)
    assert sorted(first.dispatch) == sorted(stale)
    # Sent now: left alone until another grace period has passed.
    assert sweep(database, grace=60).dispatch == []
    assert sorted(sweep(database, grace=60, now=utcnow() + timedelta(seconds=61)).dispatch) \
        == sorted(fresh + stale)


def test_running_jobs_whose_lease_expired_are_queued_again_or_given_up(database):
    alive, dead, exhausted = _jobs(database, 3, "run", max_attempts=1)[:1] + \
        _jobs(database, 1, "dead") + _jobs(database, 1, "tired", max_attempts=1)
    with session_scope(database) as session:
        for job_id in (alive, dead, exhausted):
            assert claim(session, job_id, lease=timedelta(minutes=5)) is not None
        session.execute(update(Job).where(Job.id.in_([dead, exhausted])).values(
            lease_expires_at=utcnow() - timedelta(seconds=1)))

    result = sweep(database, grace=60)
    assert result.dispatch == [dead] and result.requeued == 1 and result.given_up == 1
    with session_scope(database) as session:
        assert session.get(Job, alive).state == "running"
        requeued = session.get(Job, dead)
        assert requeued.state == "queued" and requeued.lease_expires_at is None
        assert requeued.last_error == "worker lost during attempt 1 (lease expired)"
        failed = session.get(Job, exhausted)
        assert failed.state == "failed"
        assert failed.last_error == ("worker lost during attempt 1 (lease expired); "
                                     "gave up after 1 attempts")


@pytest.mark.postgres
def test_two_sweepers_at_once_send_each_job_once(pg_url):
    upgrade(pg_url)
    ids = _jobs(pg_url, 300)
    _age(pg_url, ids, 600)
    results = []
    start = threading.Barrier(3)

    def run():
        start.wait()
        results.append(sweep(pg_url, grace=60).dispatch)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = [job_id for batch in results for job_id in batch]
    assert sorted(sent) == sorted(ids)


def test_no_second_message_while_the_broker_still_holds_enough(database):
    ids = _jobs(database, 5, "backlog")
    _age(database, ids, 120)
    # Five messages waiting for five due jobs: a long backlog, nothing lost.
    assert sweep(database, grace=60, broker_backlog=5).dispatch == []
    # Fewer messages than due jobs: something was lost, so they are all sent again.
    assert sorted(sweep(database, grace=60, broker_backlog=2).dispatch) == sorted(ids)

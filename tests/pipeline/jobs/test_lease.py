"""Claims and leases: one claim at a time, due jobs only, a fencing token, a heartbeat."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import update

from pipeline.db.models import Job, utcnow
from pipeline.db.session import session_scope, upgrade
from pipeline.jobs.intake import enqueue
from pipeline.jobs.lease import Heartbeat, claim, still_owned

LEASE = timedelta(seconds=60)


def _job(database_url: str) -> int:
    upgrade(database_url)
    with session_scope(database_url) as session:
        return enqueue(session, ["https://a.example/1"], "nl").new_ids[0]


def test_a_job_is_claimed_once_and_again_only_when_its_lease_ran_out(db_url):
    job_id = _job(db_url)
    with session_scope(db_url) as session:
        job = claim(session, job_id, LEASE)
        assert (job.state, job.attempts) == ("running", 1)
        assert claim(session, job_id, LEASE) is None
        session.execute(update(Job).where(Job.id == job_id)
                        .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
        assert claim(session, job_id, LEASE).attempts == 2  # the new claim's token


def test_a_job_waiting_for_its_backoff_is_not_taken_early(db_url):
    job_id = _job(db_url)
    with session_scope(db_url) as session:
        session.execute(update(Job).where(Job.id == job_id)
                        .values(next_attempt_at=utcnow() + timedelta(minutes=1)))
        assert claim(session, job_id, LEASE) is None


def test_only_the_latest_claim_still_owns_the_job(db_url):
    job_id = _job(db_url)
    with session_scope(db_url) as session:
        first = claim(session, job_id, LEASE).attempts
        assert still_owned(session, job_id, first)
        session.execute(update(Job).where(Job.id == job_id)
                        .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
        second = claim(session, job_id, LEASE).attempts
        assert not still_owned(session, job_id, first)
        assert still_owned(session, job_id, second)


def test_the_heartbeat_renews_the_lease_of_its_own_claim_only(sqlite_url):
    job_id = _job(sqlite_url)

    def expiry():
        with session_scope(sqlite_url) as session:
            return session.get(Job, job_id).lease_expires_at

    with session_scope(sqlite_url) as session:
        token = claim(session, job_id, timedelta(seconds=0.3)).attempts
    claimed = expiry()
    with Heartbeat(sqlite_url, job_id, token, lease=0.3):
        threading.Event().wait(0.5)
    renewed = expiry()
    assert renewed > claimed
    with Heartbeat(sqlite_url, job_id, token + 1, lease=0.3):  # a claim that lost the job
        threading.Event().wait(0.5)
    assert expiry() == renewed

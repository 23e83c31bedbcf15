"""``jobs retry``: a failed job is queued again from the stage it failed at."""

from __future__ import annotations

import pytest

from pipeline.db.models import Job
from pipeline.db.session import session_scope, upgrade
from pipeline.errors import PermanentError
from pipeline.jobs.intake import enqueue
from pipeline.jobs.lifecycle import retry, retry_failed


@pytest.fixture
def database(db_url):
    upgrade(db_url)
    return db_url


def _failed(database_url: str, url: str, stage: str = "translate") -> int:
    with session_scope(database_url) as session:
        job = enqueue(session, [url], "nl").new[0]
        job.state, job.stage, job.attempts = "failed", stage, 5
        job.last_error = "libre: HTTP 503 server error"
        return job.id


def test_a_failed_job_is_queued_again_at_its_stage(database):
    job_id = _failed(database, "https://site.example/a")
    with session_scope(database) as session:
        job = retry(session, job_id)
        assert (job.state, job.stage, job.attempts) == ("queued", "translate", 0)
        assert job.last_error == "libre: HTTP 503 server error"  # kept until it succeeds
        assert job.finished_at is None


def test_retry_refuses_what_is_not_failed_or_already_active(database):
    first = _failed(database, "https://site.example/b")
    with session_scope(database) as session:
        active = enqueue(session, ["https://site.example/b?utm_source=x"], "nl").new[0].id
    with session_scope(database) as session:
        with pytest.raises(PermanentError, match="already queued or running"):
            retry(session, first)
        with pytest.raises(PermanentError, match=f"job {active} is queued, not failed"):
            retry(session, active)
        with pytest.raises(PermanentError, match="no job 999"):
            retry(session, 999)
        assert session.get(Job, first).state == "failed"


def test_retry_failed_queues_every_failed_job_and_names_the_ones_skipped(database):
    ids = [_failed(database, f"https://site.example/c/{n}") for n in range(3)]
    blocked = _failed(database, "https://site.example/d")
    with session_scope(database) as session:
        enqueue(session, ["https://site.example/d"], "nl")
    with session_scope(database) as session:
        queued, skipped = retry_failed(session)
    assert queued == ids
    assert [job_id for job_id, _ in skipped] == [blocked]

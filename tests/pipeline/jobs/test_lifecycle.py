"""A job's state changes and its JSON document (the one the CLI and the API show)."""

from __future__ import annotations

from datetime import timedelta

from pipeline.db.models import Job, utcnow
from pipeline.jobs.lifecycle import advance, finish, job_document, mark_failed, requeue


def _running(attempts: int = 2) -> Job:
    now = utcnow()
    return Job(id=7, url="https://a.example/1", canonical_url="https://a.example/1",
               target_lang="nl", state="running", stage="fetch", attempts=attempts,
               max_attempts=5, last_error="earlier trouble", created_at=now, updated_at=now,
               started_at=now, lease_expires_at=now + timedelta(seconds=45))


def test_advance_queues_the_next_stage_with_fresh_attempts_and_no_error():
    job = _running()
    job.stage = "translate"
    advance(job)
    assert (job.state, job.stage, job.attempts, job.last_error) == ("queued", "translate", 0,
                                                                    None)
    assert job.lease_expires_at is None and job.next_attempt_at <= utcnow()


def test_finish_ends_the_job_done_with_its_draft():
    job = _running()
    finish(job, 11)
    assert (job.state, job.draft_id, job.last_error, job.lease_expires_at) == ("done", 11,
                                                                               None, None)
    assert job.finished_at is not None and job.stage == "fetch"  # the stage is the caller's


def test_requeue_keeps_the_reason_and_gives_a_parked_job_its_attempt_back():
    due = utcnow() + timedelta(minutes=5)
    retried = _running()
    requeue(retried, "HTTP 503\nfrom the site", due)
    assert (retried.state, retried.attempts, retried.next_attempt_at) == ("queued", 2, due)
    assert retried.last_error == "HTTP 503 from the site"  # one line, as every reason
    parked = _running()
    requeue(parked, "budget spent", due, uses_attempt=False)
    assert (parked.state, parked.attempts) == ("queued", 1)


def test_mark_failed_ends_the_job_with_a_reason_of_one_bounded_line():
    job = _running()
    mark_failed(job, "not an article: " + "x" * 1000)
    assert job.state == "failed" and job.finished_at is not None
    assert len(job.last_error) <= 300 and job.lease_expires_at is None


def test_the_job_document_names_every_field_and_times_in_iso_form():
    job = _running()
    document = job_document(job)
    assert list(document) == [
        "id", "url", "canonical_url", "target_lang", "source_lang", "provider", "state",
        "stage", "attempts", "max_attempts", "last_error", "article_id", "draft_id",
        "next_attempt_at", "created_at", "updated_at", "started_at", "finished_at"]
    assert document["created_at"] == job.created_at.isoformat()
    assert document["finished_at"] is None

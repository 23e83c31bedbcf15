"""Running a job's stages: advance, retry with backoff, park, fail, fence; and in the foreground."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from config.settings import Settings
from pipeline.db.models import Draft, Job, utcnow
from pipeline.db.session import session_scope, upgrade
from pipeline.errors import (
    BudgetExceeded,
    FetchUnavailable,
    NotAnArticle,
    PipelineError,
    ProviderUnavailable,
    ProviderUnreachable,
)
from pipeline.jobs import execution
from pipeline.jobs.execution import JobBusy, execute, run_in_foreground
from pipeline.jobs.intake import enqueue
from pipeline.jobs.lease import claim
from pipeline.jobs.services import Services
from tests.stubs.server import StubServer
from tests.stubs.site import ArticleSite
from tests.stubs.translators import libre_routes


@pytest.fixture(scope="module")
def site():
    with ArticleSite(5) as running:
        yield running


@pytest.fixture(scope="module")
def libre():
    with StubServer(libre_routes()) as server:
        yield server


@pytest.fixture
def database(db_url):
    upgrade(db_url)
    return db_url


def _services(database_url: str, libre: StubServer, **extra) -> Services:
    settings = Settings(database_url=database_url, provider="libre", libre_url=libre.base_url,
                        fetch_allow_hosts="127.0.0.1", fetch_host_rate=0, retry_base=10,
                        retry_cap=100, **extra)
    return Services(settings)


def _job(database_url: str, url: str, max_attempts: int = 5) -> int:
    with session_scope(database_url) as session:
        return enqueue(session, [url], "nl", max_attempts=max_attempts).new_ids[0]


def _load(database_url: str, job_id: int) -> Job:
    with session_scope(database_url) as session:
        return session.get(Job, job_id)


def test_stages_advance_to_one_draft_and_a_finished_job_is_left_alone(database, site, libre):
    services = _services(database, libre)
    job_id = _job(database, site.server.url("/news/1"))
    hits_before = site.hits.get("/news/1", 0)

    fetched = execute(database, job_id, services)
    assert (fetched.claimed, fetched.state, fetched.stage) == (True, "queued", "translate")
    assert fetched.dispatch_now
    job = _load(database, job_id)
    assert job.article_id is not None and job.attempts == 0 and job.lease_expires_at is None

    translated = execute(database, job_id, services)
    assert (translated.state, translated.stage) == ("done", None)
    again = execute(database, job_id, services)  # a redelivered message
    assert again.claimed is False
    with session_scope(database) as session:
        assert session.scalar(select(func.count(Draft.id))) == 1
        assert session.get(Job, job_id).draft_id is not None
    assert site.hits["/news/1"] == hits_before + 1  # fetched once, never again


def test_a_transient_error_is_retried_later_with_backoff(database, site, libre, monkeypatch):
    services = _services(database, libre)
    job_id = _job(database, site.server.url("/news/2"))

    def unavailable(*_args):
        raise FetchUnavailable("cannot connect: example down")

    monkeypatch.setattr(execution, "run_stage", unavailable)
    started = utcnow()
    result = execute(database, job_id, services)
    assert (result.state, result.stage, result.error) == ("queued", "fetch",
                                                          "cannot connect: example down")
    assert 5 <= result.delay <= 10  # first backoff: base 10 s, jittered down to half
    job = _load(database, job_id)
    assert job.attempts == 1 and job.last_error == "cannot connect: example down"
    assert job.next_attempt_at.replace(tzinfo=started.tzinfo) >= started + timedelta(seconds=5)
    # Not due yet: a second delivery does not take it early.
    assert execute(database, job_id, services).claimed is False


def test_retry_after_of_a_provider_is_honoured(database, site, libre, monkeypatch):
    services = _services(database, libre)
    job_id = _job(database, site.server.url("/news/2"))
    monkeypatch.setattr(execution, "run_stage", lambda *_: (_ for _ in ()).throw(
        ProviderUnavailable("libre: HTTP 429 rate limited", retry_after=60)))
    result = execute(database, job_id, services)
    assert result.state == "queued" and result.delay == 60


def test_attempts_are_capped_and_the_last_error_kept(database, site, libre, monkeypatch):
    services = _services(database, libre)
    job_id = _job(database, site.server.url("/news/3"), max_attempts=2)
    monkeypatch.setattr(execution, "run_stage", lambda *_: (_ for _ in ()).throw(
        FetchUnavailable("HTTP 503 from the site")))
    assert execute(database, job_id, services).state == "queued"
    with session_scope(database) as session:
        session.get(Job, job_id).next_attempt_at = utcnow()
    result = execute(database, job_id, services)
    assert result.state == "failed"
    job = _load(database, job_id)
    assert job.state == "failed" and job.finished_at is not None
    assert job.last_error == "HTTP 503 from the site; gave up after 2 attempts"


def test_permanent_and_unexpected_errors_fail_with_their_reason(database, site, libre,
                                                                monkeypatch):
    services = _services(database, libre)
    first = _job(database, site.server.url("/news/0"))
    second = _job(database, site.server.url("/news/4"))
    monkeypatch.setattr(execution, "run_stage", lambda *_: (_ for _ in ()).throw(
        NotAnArticle("not an article: no main text found")))
    assert execute(database, first, services).state == "failed"
    monkeypatch.setattr(execution, "run_stage", lambda *_: (_ for _ in ()).throw(
        KeyError("blocks")))
    assert execute(database, second, services).state == "failed"
    assert _load(database, first).last_error == "not an article: no main text found"
    assert _load(database, second).last_error == "internal error: KeyError: 'blocks'"


def test_a_spent_budget_parks_the_job_without_using_an_attempt(database, site, libre,
                                                               monkeypatch):
    services = _services(database, libre)
    job_id = _job(database, site.server.url("/news/1"), max_attempts=1)
    resume_at = (utcnow() + timedelta(hours=7)).replace(microsecond=0)
    error = BudgetExceeded("libre: daily character budget spent", resume_at)
    monkeypatch.setattr(execution, "run_stage", lambda *_: (_ for _ in ()).throw(error))
    for _ in range(3):  # never "gives up": waiting for a budget is not failing
        result = execute(database, job_id, services)
        assert result.state == "queued" and result.delay > 6 * 3600
        with session_scope(database) as session:
            job = session.get(Job, job_id)
            assert job.attempts == 0
            assert job.next_attempt_at.replace(tzinfo=resume_at.tzinfo) == resume_at
            job.next_attempt_at = utcnow()
    assert _load(database, job_id).last_error == "libre: daily character budget spent"


def test_the_same_job_delivered_twice_at_once_runs_once(database, site, libre):
    services = _services(database, libre)
    job_id = _job(database, site.server.url("/news/0"))
    results = []
    start = threading.Barrier(2)

    def deliver():
        start.wait()
        results.append(execute(database, job_id, services))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(result.claimed for result in results) == [False, True]


def test_a_worker_that_outlived_its_lease_changes_nothing(database, site, libre, monkeypatch):
    services = _services(database, libre)
    job_id = _job(database, site.server.url("/news/3"))
    real_run_stage = execution.run_stage

    def slow_stage(session, job, services_):
        # While this stage runs, its lease runs out and another worker claims the job.
        with session_scope(database) as other:
            other.execute(update(Job).where(Job.id == job_id)
                          .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
            assert claim(other, job_id, timedelta(minutes=5)) is not None
        return real_run_stage(session, job, services_)

    monkeypatch.setattr(execution, "run_stage", slow_stage)
    result = execute(database, job_id, services)
    assert result.error == "lease lost"
    job = _load(database, job_id)
    assert job.state == "running" and job.stage == "fetch" and job.attempts == 2


@pytest.mark.slow  # a 1.5 s stage outliving its lease
def test_a_long_stage_keeps_its_job_by_renewing_the_lease(database, site, libre, monkeypatch):
    from pipeline.jobs.sweeper import sweep

    services = _services(database, libre, job_lease=0.6)
    job_id = _job(database, site.server.url("/news/4"))
    real_run_stage = execution.run_stage
    swept = []

    def slow_stage(session, job, services_):
        for _ in range(3):  # 1.5 s, well past the 0.6 s lease
            threading.Event().wait(0.5)
            swept.append(sweep(database, grace=60).requeued)
        return real_run_stage(session, job, services_)

    monkeypatch.setattr(execution, "run_stage", slow_stage)
    result = execute(database, job_id, services)
    assert swept == [0, 0, 0]
    assert (result.state, result.stage) == ("queued", "translate")


def test_a_stage_is_claimed_run_and_settled_in_one_session(database, site, libre, monkeypatch):
    opened: list[str] = []
    real_scope = execution.session_scope

    def counting_scope(url):
        opened.append(url)
        return real_scope(url)

    monkeypatch.setattr(execution, "session_scope", counting_scope)
    services = _services(database, libre)
    job_id = _job(database, site.server.url("/news/2"))
    assert execute(database, job_id, services).stage == "translate"
    assert len(opened) == 1
    monkeypatch.setattr(execution, "run_stage", lambda *_: (_ for _ in ()).throw(
        FetchUnavailable("libre down")))
    assert execute(database, job_id, services).state == "queued"  # retried later
    assert len(opened) == 2


def _foreground_services(database_url: str, libre: StubServer, retry_base: float) -> Services:
    return Services(Settings(database_url=database_url, provider="libre",
                             libre_url=libre.base_url, fetch_allow_hosts="127.0.0.1",
                             fetch_host_rate=0, retry_base=retry_base, retry_cap=100))


def _failing_once(error: Exception):
    real_run_stage = execution.run_stage
    calls = []

    def stage(session, job, services_):
        calls.append(job.stage)
        if len(calls) == 1:
            raise error
        return real_run_stage(session, job, services_)

    return stage, calls


def test_the_foreground_waits_out_a_retry_due_within_its_patience(database, site, libre,
                                                                   monkeypatch):
    stage, calls = _failing_once(FetchUnavailable("HTTP 503 from the site"))
    monkeypatch.setattr(execution, "run_stage", stage)
    job_id = _job(database, site.server.url("/news/1"))
    draft_id = run_in_foreground(database, job_id, _foreground_services(database, libre, 0.2),
                                 patience=5)
    assert calls == ["fetch", "fetch", "translate"]
    job = _load(database, job_id)
    assert (job.state, job.draft_id) == ("done", draft_id)


def test_the_foreground_fails_a_job_whose_retry_is_due_later_than_it_waits(
        database, site, libre, monkeypatch):
    stage, calls = _failing_once(FetchUnavailable("HTTP 503 from the site"))
    monkeypatch.setattr(execution, "run_stage", stage)
    job_id = _job(database, site.server.url("/news/1"))
    with pytest.raises(FetchUnavailable):
        run_in_foreground(database, job_id, _foreground_services(database, libre, 10),
                          patience=1)
    assert calls == ["fetch"]
    job = _load(database, job_id)
    assert (job.state, job.last_error) == ("failed", "HTTP 503 from the site")


def test_the_foreground_does_not_wait_for_a_host_that_does_not_resolve(database, site, libre,
                                                                       monkeypatch):
    unreachable = ProviderUnreachable("cannot reach x (DNS lookup failed)", "x", fast=True)
    stage, calls = _failing_once(unreachable)
    monkeypatch.setattr(execution, "run_stage", stage)
    job_id = _job(database, site.server.url("/news/1"))
    with pytest.raises(ProviderUnreachable):
        run_in_foreground(database, job_id, _foreground_services(database, libre, 0.2),
                          patience=5)
    assert calls == ["fetch"] and _load(database, job_id).state == "failed"


def test_the_foreground_reports_a_bug_as_a_pipeline_error(database, site, libre, monkeypatch):
    monkeypatch.setattr(execution, "run_stage", lambda *_: (_ for _ in ()).throw(
        KeyError("blocks")))
    job_id = _job(database, site.server.url("/news/1"))
    with pytest.raises(PipelineError) as caught:
        run_in_foreground(database, job_id, _foreground_services(database, libre, 0.2))
    assert caught.value.reason == "internal error: KeyError: 'blocks'"
    assert _load(database, job_id).state == "failed"


def test_the_foreground_says_who_has_a_job_it_cannot_claim(database, site, libre):
    job_id = _job(database, site.server.url("/news/1"))
    with session_scope(database) as session:
        assert claim(session, job_id, timedelta(minutes=5)) is not None  # another process
    with pytest.raises(JobBusy) as caught:
        run_in_foreground(database, job_id, _foreground_services(database, libre, 0.2))
    assert (caught.value.state, caught.value.draft_id) == ("running", None)

"""The broker-less runner of ``transdraft up``: a job taken is finished before the next is
begun, with pages extracted on the thread or in extraction processes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from config.settings import get_settings
from pipeline.db.models import Draft, Job
from pipeline.db.session import session_scope, upgrade
from pipeline.jobs.intake import enqueue
from tests.stubs.server import StubServer
from tests.stubs.site import ArticleSite
from tests.stubs.translators import libre_routes
from worker.local import LocalRunner, default_extract_processes


@pytest.fixture
def configured(monkeypatch, sqlite_url):
    with ArticleSite(2) as site, StubServer(libre_routes()) as libre:
        for name, value in {
            "TRANSDRAFT_DATABASE_URL": sqlite_url, "TRANSDRAFT_PROVIDER": "libre",
            "TRANSDRAFT_LIBRE_URL": libre.base_url, "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1",
            "TRANSDRAFT_FETCH_HOST_RATE": "0",
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        upgrade(sqlite_url)
        with session_scope(sqlite_url) as session:
            enqueue(session, site.urls(), "es")
        yield get_settings()


def _jobs(url: str) -> list[tuple[str, str]]:
    with session_scope(url) as session:
        return [(job.state, job.stage) for job in session.scalars(select(Job).order_by(Job.id))]


@pytest.mark.parametrize("processes", [0, 1])
def test_one_pick_runs_every_stage_of_that_job(configured, processes):
    runner = LocalRunner(configured, threads=1, extract_processes=processes)
    runner.start_pool()
    try:
        assert runner.run_once()
        states = sorted(_jobs(configured.database_url))
        # One job went from fetch to done in one pick; the other has not been touched.
        assert states == [("done", "finished"), ("queued", "fetch")]
        assert runner.run_once()
        assert _jobs(configured.database_url) == [("done", "finished")] * 2
        assert not runner.run_once()  # nothing left
    finally:
        runner.stop()
    with session_scope(configured.database_url) as session:
        drafts = session.scalars(select(Draft)).all()
        assert len(drafts) == 2 and all(draft.html for draft in drafts)


def test_default_extraction_processes_follow_threads_and_cpus(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert default_extract_processes(1) == 1
    assert default_extract_processes(4) == 2
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert default_extract_processes(4) == 0  # one CPU: a process would only add copying

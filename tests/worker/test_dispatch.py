"""Telling the workers about jobs: one send loop for stage messages and fan-out batches."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from config.settings import Settings
from pipeline.db.session import session_scope, upgrade
from pipeline.jobs.intake import enqueue
from worker import dispatch


class FakeApp:
    """Records what a Celery app would send; ``fail_after`` sends break the connection."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.sent: list[tuple[str, list, str, dict]] = []
        self.fail_after = fail_after

    @contextmanager
    def producer_or_acquire(self):
        class Connection:
            def ensure_connection(self, **_options):
                return self

        class Producer:
            connection = Connection()

        yield Producer()

    def send_task(self, task, args, queue, producer, retry, **options):
        if self.fail_after is not None and len(self.sent) >= self.fail_after:
            raise ConnectionError("broker went away")
        self.sent.append((task, args, queue, options))


@pytest.fixture
def queued(sqlite_url):
    """(settings, ids of 60 queued fetch jobs)."""
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        ids = enqueue(session, [f"https://a.example/{n}" for n in range(60)], "nl").new_ids
    return Settings(database_url=sqlite_url, broker_url="redis://127.0.0.1:9/0"), ids


def test_a_few_jobs_go_as_one_stage_message_each(queued, monkeypatch):
    settings, ids = queued
    app = FakeApp()
    monkeypatch.setattr(dispatch, "get_app", lambda _settings: app)
    assert dispatch.publish(ids[:3], settings) == 3
    assert app.sent == [("transdraft.fetch", [job_id], "fetch", {}) for job_id in ids[:3]]
    assert dispatch.send_stage(ids[0], "translate", settings, countdown=7.5)
    assert app.sent[-1] == ("transdraft.translate", [ids[0]], "translate", {"countdown": 7.5})


def test_many_jobs_are_fanned_out_in_batches_of_ids(queued, monkeypatch):
    settings, ids = queued
    app = FakeApp()
    monkeypatch.setattr(dispatch, "get_app", lambda _settings: app)
    monkeypatch.setattr(dispatch, "IDS_PER_MESSAGE", 25)
    assert dispatch.publish(ids, settings) == 60
    assert [(task, len(args[0]), queue) for task, args, queue, _ in app.sent] == [
        ("transdraft.dispatch", 25, "dispatch"), ("transdraft.dispatch", 25, "dispatch"),
        ("transdraft.dispatch", 10, "dispatch")]


def test_a_broker_that_goes_away_counts_only_what_was_handed_on(queued, monkeypatch):
    settings, ids = queued
    monkeypatch.setattr(dispatch, "IDS_PER_MESSAGE", 25)
    monkeypatch.setattr(dispatch, "get_app", lambda _settings: FakeApp(fail_after=1))
    assert dispatch.publish(ids, settings) == 25  # the sweeper sends the rest
    monkeypatch.setattr(dispatch, "get_app", lambda _settings: FakeApp(fail_after=2))
    assert dispatch.send_stages(ids[:5], settings) == 2


def test_nothing_is_sent_without_a_broker_or_for_jobs_that_are_not_queued(queued, monkeypatch):
    settings, ids = queued
    app = FakeApp()
    monkeypatch.setattr(dispatch, "get_app", lambda _settings: app)
    assert dispatch.publish(ids, settings.model_copy(update={"broker_url": "none"})) == 0
    assert dispatch.send_stages([999_999], settings) == 0
    assert app.sent == []

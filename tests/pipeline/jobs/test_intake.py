"""Intake: one queued job per article and language, however often and however it is sent."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from pipeline.db.models import Job
from pipeline.db.session import session_scope, upgrade
from pipeline.jobs.intake import enqueue
from pipeline.vocabulary import JobState


@pytest.fixture
def database(db_url):
    upgrade(db_url)
    return db_url


def test_new_duplicate_and_invalid_are_told_apart(database):
    urls = [
        "https://news.example.org/a/story?id=7",
        "https://NEWS.example.org:443/a/story?id=7&utm_source=x#top",  # same article
        "https://news.example.org/a/other",
        "ftp://news.example.org/file",
        "not a url",
    ]
    with session_scope(database) as session:
        report = enqueue(session, urls, "NL")
        assert report.summary() == {"new": 2, "duplicate": 1, "invalid": 2}
        assert report.duplicate[0].id == report.new[0].id
        assert [url for url, _ in report.invalid] == ["ftp://news.example.org/file", "not a url"]
        assert all(reason.startswith("invalid URL") for _, reason in report.invalid)
        assert {job.target_lang for job in report.new} == {"nl"}
        assert report.new[0].url == urls[0]
    with session_scope(database) as session:
        assert session.scalar(select(func.count(Job.id))) == 2


def test_enqueue_twice_makes_one_job_per_article_and_language(database):
    urls = [f"https://site.example/{n}?utm_campaign=c{n % 3}" for n in range(20)]
    with session_scope(database) as session:
        first = enqueue(session, urls, "nl")
    with session_scope(database) as session:
        second = enqueue(session, urls + ["https://site.example/3?fbclid=abc"], "nl")
        spanish = enqueue(session, urls[:2], "es")
    assert len(first.new) == 20 and not first.duplicate
    assert not second.new and len(second.duplicate) == 21
    assert {job.id for job in second.duplicate} == set(first.new_ids)
    assert len(spanish.new) == 2


def test_a_finished_job_does_not_block_a_new_check_of_the_article(database):
    with session_scope(database) as session:
        job = enqueue(session, ["https://site.example/x"], "nl").new[0]
        job.state = JobState.done
    with session_scope(database) as session:
        again = enqueue(session, ["https://site.example/x"], "nl")
        assert len(again.new) == 1 and again.new[0].id != job.id


def test_concurrent_enqueues_of_the_same_urls_make_one_job_each(database):
    """Several threads (own connections) enqueue the same batch at once."""
    urls = [f"https://race.example/{n}" for n in range(30)]
    reports = []
    errors = []
    start = threading.Barrier(4)

    def enqueue_batch():
        try:
            start.wait()
            with session_scope(database) as session:
                reports.append(enqueue(session, urls, "nl").summary())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=enqueue_batch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with session_scope(database) as session:
        assert session.scalar(select(func.count(Job.id))) == 30
    assert sum(report["new"] for report in reports) == 30

"""Source runs against stub feeds, on SQLite and PostgreSQL: what is enqueued, once per slot."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from config.settings import Settings
from pipeline.db.models import Job, Source, SourceItem, SourceRun
from pipeline.db.session import session_scope, upgrade
from pipeline.jobs.intake import enqueue
from pipeline.sources import add_source
from pipeline.sources.runs import run_due_sources, run_source
from pipeline.vocabulary import JobState
from tests.pipeline.sources import feeds
from tests.stubs.server import Response

SETTINGS = Settings(fetch_allow_hosts=["127.0.0.1"])
NOW = datetime(2026, 11, 28, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def site(blank_site):
    return blank_site


@pytest.fixture
def database(db_url) -> str:
    upgrade(db_url)
    return db_url


def live(document, content_type: str = "application/rss+xml"):
    return lambda request: Response(body=document(), content_type=content_type)


def make_source(database: str, url: str, name: str = "news", schedule: str = "nightly",
                created: datetime = NOW - timedelta(days=10), kind: str = "feed") -> int:
    with session_scope(database) as session:
        source = add_source(session, url, kind, "nl", name=name, schedule=schedule)
        source.created_at = created
        session.flush()
        return source.id


def jobs(database: str) -> list[Job]:
    with session_scope(database) as session:
        return list(session.scalars(select(Job).order_by(Job.id)))


def runs(database: str) -> list[SourceRun]:
    with session_scope(database) as session:
        return list(session.scalars(select(SourceRun).order_by(SourceRun.id)))


def counts(run: SourceRun) -> dict[str, int]:
    return {k: getattr(run, k) for k in ("found", "new", "changed", "skipped", "failed")}


def article(n: int, **extra) -> dict:
    return {"link": f"https://news.example/story/{n}", "title": f"Story {n}",
            "summary": f"Summary {n}", **extra}


def test_first_run_enqueues_all_second_none_a_changed_entry_again(database, site):
    items = [article(n) for n in range(5)]
    site.routes = {"/rss": live(lambda: feeds.rss(items))}
    source_id = make_source(database, site.url("/rss"))

    first = run_source(database, source_id, NOW, settings=SETTINGS)
    assert first.state == "done" and first.error is None
    assert counts(first) == {"found": 5, "new": 5, "changed": 0, "skipped": 0, "failed": 0}
    made = jobs(database)
    assert sorted(first.job_ids) == [job.id for job in made]
    assert {job.canonical_url for job in made} == {i["link"] for i in items}
    assert {job.target_lang for job in made} == {"nl"}

    second = run_source(database, source_id, NOW + timedelta(hours=1), settings=SETTINGS)
    assert counts(second) == {"found": 5, "new": 0, "changed": 0, "skipped": 5, "failed": 0}
    assert second.job_ids == () and len(jobs(database)) == 5

    for job in made:  # the first jobs finish; a changed article needs a new one
        with session_scope(database) as session:
            session.execute(update(Job).where(Job.id == job.id).values(state=JobState.done))
    items[2]["summary"] = "Summary 2, corrected"
    items.append(article(9))
    third = run_source(database, source_id, NOW + timedelta(hours=2), settings=SETTINGS)
    assert counts(third) == {"found": 6, "new": 1, "changed": 1, "skipped": 4, "failed": 0}
    latest = {job.id: job.canonical_url for job in jobs(database)[5:]}
    assert sorted(latest) == sorted(third.job_ids)
    assert set(latest.values()) == {items[2]["link"], items[-1]["link"]}

    fourth = run_source(database, source_id, NOW + timedelta(hours=3), settings=SETTINGS)
    assert fourth.job_ids == () and fourth.skipped == 6


def test_tracking_parameter_variants_are_one_article(database, site):
    items = [article(1), {**article(1), "link": article(1)["link"] + "?utm_source=rss&fbclid=x"},
             {**article(1), "link": "HTTPS://NEWS.EXAMPLE:443/story/1#comments"}]
    site.routes = {"/rss": live(lambda: feeds.rss(items))}
    source_id = make_source(database, site.url("/rss"))
    first = run_source(database, source_id, NOW, settings=SETTINGS)
    assert counts(first) == {"found": 1, "new": 1, "changed": 0, "skipped": 0, "failed": 0}
    items[:] = [{**article(1), "link": article(1)["link"] + "?utm_campaign=later"}]
    second = run_source(database, source_id, NOW + timedelta(hours=1), settings=SETTINGS)
    assert counts(second)["skipped"] == 1 and len(jobs(database)) == 1


def test_an_article_already_queued_is_not_queued_twice(database, site):
    items = [article(1), article(2)]
    site.routes = {"/rss": live(lambda: feeds.rss(items))}
    with session_scope(database) as session:
        queued = enqueue(session, [items[0]["link"]], "nl").new[0].id
    source_id = make_source(database, site.url("/rss"))
    run = run_source(database, source_id, NOW, settings=SETTINGS)
    assert run.new == 2 and len(run.job_ids) == 1 and queued not in run.job_ids
    assert len(jobs(database)) == 2
    with session_scope(database) as session:
        linked = dict(session.execute(select(SourceItem.canonical_url, SourceItem.job_id)).all())
    assert linked[items[0]["link"]] == queued


def test_invalid_entry_urls_count_as_failed_and_are_named(database, site):
    items = [article(1), {"link": "https://bad host/x", "title": "bad"}]
    site.routes = {"/rss": live(lambda: feeds.rss(items))}
    run = run_source(database, make_source(database, site.url("/rss")), NOW, settings=SETTINGS)
    assert counts(run) == {"found": 1, "new": 1, "changed": 0, "skipped": 0, "failed": 1}
    assert "invalid URL" in run.warning


def test_a_broken_source_fails_with_its_reason_and_the_others_still_run(database, site, caplog):
    site.routes = {"/rss": live(lambda: feeds.rss([article(1)])),
                   "/broken": live(lambda: "<rss><channel><<<", "application/rss+xml"),
                   "/bomb": live(lambda: feeds.BILLION_LAUGHS.format(root="<rss>&lol9;</rss>")),
                   "/moved": lambda request: Response(
                       302, "", {"Location": "http://192.168.1.1/feed"})}
    make_source(database, site.url("/moved"), name="moved")
    make_source(database, site.url("/broken"), name="broken")
    make_source(database, site.url("/bomb"), name="bomb")
    make_source(database, site.url("/gone"), name="gone")
    make_source(database, site.url("/rss"), name="good")
    with caplog.at_level(logging.WARNING, logger="pipeline.sources"):
        job_ids = run_due_sources(database, NOW, settings=SETTINGS)
    assert len(job_ids) == 1
    by_source = {run.source_id: run for run in runs(database)}
    with session_scope(database) as session:
        names = dict(session.execute(select(Source.id, Source.name)).all())
    result = {names[sid]: (run.state, run.error) for sid, run in by_source.items()}
    assert result["good"] == ("done", None)
    assert result["broken"][0] == "failed" and result["broken"][1].startswith("feed unreadable")
    assert result["bomb"] == ("failed", "refused: the document declares XML entities "
                                        "(a possible entity-expansion bomb)")
    assert result["gone"] == ("failed", "HTTP 404 Not Found")
    assert result["moved"] == ("failed", "fetch refused: private address 192.168.1.1 "
                                         "(private network)")
    assert all(run.finished_at is not None for run in by_source.values())
    assert "run failed: HTTP 404 Not Found" in caplog.text


def test_zero_items_after_some_is_a_warning(database, site, caplog):
    items = [article(1), article(2)]
    site.routes = {"/rss": live(lambda: feeds.rss(items))}
    source_id = make_source(database, site.url("/rss"))
    assert run_source(database, source_id, NOW, settings=SETTINGS).warning is None
    items.clear()
    with caplog.at_level(logging.WARNING, logger="pipeline.sources"):
        empty = run_source(database, source_id, NOW + timedelta(hours=1), settings=SETTINGS)
    assert empty.state == "done" and empty.found == 0
    assert empty.warning == "found no articles, where the previous run found 2"
    assert "found no articles" in caplog.text
    again = run_source(database, source_id, NOW + timedelta(hours=2), settings=SETTINGS)
    assert again.warning is None  # the previous run found none either: nothing new to say


def test_each_slot_runs_once_and_only_the_latest_missed_slot_is_caught_up(database, site):
    site.routes = {"/rss": live(lambda: feeds.rss([article(1)]))}
    created = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)
    source_id = make_source(database, site.url("/rss"), created=created)
    # Down from the 20th to the 28th 09:30: seven nightly slots missed, one run catches up.
    assert len(run_due_sources(database, NOW, settings=SETTINGS)) == 1
    assert run_due_sources(database, NOW + timedelta(minutes=1), settings=SETTINGS) == []
    assert run_due_sources(database, NOW + timedelta(hours=12), settings=SETTINGS) == []
    run_due_sources(database, datetime(2026, 11, 29, 2, 0, 30, tzinfo=timezone.utc),
                    settings=SETTINGS)
    slots = [(run.source_id, run.slot.replace(tzinfo=None), run.trigger) for run in runs(database)]
    assert slots == [(source_id, datetime(2026, 11, 28, 2, 0), "schedule"),
                     (source_id, datetime(2026, 11, 29, 2, 0), "schedule")]


def test_a_slot_before_the_source_existed_is_not_run_nor_a_disabled_source(database, site):
    site.routes = {"/rss": live(lambda: feeds.rss([article(1)]))}
    make_source(database, site.url("/rss"), created=NOW - timedelta(hours=1))
    off = make_source(database, site.url("/rss") + "?other", name="off", schedule="hourly")
    with session_scope(database) as session:
        session.get(Source, off).enabled = False
    assert run_due_sources(database, NOW, settings=SETTINGS) == []
    assert runs(database) == []
    assert len(run_due_sources(database, NOW + timedelta(days=1), settings=SETTINGS)) == 1


def test_cron_schedule_slots(database, site):
    site.routes = {"/rss": live(lambda: feeds.rss([article(1)]))}
    make_source(database, site.url("/rss"), schedule="*/15 * * * *")
    for minute in (0, 5, 14, 15, 29, 30, 31):
        run_due_sources(database, NOW.replace(hour=10, minute=minute), settings=SETTINGS)
    assert [run.slot.replace(tzinfo=None).minute for run in runs(database)] == [0, 15, 30]


def test_concurrent_schedulers_run_each_slot_once(database, site):
    items = [article(n) for n in range(30)]
    site.routes = {"/rss": live(lambda: feeds.rss(items)),
                   "/atom": live(lambda: feeds.atom([article(n) for n in range(30, 40)]),
                                 "application/atom+xml")}
    make_source(database, site.url("/rss"), name="rss")
    make_source(database, site.url("/atom"), name="atom")
    barrier = threading.Barrier(4)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            barrier.wait()
            results.append(run_due_sources(database, NOW, settings=SETTINGS))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    dispatched = [job_id for result in results for job_id in result]
    assert len(dispatched) == len(set(dispatched)) == 40
    assert sorted(dispatched) == [job.id for job in jobs(database)]
    assert sorted((run.state, run.new) for run in runs(database)) == [("done", 10), ("done", 30)]
    assert len(site.requests) == 2  # each feed fetched once


def test_a_run_that_died_is_taken_over_after_its_lease(database, site):
    site.routes = {"/rss": live(lambda: feeds.rss([article(1)]))}
    source_id = make_source(database, site.url("/rss"))
    slot = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
    with session_scope(database) as session:
        session.add(SourceRun(source_id=source_id, slot=slot, state="running",
                              started_at=datetime.now(timezone.utc) - timedelta(minutes=5)))
    assert run_due_sources(database, NOW, settings=SETTINGS) == []  # still within its lease
    with session_scope(database) as session:
        session.execute(update(SourceRun).values(
            started_at=datetime.now(timezone.utc) - timedelta(hours=1)))
    assert len(run_due_sources(database, NOW, settings=SETTINGS)) == 1
    assert [(run.state, run.new) for run in runs(database)] == [("done", 1)]


def test_removing_a_source_forgets_its_runs_and_items_but_keeps_jobs(database, site):
    from pipeline.sources import remove_source

    site.routes = {"/rss": live(lambda: feeds.rss([article(1)]))}
    run_source(database, make_source(database, site.url("/rss")), NOW, settings=SETTINGS)
    with session_scope(database) as session:
        remove_source(session, "news")
    with session_scope(database) as session:
        assert session.scalar(select(func.count(SourceRun.id))) == 0
        assert session.scalar(select(func.count(SourceItem.id))) == 0
        assert session.scalar(select(func.count(Job.id))) == 1


def test_a_baseline_run_remembers_without_enqueueing(database, site):
    items = [article(1), article(2)]
    site.routes = {"/rss": live(lambda: feeds.rss(items))}
    source_id = make_source(database, site.url("/rss"))
    baseline = run_source(database, source_id, NOW, settings=SETTINGS, baseline=True)
    assert (baseline.trigger, baseline.found, baseline.new, baseline.skipped) == ("baseline", 2, 0, 2)
    assert baseline.job_ids == () and jobs(database) == []
    items.append(article(3))
    later = run_source(database, source_id, NOW + timedelta(hours=1), settings=SETTINGS)
    assert (later.new, later.skipped) == (1, 2)
    assert [job.canonical_url for job in jobs(database)] == [article(3)["link"]]


def test_a_scheduled_run_failing_for_a_passing_reason_is_retried_later(database, site):
    answers = [Response(503, "busy"), Response(body=feeds.rss([article(1)]),
                                              content_type="application/rss+xml")]
    site.routes = {"/rss": lambda request: answers.pop(0) if len(answers) > 1 else answers[0],
                   "/gone": lambda request: Response(404, "no")}
    make_source(database, site.url("/rss"), name="flaky")
    make_source(database, site.url("/gone"), name="gone")
    assert run_due_sources(database, NOW, settings=SETTINGS) == []
    flaky, gone = runs(database)
    assert (flaky.state, flaky.error, flaky.attempts) == ("failed", "HTTP 503 Service Unavailable", 1)
    assert flaky.retry_at is not None and gone.retry_at is None  # a 404 will not go away
    assert run_due_sources(database, NOW + timedelta(minutes=1), settings=SETTINGS) == []
    with session_scope(database) as session:  # the retry time comes
        session.execute(update(SourceRun).where(SourceRun.id == flaky.id).values(
            retry_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    assert len(run_due_sources(database, NOW + timedelta(minutes=20), settings=SETTINGS)) == 1
    flaky, gone = runs(database)
    assert (flaky.state, flaky.error, flaky.attempts, flaky.new) == ("done", None, 2, 1)
    assert (gone.state, gone.attempts) == ("failed", 1)


def test_retries_stop_after_the_last_attempt(database, site):
    site.routes = {"/rss": lambda request: Response(503, "busy")}
    make_source(database, site.url("/rss"))
    for attempt in range(1, 5):
        with session_scope(database) as session:
            session.execute(update(SourceRun).where(SourceRun.retry_at.is_not(None)).values(
                retry_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
        run_due_sources(database, NOW, settings=SETTINGS)
    (run,) = runs(database)
    assert (run.state, run.attempts, run.retry_at) == ("failed", 3, None)
    assert len(site.requests) == 3

"""Fault tests with real `transdraft worker` and `beat` processes, a real Redis of our own and
real PostgreSQL: whatever is killed or restarted, every job ends done or failed with a
reason, and each article has exactly one draft.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time

import pytest
from sqlalchemy import select

from pipeline.db.models import Job
from pipeline.db.session import session_scope, upgrade
from pipeline.jobs.intake import enqueue
from tests.stubs.server import Response, StubServer
from tests.stubs.site import ArticleSite
from tests.stubs.translators import Faults, libre_routes
from tests.worker.conftest import (
    assert_one_draft_per_article,
    job_states,
    settings_of,
    wait_for,
    wait_until_all_terminal,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(180)]


def _enqueue(database_url: str, urls: list[str], cluster) -> list[int]:
    from worker.dispatch import publish

    with session_scope(database_url) as session:
        ids = enqueue(session, urls, "nl", max_attempts=10).new_ids
    publish(ids, settings_of(cluster))
    return ids


def _busy_pool_child(worker, database_url: str) -> int:
    """A pool process of ``worker`` once jobs are running."""
    wait_for(lambda: job_states(database_url).get("running", 0) >= 1, 60, "a running job",
             interval=0.05)
    return wait_for(worker.pool, 10, "the worker's pool")[0]


def test_pool_child_killed_mid_task(pg_url, redis_server, cluster_for):
    upgrade(pg_url)
    with ArticleSite(12, delay=0.7) as site, StubServer(libre_routes()) as libre:
        cluster = cluster_for(pg_url, redis_server.url, libre.base_url)
        worker = cluster.worker(concurrency=2)
        cluster.beat()
        _enqueue(pg_url, site.urls(), cluster)
        os.kill(_busy_pool_child(worker, pg_url), signal.SIGKILL)
        assert wait_until_all_terminal(pg_url, 12, 90, cluster) == {"done": 12}
        assert worker.popen.poll() is None  # the worker lived on and replaced its child
    assert_one_draft_per_article(pg_url)


def test_worker_main_process_killed_then_a_new_worker(pg_url, redis_server, cluster_for):
    upgrade(pg_url)
    with ArticleSite(10, delay=0.7) as site, StubServer(libre_routes()) as libre:
        cluster = cluster_for(pg_url, redis_server.url, libre.base_url)
        first = cluster.worker(concurrency=2)
        cluster.beat()
        _enqueue(pg_url, site.urls(), cluster)
        _busy_pool_child(first, pg_url)
        os.kill(first.pid, signal.SIGKILL)  # the main process only; its pool is orphaned
        first.popen.wait(10)
        cluster.worker(concurrency=2)
        assert wait_until_all_terminal(pg_url, 10, 90, cluster) == {"done": 10}
    assert_one_draft_per_article(pg_url)


def test_redis_restarted_without_persistence_mid_run(pg_url, redis_server, cluster_for):
    upgrade(pg_url)
    with ArticleSite(16, delay=0.5) as site, StubServer(libre_routes()) as libre:
        cluster = cluster_for(pg_url, redis_server.url, libre.base_url)
        cluster.worker(concurrency=2)
        cluster.beat()
        _enqueue(pg_url, site.urls(), cluster)
        wait_for(lambda: job_states(pg_url).get("running", 0) >= 1, 60, "a running job")
        redis_server.restart(down_for=2)  # every queued message is gone
        assert wait_until_all_terminal(pg_url, 16, 120, cluster) == {"done": 16}
    assert_one_draft_per_article(pg_url)


def test_postgres_stopped_and_started_mid_run(own_postgres, redis_server, cluster_for):
    database_url = own_postgres.url
    upgrade(database_url)
    with ArticleSite(12, delay=0.5) as site, StubServer(libre_routes()) as libre:
        cluster = cluster_for(database_url, redis_server.url, libre.base_url)
        cluster.worker(concurrency=2)
        cluster.beat()
        _enqueue(database_url, site.urls(), cluster)
        wait_for(lambda: job_states(database_url).get("running", 0) >= 1, 60, "a running job")
        from pipeline.db.session import get_engine

        get_engine(database_url).dispose()
        own_postgres.stop()
        time.sleep(3)
        own_postgres.start()
        states = wait_until_all_terminal(database_url, 12, 120, cluster)
        assert states == {"done": 12}
    assert_one_draft_per_article(database_url)


def _flaky_libre():
    """LibreTranslate where 3 requests in 10 fail: a 429, a 503, or a stall past the client's
    timeout, in a shuffled but fixed order."""
    good = libre_routes()["/translate"]
    pattern = ["ok"] * 7 + ["429", "503", "stall"]
    random.Random(11).shuffle(pattern)
    lock = threading.Lock()
    counts = {"ok": 0, "429": 0, "503": 0, "stall": 0}

    def translate(request):
        with lock:
            kind = pattern[sum(counts.values()) % len(pattern)]
            counts[kind] += 1
        if kind == "429":
            return Response(429, "slow down", {"Retry-After": "1"}, "text/plain")
        if kind == "503":
            return Response(503, "overloaded", content_type="text/plain")
        if kind == "stall":
            return Response(200, "{}", content_type="application/json", delay=3)
        return good(request)

    return {"/translate": translate}, counts


def test_translation_provider_answering_429_503_and_timeouts(pg_url, redis_server, cluster_for):
    upgrade(pg_url)
    routes, counts = _flaky_libre()
    with ArticleSite(14) as site, StubServer(routes) as libre:
        cluster = cluster_for(pg_url, redis_server.url, libre.base_url)
        cluster.worker(concurrency=2)
        cluster.beat()
        _enqueue(pg_url, site.urls(), cluster)
        states = wait_until_all_terminal(pg_url, 14, 150, cluster)
    assert counts["429"] and counts["503"] and counts["stall"]  # the faults did happen
    assert states.get("done", 0) >= 12, states  # with 10 attempts nearly all get through
    with session_scope(pg_url) as session:
        for job in session.scalars(select(Job).where(Job.state == "failed")):
            assert "; gave up after" in job.last_error, job.last_error
    assert_one_draft_per_article(pg_url)
    # Fetches happened once per article: a translation retry never fetches again.
    assert all(hits == 1 for hits in site.hits.values()), site.hits


def test_the_same_job_delivered_twice_at_once(pg_url, redis_server, cluster_for):
    from worker.dispatch import send_stages

    upgrade(pg_url)
    with ArticleSite(8) as site, StubServer(libre_routes(Faults(delay=0.3))) as libre:
        cluster = cluster_for(pg_url, redis_server.url, libre.base_url)
        cluster.worker(concurrency=2)
        cluster.worker(concurrency=2)
        with session_scope(pg_url) as session:
            ids = enqueue(session, site.urls(), "nl").new_ids
        settings = settings_of(cluster)
        for _ in range(3):  # every message three times over
            send_stages(ids, settings)
        assert wait_until_all_terminal(pg_url, 8, 90, cluster) == {"done": 8}
        time.sleep(1)  # let the duplicate messages arrive too
        logs = cluster.logs()
    assert_one_draft_per_article(pg_url)
    assert all(hits == 1 for hits in site.hits.values()), (site.hits, logs)

"""The queue's acceptance scenario: 131 articles through a worker kill, a Redis restart and a
pool-process kill, with two workers and the scheduler, ending one draft per article."""

from __future__ import annotations

import os
import signal

import pytest

from pipeline.db.session import upgrade
from tests.stubs.server import StubServer
from tests.stubs.site import ArticleSite
from tests.stubs.translators import libre_routes
from tests.worker.conftest import (
    assert_one_draft_per_article,
    failures,
    job_states,
    wait_for,
    wait_until_all_terminal,
)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(300)
def test_131_articles_through_a_worker_kill_a_redis_restart_and_a_pool_kill(
        pg_url, redis_server, cluster_for, tmp_path):
    import subprocess
    import sys

    upgrade(pg_url)
    with ArticleSite(131, delay=0.15) as site, StubServer(libre_routes()) as libre:
        variants = [site.server.url("/news/130?utm_source=feed"),
                    site.server.url("/news/130?utm_campaign=x&fbclid=abc"),
                    site.server.url("/news/130#comments")]
        urls = site.urls()[:130] + variants
        assert len(urls) == 133
        (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
        cluster = cluster_for(pg_url, redis_server.url, libre.base_url)

        summaries = []
        for _ in range(2):
            run = subprocess.run([sys.executable, "-m", "cli", "enqueue", "--file", "urls.txt"],
                                 env=cluster.env, cwd=tmp_path, capture_output=True, text=True,
                                 timeout=60)
            assert run.returncode == 0, run.stderr
            summaries.append(run.stdout.splitlines()[0])
        assert summaries == ["new 131, duplicate 2, invalid 0",
                             "new 0, duplicate 133, invalid 0"]
        assert job_states(pg_url) == {"queued": 131}

        first = cluster.worker(concurrency=2)
        second = cluster.worker(concurrency=2)
        cluster.beat()

        def done_at_least(count):
            return lambda: job_states(pg_url).get("done", 0) >= count

        wait_for(done_at_least(15), 90, "15 jobs done")
        first.kill_group()  # kill -9 of a whole worker, pool included, mid-run
        wait_for(done_at_least(45), 120, "45 jobs done")
        redis_server.restart(down_for=1)  # the broker forgets every queued message
        wait_for(done_at_least(75), 120, "75 jobs done")
        os.kill(wait_for(second.pool, 10, "a pool process")[0], signal.SIGKILL)

        states = wait_until_all_terminal(pg_url, 131, 180, cluster)
    assert states == {"done": 131}, failures(pg_url)
    assert_one_draft_per_article(pg_url)
    # Each article was fetched at most a few times (only stages cut short are redone).
    assert set(site.hits) == {f"/news/{n}" for n in range(131)}

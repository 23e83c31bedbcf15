"""A worker killed mid-publish: WordPress has saved the post, the answer never comes back,
the worker is gone. The sweeper queues the job again once its lease runs out, and the next
worker finds the post by its slug: still exactly one post, and the record points at it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pipeline.db.models import Draft, Job, Publication
from pipeline.db.session import session_scope, upgrade
from pipeline.drafts import review
from pipeline.publish.enqueue import request_publish
from pipeline.publish.sites import add_site, list_sites
from tests.web.factories import make_draft
from tests.worker.conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.wordpress,
              pytest.mark.timeout(180)]


def _job(database_url: str) -> tuple[str, int, str | None]:
    with session_scope(database_url) as session:
        job = session.scalars(select(Job).where(Job.stage == "publish")).one()
        return job.state, job.attempts, job.last_error


def test_a_worker_killed_mid_publish_leaves_exactly_one_post(pg_url, redis_server, cluster_for,
                                                             wordpress):
    upgrade(pg_url)
    with session_scope(pg_url) as session:
        draft = make_draft(session)
        add_site(session, "blog", "wordpress", wordpress.url, wordpress.app_password,
                 username=wordpress.user)
        review.approve(session, draft, "ann")
        request_publish(session, draft, list_sites(session), "ann")
        draft_id = draft.id
    # Time limits well above the hold: the worker is killed by the test, not by Celery.
    cluster = cluster_for(pg_url, redis_server.url, "http://127.0.0.1:9",
                          task_soft_time_limit=60, task_time_limit=70,
                          broker_visibility_timeout=120)
    wordpress.hold_answers(True)
    try:
        first = cluster.worker(concurrency=1)
        cluster.beat()  # the sweeper sends the queued job (nobody dispatched it)
        wait_for(lambda: wordpress.saved_post_ids(), 60, "WordPress to save the post")
        assert _job(pg_url)[0] == "running"
        first.kill_group()
    finally:
        wordpress.hold_answers(False)
    cluster.worker(concurrency=1)
    wait_for(lambda: _job(pg_url)[0] == "done", 90, "the publish job to be done")

    posts = wordpress.posts()
    assert len(posts) == 1
    state, attempts, error = _job(pg_url)
    assert (state, attempts, error) == ("done", 2, None)
    with session_scope(pg_url) as session:
        publication = session.scalars(select(Publication)).one()
        assert (publication.remote_id, publication.revision) == (str(posts[0]["id"]), 1)
        assert session.get(Draft, draft_id).status == "approved"
    assert wordpress.app_password not in cluster.logs()

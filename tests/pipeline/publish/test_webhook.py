"""Webhook sites: the approved draft POSTed as signed JSON, retried like WordPress, on both
databases; sites added with --auto get every approval; the job is an ordinary job."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

import pytest
from sqlalchemy import select

from config.settings import Settings
from pipeline.db.models import AuditEvent, Draft, Job, utcnow
from pipeline.db.session import session_scope, upgrade
from pipeline.drafts import review
from pipeline.errors import PipelineError
from pipeline.jobs.publish_now import publish_now
from pipeline.jobs.services import Services
from pipeline.jobs.sweeper import due_jobs
from pipeline.publish.enqueue import approve_and_publish, request_publish
from pipeline.publish.errors import InvalidSite
from pipeline.publish.records import publication_documents
from pipeline.publish.sites import add_site, get_site, list_sites, site_document
from tests.stubs.server import Response, StubServer
from tests.web.factories import make_draft

SECRET = "webhook-signing-secret-0123456789"


class Receiver:
    """A CMS's webhook endpoint: checks the signature, answers what the test asks."""

    def __init__(self) -> None:
        self.answers: list[int] = []
        self.received: list[tuple[dict, dict]] = []  # (headers, body) of verified requests

    def __call__(self, request) -> Response:
        expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("x-transdraft-signature", ""), expected):
            return Response(401, "bad signature")
        status = self.answers.pop(0) if self.answers else 200
        if status == 200:
            self.received.append((dict(request.headers), json.loads(request.body)))
            return Response(200, json.dumps({"id": 77, "url": "https://cms.example/post/77"}),
                            content_type="application/json")
        return Response(status, "try again" if status >= 500 else "no")


@pytest.fixture
def receiver():
    handler = Receiver()
    with StubServer({"/hook": handler}) as server:
        handler.url = server.url("/hook")
        yield handler


def _setup(db_url, receiver, auto=False):
    upgrade(db_url)
    with session_scope(db_url) as session:
        draft_id = make_draft(session).id
        add_site(session, "cms", "webhook", receiver.url, SECRET, auto=auto)
    return draft_id, Settings(database_url=db_url, retry_base=0.05, retry_cap=0.1,
                              max_attempts=3)


def _request(db_url, draft_id) -> int:
    with session_scope(db_url) as session:
        draft = session.get(Draft, draft_id)
        return request_publish(session, draft, [get_site(session, "cms")], "ann")[0].job.id


def test_the_approved_draft_arrives_signed_with_an_idempotency_key_after_a_503(db_url, receiver,
                                                                              caplog):
    draft_id, settings = _setup(db_url, receiver)
    with session_scope(db_url) as session:
        review.approve(session, session.get(Draft, draft_id), "ann")
    job_id = _request(db_url, draft_id)
    receiver.answers = [503]
    caplog.set_level(logging.DEBUG)
    assert publish_now(db_url, job_id, Services(settings), timeout=20) == \
        "https://cms.example/post/77"

    (headers, body), = receiver.received
    assert body["id"] == draft_id and body["status"] == "approved"
    assert body["revision"] == 1 and body["title"] == "De havenmuur"
    assert "De havenmuur is" in body["html"] and body["blocks"][0]["kind"] == "paragraph"
    with session_scope(db_url) as session:
        job = session.get(Job, job_id)
        assert (job.state, job.stage, job.attempts) == ("done", "publish", 2)
        document, = publication_documents(session, draft_id)
        assert body["publication_id"] > 0
        assert headers["idempotency-key"] == \
            f"transdraft-publication-{body['publication_id']}-revision-1"
        assert {k: document[k] for k in ("site", "remote_id", "url", "status", "revision")} == {
            "site": "cms", "remote_id": "77", "url": "https://cms.example/post/77",
            "status": "delivered", "revision": 1}
        assert "published" in session.scalars(select(AuditEvent.action)).all()
        assert "secret" not in site_document(list_sites(session)[0])
    assert SECRET not in caplog.text


def test_a_refusal_fails_the_job_with_its_reason(db_url, receiver):
    draft_id, settings = _setup(db_url, receiver)
    with session_scope(db_url) as session:
        review.approve(session, session.get(Draft, draft_id), "ann")
    job_id = _request(db_url, draft_id)
    receiver.answers = [400]
    with pytest.raises(PipelineError) as failure:
        publish_now(db_url, job_id, Services(settings), timeout=20)
    assert failure.value.reason == f"webhook {receiver.url} refused the draft: HTTP 400"
    with session_scope(db_url) as session:
        job = session.get(Job, job_id)
        assert (job.state, job.attempts, job.last_error) == ("failed", 1, failure.value.reason)
        assert publication_documents(session, draft_id)[0]["error"] == failure.value.reason


def test_an_auto_site_gets_each_approval_as_a_queued_publish_job(db_url, receiver):
    draft_id, settings = _setup(db_url, receiver, auto=True)
    with session_scope(db_url) as session:
        approve_and_publish(session, session.get(Draft, draft_id), "ann")
    with session_scope(db_url) as session:
        job_id, = due_jobs(session, utcnow(), 10)  # what a worker or the sweeper picks up
        job = session.get(Job, job_id)
        assert (job.state, job.stage, job.draft_id) == ("queued", "publish", draft_id)
        # Asking again while it waits gives back the waiting job.
        again = request_publish(session, session.get(Draft, draft_id),
                                [get_site(session, "cms")], "bo")
        assert (again[0].job.id, again[0].new) == (job_id, False)
    publish_now(db_url, job_id, Services(settings), timeout=20)
    assert len(receiver.received) == 1


def test_sites_are_checked_when_added(db_url):
    upgrade(db_url)
    with session_scope(db_url) as session:
        with pytest.raises(InvalidSite, match="use https"):
            add_site(session, "a", "webhook", "http://cms.example/hook", SECRET)
        with pytest.raises(InvalidSite, match="needs --user"):
            add_site(session, "b", "wordpress", "https://blog.example", SECRET)
        with pytest.raises(InvalidSite, match="no credentials in the URL"):
            add_site(session, "c", "wordpress", "https://u:p@blog.example", SECRET, username="u")
        add_site(session, "d", "webhook", "https://cms.example/hook", SECRET)
        with pytest.raises(InvalidSite, match="exists already"):
            add_site(session, "d", "webhook", "https://cms.example/other", SECRET)

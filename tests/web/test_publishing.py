"""Publishing in the web app: admins manage sites (secrets never shown), reviewers publish an
approved draft by API or button, and the draft, its page and the Jobs page show the result."""

from __future__ import annotations

import json
import re

from config.settings import Settings
from pipeline.jobs.publish_now import publish_now
from pipeline.jobs.services import Services
from tests.stubs.server import Response, StubServer
from tests.web.conftest import bearer, login, make_client

SECRET = "a-webhook-secret-nobody-may-see"


def _hook(request):
    return Response(200, json.dumps({"id": "p-1", "url": "https://cms.example/p-1"}),
                    content_type="application/json")


def test_sites_are_managed_by_admins_and_drafts_published_by_reviewers(seeded):
    url, users, draft_id = seeded
    dispatched: list[int] = []
    with StubServer({"/hook": _hook}) as cms, make_client(url, publish=dispatched.extend) as client:
        admin, reviewer = bearer(users["admin"].token), bearer(users["reviewer"].token)
        created = client.post("/api/sites", headers=admin, json={
            "name": "cms", "kind": "webhook", "url": cms.url("/hook"), "secret": SECRET})
        assert created.status_code == 201, created.text
        listed = client.get("/api/sites", headers=admin)
        assert [s["name"] for s in listed.json()] == ["cms"]
        assert SECRET not in created.text + listed.text
        assert client.post("/api/sites/cms/test", headers=admin).json()["ok"] is True

        refused = client.post(f"/api/drafts/{draft_id}/publish", headers=reviewer,
                              json={"site": "cms"})
        assert refused.status_code == 409
        assert "only approved drafts are published" in refused.json()["detail"]
        assert client.post(f"/api/drafts/{draft_id}/approve", headers=reviewer).status_code == 200
        unknown = client.post(f"/api/drafts/{draft_id}/publish", headers=reviewer,
                              json={"site": "nope"})
        assert unknown.status_code == 404
        queued = client.post(f"/api/drafts/{draft_id}/publish", headers=reviewer,
                             json={"site": "cms"})
        assert queued.status_code == 202, queued.text
        job, = queued.json()["jobs"]
        assert (job["state"], job["stage"]) == ("queued", "publish")
        assert dispatched == [job["id"]]

        # What a worker does with the job:
        publish_now(url, job["id"], Services(Settings(database_url=url)), timeout=20)
        assert len(cms.requests) == 2  # the test ping and the draft

        shown = client.get(f"/api/drafts/{draft_id}", headers=reviewer).json()
        publication, = shown["publications"]
        assert (publication["site"], publication["url"], publication["revision"]) == (
            "cms", "https://cms.example/p-1", 1)

        login(client, "reviewer1", users["reviewer"].password)
        page = client.get(f"/drafts/{draft_id}", headers={"Accept": "text/html"}).text
        assert 'href="https://cms.example/p-1"' in page
        assert re.search(r'<form method="post" action="/drafts/\d+/publish"', page)
        jobs = client.get("/api/jobs", headers=bearer(users["operator"].token)).json()
        assert "publish" in [j["stage"] for j in jobs["items"]]


def test_the_sites_page_adds_a_site_without_ever_showing_its_secret(seeded):
    url, users, _draft_id = seeded
    with make_client(url) as client:
        csrf = login(client, "admin1", users["admin"].password)
        page = client.post("/admin/sites", data={
            "csrf_token": csrf, "name": "blog", "kind": "wordpress", "user": "ed",
            "url": "https://blog.example.org", "secret": SECRET, "categories": "News, World"},
            headers={"Accept": "text/html"})
        assert page.status_code == 200, page.text
        assert "Site blog added." in page.text and "News, World" in page.text
        assert SECRET not in page.text
        again = client.get("/admin/sites", headers={"Accept": "text/html"})
        assert "blog.example.org" in again.text and SECRET not in again.text
        bad = client.post("/admin/sites", data={
            "csrf_token": csrf, "name": "plain", "kind": "webhook",
            "url": "http://cms.example.org/hook", "secret": SECRET},
            headers={"Accept": "text/html"})
        assert bad.status_code == 422 and "use https" in bad.text and SECRET not in bad.text


def test_an_approval_by_api_queues_a_publish_to_every_auto_site(seeded):
    from sqlalchemy import select

    from pipeline.db.models import Job
    from pipeline.db.session import session_scope

    url, users, draft_id = seeded
    with make_client(url) as client:
        admin, reviewer = bearer(users["admin"].token), bearer(users["reviewer"].token)
        assert client.post("/api/sites", headers=admin, json={
            "name": "cms", "kind": "webhook", "url": "https://cms.example/hook",
            "secret": SECRET, "auto": True}).status_code == 201
        assert client.post(f"/api/drafts/{draft_id}/approve", headers=reviewer).status_code == 200
    with session_scope(url) as session:
        job, = session.scalars(select(Job).where(Job.stage == "publish")).all()
        assert (job.state, job.draft_id) == ("queued", draft_id)

"""The JSON API: jobs for operators, drafts for reviewers, export, health and metrics."""

from __future__ import annotations

import json

import lxml.html
import pytest

from pipeline.db.models import AuditEvent, Draft, Job, Revision
from pipeline.db.session import session_scope
from tests.web.conftest import bearer, make_client
from tests.web.factories import make_draft, templates


@pytest.fixture
def api(seeded):
    url, users, draft_id = seeded
    published: list[list[int]] = []
    with make_client(url, publish=published.append) as client:
        yield client, users, draft_id, url, published


def test_enqueue_answers_202_with_new_duplicate_and_invalid(api):
    client, users, _draft, url, published = api
    op = bearer(users["operator"].token)
    body = {"urls": ["https://example.org/news/one?utm_source=x", "https://example.org/news/two",
                     "ftp://example.org/file", "not a url"], "target_lang": "es"}
    response = client.post("/api/jobs", json=body, headers=op)
    assert response.status_code == 202
    data = response.json()
    assert [job["url"] for job in data["new"]][1] == "https://example.org/news/two"
    assert {job["state"] for job in data["new"]} == {"queued"}
    assert {job["target_lang"] for job in data["jobs"]} == {"es"}
    assert [item["url"] for item in data["invalid"]] == ["ftp://example.org/file", "not a url"]
    assert all(item["reason"] for item in data["invalid"])
    # Published once, after the commit: the jobs are readable from another session.
    assert published == [[job["id"] for job in data["new"]]]
    with session_scope(url) as session:
        assert {j.id for j in session.query(Job)} == {job["id"] for job in data["new"]}

    again = client.post("/api/jobs", json={"urls": ["https://example.org/news/one"],
                                           "target_lang": "es"}, headers=op).json()
    assert again["new"] == []
    assert [job["id"] for job in again["duplicate"]] == [data["new"][0]["id"]]
    assert len(published) == 1  # nothing new, nothing published


def test_enqueue_uses_the_default_language_and_survives_a_failing_publish(seeded):
    url, users, _ = seeded

    def broken(ids):
        raise ConnectionError("broker down")

    with make_client(url, publish=broken) as client:
        response = client.post("/api/jobs", json={"urls": ["https://example.org/x"]},
                               headers=bearer(users["admin"].token))
    assert response.status_code == 202
    assert response.json()["new"][0]["target_lang"] == "nl"
    with session_scope(url) as session:
        assert session.query(Job).one().state == "queued"  # the sweeper will dispatch it


@pytest.mark.parametrize("body", [
    {}, {"urls": []}, {"urls": "https://example.org"}, {"urls": ["x"], "target_lang": "dutch!"},
    {"urls": ["x"], "unknown": 1},
])
def test_enqueue_rejects_invalid_bodies(api, body):
    client, users, *_ = api
    response = client.post("/api/jobs", json=body, headers=bearer(users["operator"].token))
    assert response.status_code == 422


def test_jobs_list_pages_filters_and_retry(api):
    client, users, _draft, url, published = api
    op = bearer(users["operator"].token)
    urls = [f"https://example.org/news/{i}" for i in range(30)]
    ids = [job["id"] for job in client.post("/api/jobs", json={"urls": urls}, headers=op)
           .json()["new"]]
    with session_scope(url) as session:
        failed = session.get(Job, ids[0])
        failed.state, failed.last_error, failed.attempts = "failed", "fetch refused: private address", 5
    first = client.get("/api/jobs", headers=op).json()
    assert (first["total"], first["pages"], len(first["items"])) == (30, 2, 25)
    assert first["items"][0]["id"] == max(ids)  # newest first
    second = client.get("/api/jobs?page=2", headers=op).json()
    assert [j["id"] for j in second["items"]] == sorted(ids)[4::-1]
    only_failed = client.get("/api/jobs?state=failed", headers=op).json()
    assert [j["last_error"] for j in only_failed["items"]] == ["fetch refused: private address"]
    assert client.get("/api/jobs?state=lost", headers=op).status_code == 422
    assert client.get("/api/jobs?page=0", headers=op).status_code == 422
    assert client.get(f"/api/jobs/{ids[3]}", headers=op).json()["url"] == urls[3]
    assert client.get("/api/jobs/999999", headers=op).status_code == 404

    retried = client.post(f"/api/jobs/{ids[0]}/retry", headers=op)
    assert retried.status_code == 200
    assert (retried.json()["state"], retried.json()["attempts"]) == ("queued", 0)
    assert published[-1] == [ids[0]]
    assert client.post(f"/api/jobs/{ids[0]}/retry", headers=op).status_code == 409
    assert client.post("/api/jobs/999999/retry", headers=op).status_code == 404


def test_a_job_reads_the_same_in_the_api_and_the_cli(api):
    from datetime import datetime

    from pipeline.jobs.lifecycle import job_document

    client, users, _draft, url, _published = api
    op = bearer(users["operator"].token)
    job_id = client.post("/api/jobs", json={"urls": ["https://example.org/news/same"]},
                         headers=op).json()["new"][0]["id"]
    shown = client.get(f"/api/jobs/{job_id}", headers=op).json()
    with session_scope(url) as session:
        document = job_document(session.get(Job, job_id))  # `jobs show --format json`
    assert shown.keys() == document.keys()
    for key, value in document.items():
        if key.endswith("_at") and value is not None:  # the API always names the zone
            assert datetime.fromisoformat(shown[key]).replace(tzinfo=None) == \
                datetime.fromisoformat(value).replace(tzinfo=None)
        else:
            assert shown[key] == value, key


def test_drafts_list_filters_search_and_pagination(api):
    client, users, draft_id, url, _ = api
    rv = bearer(users["reviewer"].token)
    with session_scope(url) as session:
        for i in range(27):
            d = make_draft(session, url=f"https://other.example.net/story-{i}",
                           title=f"Story {i}", translated_title=f"Verhaal {i}",
                           site_name="Other Site", target_lang="es" if i % 3 == 0 else "nl")
            if i == 5:
                d.status = "approved"
    everything = client.get("/api/drafts", headers=rv).json()
    assert (everything["total"], everything["pages"], len(everything["items"])) == (28, 2, 25)
    assert client.get("/api/drafts?page=2", headers=rv).json()["items"][-1]["id"] == draft_id
    assert [d["title"] for d in client.get("/api/drafts?status=approved", headers=rv)
            .json()["items"]] == ["Verhaal 5"]
    assert client.get("/api/drafts?target_lang=es", headers=rv).json()["total"] == 9
    assert client.get("/api/drafts?source=Harbour%20Ledger", headers=rv).json()["total"] == 1
    assert client.get("/api/drafts?q=verhaal%202", headers=rv).json()["total"] == 8  # 2, 20-26
    assert client.get("/api/drafts?q=harbour", headers=rv).json()["total"] == 1  # source title
    assert client.get("/api/drafts?q=100%25", headers=rv).json()["total"] == 0
    assert client.get("/api/drafts?since=2000-01-01&until=2999-01-01",
                      headers=rv).json()["total"] == 28
    assert client.get("/api/drafts?until=2000-01-01", headers=rv).json()["total"] == 0
    assert client.get("/api/drafts?status=gone", headers=rv).status_code == 422
    assert client.get("/api/drafts?since=yesterday", headers=rv).status_code == 422
    assert client.get("/api/drafts?page=9", headers=rv).json()["items"] == []


def test_draft_detail_and_unknown_ids(api):
    client, users, draft_id, *_ = api
    rv = bearer(users["reviewer"].token)
    data = client.get(f"/api/drafts/{draft_id}", headers=rv).json()
    assert {"id", "status", "source_url", "source_lang", "target_lang", "title", "html",
            "checks", "blocks", "source_blocks"} <= data.keys()
    assert len(data["blocks"]) == len(data["source_blocks"]) == 6
    assert data["checks"][0]["kind"] == "numbers"
    for path in ("/api/drafts/424242", "/api/drafts/424242/export", "/api/drafts/424242/history"):
        assert client.get(path, headers=rv).status_code == 404
    assert client.patch("/api/drafts/424242", json={"title": "x"}, headers=rv).status_code == 404
    assert client.post("/api/drafts/424242/approve", headers=rv).status_code == 404
    assert client.get("/api/drafts/abc", headers=rv).status_code == 422


def test_editing_a_block_recomposes_and_records_a_revision(api):
    client, users, draft_id, url, _ = api
    rv = bearer(users["reviewer"].token)
    before = client.get(f"/api/drafts/{draft_id}", headers=rv).json()
    response = client.patch(f"/api/drafts/{draft_id}", headers=rv, json={
        "block": 2, "html": "Ingenieurs verwachten <strong>hoger</strong> water.",
        "base_revision": before["revision"]})
    assert response.status_code == 200, response.text
    after = response.json()
    assert after["revision"] == before["revision"] + 1
    assert after["blocks"][2]["html"] == "Ingenieurs verwachten <strong>hoger</strong> water."
    assert after["blocks"][:2] == before["blocks"][:2]

    def parts(html):
        doc = lxml.html.fromstring(html)
        header = lxml.html.tostring(doc.xpath("//header")[0])
        footer = lxml.html.tostring(doc.xpath("//footer")[0])
        return header, footer, doc.text_content()

    assert parts(after["html"])[:2] == parts(before["html"])[:2]  # header, footer unchanged
    assert "hoger water" in parts(after["html"])[2]

    # The recomposed article is exactly what compose makes of the edited blocks.
    from pipeline.document import Block
    from pipeline.drafts.articles import load_extracted
    from pipeline.drafts.compose import compose

    with session_scope(url) as session:
        draft = session.get(Draft, draft_id)
        expected = compose(load_extracted(draft.article), [Block.from_dict(b) for b in draft.blocks],
                           draft.title, "nl", "google", templates(), now=draft.created_at.replace(
                               tzinfo=__import__("datetime").timezone.utc))
        assert draft.html == expected
        revision = session.query(Revision).filter_by(draft_id=draft_id, number=after["revision"]).one()
        assert (revision.author, revision.note) == ("reviewer1", "edited block 3")
        event = session.query(AuditEvent).filter_by(draft_id=draft_id, action="edited").one()
        assert event.actor == "reviewer1" and event.detail["block"] == 2

    # Based on the revision before: block 2 changed since, so this is a conflict with both texts.
    stale = client.patch(f"/api/drafts/{draft_id}", headers=rv, json={
        "block": 2, "html": "x", "base_revision": before["revision"]})
    assert stale.status_code == 409
    conflict = stale.json()["conflict"]
    assert (conflict["block"], conflict["base_revision"], conflict["revision"]) == (2, 1, 2)
    assert conflict["yours"] == {"html": "x"} and "<strong>hoger</strong>" in conflict["theirs"]["html"]
    history = client.get(f"/api/drafts/{draft_id}/history", headers=rv).json()
    assert [r["number"] for r in history["revisions"]] == [2, 1]
    assert [e["action"] for e in history["audit"]] == ["edited", "created"]


@pytest.mark.parametrize("body,status", [
    ({"block": 99, "html": "x"}, 422), ({"block": 0, "segments": {"caption": "x"}}, 422),
    ({"block": 0}, 422), ({}, 422), ({"title": "   "}, 422), ({"block": -1, "html": "x"}, 422),
    ({"block": 0, "html": "x", "title": "y"}, 422),
])
def test_bad_edits_are_refused_and_change_nothing(api, body, status):
    client, users, draft_id, url, _ = api
    rv = bearer(users["reviewer"].token)
    before = client.get(f"/api/drafts/{draft_id}", headers=rv).json()
    assert client.patch(f"/api/drafts/{draft_id}", json=body, headers=rv).status_code == status
    assert client.get(f"/api/drafts/{draft_id}", headers=rv).json() == before


def test_edit_other_fields_and_title(api):
    client, users, draft_id, *_ = api
    rv = bearer(users["reviewer"].token)
    figure = client.patch(f"/api/drafts/{draft_id}", headers=rv, json={
        "block": 3, "segments": {"caption": "De <em>nieuwe</em> muur, 2025.", "alt": "Muur"}}).json()
    assert figure["blocks"][3]["caption"] == "De <em>nieuwe</em> muur, 2025."
    assert figure["blocks"][3]["src"] == "https://img.example.org/wall.jpg"
    items = client.patch(f"/api/drafts/{draft_id}", headers=rv,
                         json={"block": 4, "segments": {"items.1": "Punt twee"}}).json()
    assert items["blocks"][4]["items"] == ["Eerste punt", "Punt twee"]
    titled = client.patch(f"/api/drafts/{draft_id}", headers=rv,
                          json={"title": "Een <b>nieuwe</b> titel"}).json()
    assert titled["title"] == "Een nieuwe titel"
    assert "<h1>Een nieuwe titel</h1>" in titled["html"]


def test_approve_reject_and_export(api):
    client, users, draft_id, url, _ = api
    rv = bearer(users["reviewer"].token)
    assert client.get(f"/api/drafts/{draft_id}/export", headers=rv).status_code == 409
    assert client.post(f"/api/drafts/{draft_id}/reject", json={"comment": " "},
                       headers=rv).status_code == 422
    assert client.post(f"/api/drafts/{draft_id}/reject", json={},
                       headers=rv).status_code == 422
    rejected = client.post(f"/api/drafts/{draft_id}/reject", json={"comment": "wrong tone"},
                           headers=rv)
    assert rejected.json()["status"] == "rejected"
    approved = client.post(f"/api/drafts/{draft_id}/approve", json={"comment": "fixed"},
                           headers=rv)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert client.post(f"/api/drafts/{draft_id}/approve", headers=rv).status_code == 409
    audit = client.get(f"/api/drafts/{draft_id}/history", headers=rv).json()["audit"]
    assert [(e["action"], e["actor"], e["detail"].get("comment")) for e in audit[:2]] == [
        ("approved", "reviewer1", "fixed"), ("rejected", "reviewer1", "wrong tone")]

    html = client.get(f"/api/drafts/{draft_id}/export?format=html", headers=rv)
    assert html.headers["content-type"].startswith("text/html")
    assert html.text == approved.json()["html"]
    md = client.get(f"/api/drafts/{draft_id}/export?format=md", headers=rv).text
    assert "# De havenmuur" in md.splitlines()
    assert "## Waarom het ertoe doet" in md.splitlines()
    assert "[18,7 km](https://example.org/wall)" in md
    assert "![De muur bij schemering](https://img.example.org/wall.jpg)" in md
    assert "De nieuwe muur." in md and "© Ann Lens / Agency" in md
    exported = json.loads(client.get(f"/api/drafts/{draft_id}/export?format=json",
                                     headers=rv).text)
    assert exported["status"] == "approved" and exported["approval"]["by"] == "reviewer1"
    assert exported["html"] == html.text and len(exported["blocks"]) == 6
    assert exported["source_url"] == "https://news.example.org/2025/harbour-wall"
    assert client.get(f"/api/drafts/{draft_id}/export?format=pdf", headers=rv).status_code == 422


def test_editing_an_approved_draft_reopens_review_and_exports_stay_approved(api):
    client, users, draft_id, *_ = api
    rv = bearer(users["reviewer"].token)
    client.post(f"/api/drafts/{draft_id}/approve", headers=rv, json={"revision": 1})
    exports = {f: client.get(f"/api/drafts/{draft_id}/export?format={f}", headers=rv).content
               for f in ("html", "md", "json")}
    edited = client.patch(f"/api/drafts/{draft_id}", json={"block": 0, "html": "Nieuw."},
                          headers=rv).json()
    assert (edited["status"], edited["revision"], edited["approved_revision"]) == (
        "pending_review", 2, 1)
    # Until the next approval the export is revision 1, byte for byte.
    for format, content in exports.items():
        again = client.get(f"/api/drafts/{draft_id}/export?format={format}", headers=rv)
        assert again.content == content, format
    client.post(f"/api/drafts/{draft_id}/reject", headers=rv, json={"comment": "no"})
    assert client.get(f"/api/drafts/{draft_id}/export", headers=rv).status_code == 409


def test_openapi_describes_the_contract(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/jobs", "/api/jobs/{job_id}", "/api/drafts", "/api/drafts/{draft_id}",
                 "/api/drafts/{draft_id}/approve", "/api/drafts/{draft_id}/reject",
                 "/api/drafts/{draft_id}/export", "/healthz", "/metrics"):
        assert path in spec["paths"], path
    assert "202" in spec["paths"]["/api/jobs"]["post"]["responses"]
    assert "patch" in spec["paths"]["/api/drafts/{draft_id}"]


def test_healthz_reports_a_dead_database(tmp_path):
    from fastapi.testclient import TestClient

    from config.settings import Settings
    from web.app import create_app

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/missing/dir/x.db"))
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


@pytest.mark.postgres
def test_healthz_and_api_on_postgres(seeded_pg):
    url, users, draft_id = seeded_pg
    with make_client(url) as client:
        assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
        rv = bearer(users["reviewer"].token)
        assert client.get("/api/drafts?q=havenmuur", headers=rv).json()["total"] == 1
        edited = client.patch(f"/api/drafts/{draft_id}", json={"block": 0, "html": "Nieuw."},
                              headers=rv)
        assert edited.status_code == 200 and edited.json()["revision"] == 2
    with make_client(url.replace("127.0.0.1:5432", "127.0.0.1:1")) as client:
        assert client.get("/healthz").status_code == 503


def test_metrics_count_jobs_drafts_and_provider_characters(api):
    client, users, draft_id, url, _ = api
    op = bearer(users["operator"].token)
    client.post("/api/jobs", json={"urls": ["https://example.org/a", "https://example.org/b"]},
                headers=op)
    client.post(f"/api/drafts/{draft_id}/approve", headers=bearer(users["reviewer"].token))
    from pipeline.db.session import session_scope
    from pipeline.ledger.budget import reserve

    with session_scope(url) as session:  # what the translate stage records before sending
        reserve(session, "google", 1234, None)
        reserve(session, "deepl", 5, 100)
    text = client.get("/metrics", headers=op).text
    assert 'transdraft_jobs{state="queued"} 2.0' in text
    assert 'transdraft_jobs{state="failed"} 0.0' in text
    assert 'transdraft_drafts{status="approved"} 1.0' in text
    assert 'transdraft_drafts{status="pending_review"} 0.0' in text
    assert 'transdraft_provider_characters_today{provider="google"} 1234.0' in text
    assert 'transdraft_provider_characters_today{provider="deepl"} 5.0' in text

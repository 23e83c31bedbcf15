"""No input gets a 500: ids past the column range, NUL and control characters, over-long
URLs and language tags, unpaired surrogates and oversized bodies are refused at the edge
with a 404, 413 or 422 and a reason. On both databases (PostgreSQL refuses what SQLite
stores)."""

from __future__ import annotations

import json

import pytest

from pipeline.db.models import Job
from pipeline.db.session import session_scope
from tests.web.conftest import _seed, bearer, make_client

BIG_ID = 2**31


@pytest.fixture
def world(db_url):
    url, users, draft_id = _seed(db_url)
    with make_client(url) as client:
        yield url, client, users, draft_id


def test_ids_past_the_column_range_are_not_found(world):
    url, client, users, _ = world
    reviewer, operator = bearer(users["reviewer"].token), bearer(users["operator"].token)
    for path, headers in ((f"/api/jobs/{BIG_ID}", operator), (f"/api/drafts/{BIG_ID}", reviewer),
                          (f"/api/drafts/{BIG_ID}/history", reviewer),
                          (f"/api/drafts/{10**30}/export", reviewer),
                          (f"/drafts/{BIG_ID}", {**reviewer, "Accept": "text/html"})):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, (path, response.text)
        assert "largest id" in response.json()["detail"]
    assert client.post(f"/api/jobs/{BIG_ID}/retry", headers=operator).status_code == 404
    assert client.delete(f"/api/tokens/{BIG_ID}", headers=reviewer).status_code in (404, 422)


@pytest.mark.parametrize("name", ["q", "source", "target_lang"])
def test_control_characters_in_query_parameters_are_refused(world, name):
    url, client, users, _ = world
    for value in ("a\x00b", "\x07", "x\x1b[31m"):
        response = client.get("/api/drafts", params={name: value},
                              headers=bearer(users["reviewer"].token))
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["query", name]


def test_unpaired_surrogates_and_nul_in_json_bodies_are_refused(world):
    url, client, users, draft_id = world
    reviewer = {**bearer(users["reviewer"].token), "Content-Type": "application/json"}
    for body in ('{"comment": "\\ud800"}', '{"comment": "a\\u0000b"}', b'{"comment": "\xff"}'):
        response = client.post(f"/api/drafts/{draft_id}/approve", content=body, headers=reviewer)
        assert response.status_code == 422, response.text
    edit = client.patch(f"/api/drafts/{draft_id}", headers=reviewer,
                        content='{"block": 0, "html": "x\\udfff"}')
    assert edit.status_code == 422 and "surrogate" in edit.json()["detail"][0]["msg"]
    operator = {**bearer(users["operator"].token), "Content-Type": "application/json"}
    jobs = client.post("/api/jobs", headers=operator,
                       content='{"urls": ["https://example.org/\\ud83d"]}')
    assert jobs.status_code == 422
    # A UI form too.
    form = client.post("/jobs", data={"urls": "https://example.org/a\x00"},
                       headers={**bearer(users["operator"].token), "Accept": "text/html"})
    assert form.status_code == 422


def test_over_long_urls_are_invalid_with_a_reason(world):
    url, client, users, _ = world
    long_url = "https://example.org/" + "a" * 2100
    response = client.post("/api/jobs", json={"urls": [long_url, "https://example.org/ok"]},
                           headers=bearer(users["operator"].token))
    assert response.status_code == 202, response.text
    assert [j["url"] for j in response.json()["new"]] == ["https://example.org/ok"]
    [invalid] = response.json()["invalid"]
    assert invalid["reason"] == "invalid URL: longer than 2048 characters (2120)"
    with session_scope(url) as session:
        assert session.query(Job).count() == 1


def test_over_long_language_tags_are_refused(world):
    url, client, users, _ = world
    response = client.post("/api/jobs", json={"urls": ["https://example.org/a"],
                                              "target_lang": "nl-abcdefgh-abcdefgh-abcdefgh"},
                           headers=bearer(users["operator"].token))
    assert response.status_code == 422


def test_body_size_is_limited_before_authentication(seeded):
    url, users, _ = seeded
    with make_client(url, max_body_bytes=1000) as client:
        declared = client.post("/api/jobs", content=b"x" * 5000,
                               headers={"Content-Type": "application/json"})
        assert declared.status_code == 413 and "limit is 1000 bytes" in declared.json()["detail"]

        def chunks():
            for _ in range(10):
                yield b"y" * 500

        streamed = client.post("/api/jobs", content=chunks(),
                               headers={"Content-Type": "text/plain"})
        assert streamed.status_code == 413
        form = client.post("/login", content=b"name=" + b"z" * 5000,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert form.status_code == 413
        small = client.post("/api/jobs", json={"urls": ["https://example.org/a"]})
        assert small.status_code == 401  # under the limit: authentication answers


@pytest.mark.slow  # ten thousand jobs
def test_an_enqueue_of_ten_thousand_urls_fits_the_default_limit(seeded):
    url, users, _ = seeded
    urls = [f"https://news.example.org/2026/11/30/a-rather-long-article-slug-number-{i:05d}"
            "?utm_source=feed" for i in range(10_000)]
    body = json.dumps({"urls": urls}).encode()
    assert 900_000 < len(body) < 2 * 1024 * 1024
    with make_client(url) as client:
        response = client.post("/api/jobs", content=body, headers={
            **bearer(users["operator"].token), "Content-Type": "application/json"})
    assert response.status_code == 202, response.text[:300]
    assert len(response.json()["new"]) == 10_000

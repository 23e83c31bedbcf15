"""The API offers and answers exactly the vocabulary's words (pipeline/vocabulary.py)."""

from __future__ import annotations

import re

from pipeline.vocabulary import (
    DraftStatus,
    ExportFormat,
    JobState,
    PostStatus,
    Role,
    SiteKind,
    Stage,
)
from tests.web.conftest import bearer, make_client

OFFERED = (JobState, Stage, DraftStatus, Role, ExportFormat, SiteKind, PostStatus)
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_openapi_lists_each_vocabulary_once_with_its_values(client):
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for words in OFFERED:
        assert schemas[words.__name__]["enum"] == [member.value for member in words]
    state = {p["name"]: p for p in spec["paths"]["/api/jobs"]["get"]["parameters"]}["state"]
    assert {"$ref": "#/components/schemas/JobState"} in state["schema"]["anyOf"]
    assert schemas["JobOut"]["properties"]["stage"] == {"$ref": "#/components/schemas/Stage"}


def test_answers_carry_the_words_as_plain_strings_and_times_in_utc(seeded):
    url, users, draft_id = seeded
    op, rv = bearer(users["operator"].token), bearer(users["reviewer"].token)
    with make_client(url) as client:
        job = client.post("/api/jobs", json={"urls": ["https://example.org/a"]},
                          headers=op).json()["jobs"][0]
        assert (job["state"], job["stage"]) == ("queued", "fetch")
        assert ISO_UTC.match(job["created_at"]), job["created_at"]
        assert client.get("/api/jobs?state=queued", headers=op).json()["total"] == 1
        assert client.get("/api/jobs?state=done", headers=op).json()["total"] == 0
        assert client.get("/api/jobs?state=lost", headers=op).status_code == 422
        draft = client.get(f"/api/drafts/{draft_id}", headers=rv).json()
        assert draft["status"] == "pending_review"
        assert ISO_UTC.match(draft["updated_at"]), draft["updated_at"]
        listed = client.get("/api/drafts?status=pending_review", headers=rv).json()
        assert [d["status"] for d in listed["items"]] == ["pending_review"]
        assert client.get(f"/api/drafts/{draft_id}/export?format=pdf",
                          headers=rv).status_code == 422

"""The review gate over HTTP on SQLite and PostgreSQL: decisions name their revision, the
export is the approved revision byte for byte, and concurrent edits conflict per block
(200 or 409, never 500) without losing any edit that did not conflict."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from config.settings import Settings
from pipeline.db.models import Draft
from pipeline.db.session import session_scope
from pipeline.document import Block
from tests.web.conftest import bearer, make_client
from tests.web.factories import make_draft

OTHER_BLOCKS = 25


@pytest.fixture(params=["sqlite", "postgres"])
def seeded_any(request):
    """(database URL, accounts by role, draft id) on each database."""
    return request.getfixturevalue("seeded" if request.param == "sqlite" else "seeded_pg")


def test_a_decision_on_a_stale_revision_is_409_naming_both(seeded_any):
    url, users, draft_id = seeded_any
    rv = bearer(users["reviewer"].token)
    with make_client(url) as client:
        shown = client.get(f"/api/drafts/{draft_id}", headers=rv).json()
        assert (shown["revision"], shown["approved_revision"]) == (1, None)
        # Someone edits while the approver still reads revision 1.
        client.patch(f"/api/drafts/{draft_id}", headers=rv, json={"block": 0, "html": "Nieuw."})
        for action, body in (("approve", {"revision": 1}),
                             ("reject", {"revision": 1, "comment": "no"})):
            stale = client.post(f"/api/drafts/{draft_id}/{action}", headers=rv, json=body)
            assert stale.status_code == 409, stale.text
            assert "revision 1" in stale.json()["detail"]
            assert "revision 2" in stale.json()["detail"]
        current = client.get(f"/api/drafts/{draft_id}", headers=rv).json()
        assert (current["status"], current["approved_revision"]) == ("pending_review", None)
        assert client.get(f"/api/drafts/{draft_id}/export", headers=rv).status_code == 409
        approved = client.post(f"/api/drafts/{draft_id}/approve", headers=rv,
                               json={"revision": 2})
        assert approved.status_code == 200
        assert (approved.json()["status"], approved.json()["approved_revision"]) == (
            "approved", 2)


def test_the_export_is_the_approved_revision_whatever_happens_until_the_next_approval(
        seeded_any):
    url, users, draft_id = seeded_any
    rv = bearer(users["reviewer"].token)
    with make_client(url) as client:
        assert client.post(f"/api/drafts/{draft_id}/approve", headers=rv,
                           json={"revision": 1}).status_code == 200
        formats = ("html", "md", "json")

        def exports() -> dict[str, bytes]:
            return {f: client.get(f"/api/drafts/{draft_id}/export?format={f}",
                                  headers=rv).content for f in formats}

        approved = exports()
        client.patch(f"/api/drafts/{draft_id}", headers=rv, json={"title": "Andere titel"})
        client.patch(f"/api/drafts/{draft_id}", headers=rv, json={"block": 2, "html": "Weg."})
        with session_scope(url) as session:  # a re-fetch changes the source's metadata
            draft = session.get(Draft, draft_id)
            draft.article.title = "A changed headline"
            draft.checks = []
        assert exports() == approved
        assert client.post(f"/api/drafts/{draft_id}/approve", headers=rv,
                           json={"revision": 3}).status_code == 200
        after = exports()
    assert after["html"] != approved["html"] and b"Weg." in after["html"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(seeded_any):
    """The app under a real uvicorn (its thread pool serves requests in parallel) and a
    draft of 1 + OTHER_BLOCKS paragraphs."""
    import uvicorn

    from web.app import create_app

    url, users, _ = seeded_any
    blocks = [Block(kind="paragraph", html=f"Paragraph {i}.") for i in range(1 + OTHER_BLOCKS)]
    with session_scope(url) as session:
        draft_id = make_draft(session, url="https://news.example.org/long", source_blocks=blocks,
                              translated_blocks=blocks, checks=[]).id
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(database_url=url)),
                                           host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", url, users, draft_id
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.slow  # fifty threads against a real uvicorn server
def test_fifty_concurrent_edits_give_only_200_and_409_and_keep_every_other_edit(served):
    base, url, users, draft_id = served
    headers = bearer(users["reviewer"].token)
    # 25 edits of block 0, and one edit of each of blocks 1..25; all based on revision 1.
    edits = [(0, f"Zelfde blok, versie {n}.") for n in range(25)]
    edits += [(i, f"Blok {i} herschreven.") for i in range(1, 1 + OTHER_BLOCKS)]
    start = threading.Barrier(len(edits))

    def send(edit: tuple[int, str]) -> tuple[int, int, dict]:
        index, text = edit
        with httpx.Client(base_url=base, timeout=120) as client:
            start.wait()
            response = client.patch(f"/api/drafts/{draft_id}", headers=headers,
                                    json={"block": index, "html": text, "base_revision": 1})
        return index, response.status_code, response.json()

    with ThreadPoolExecutor(len(edits)) as pool:
        results = list(pool.map(send, edits))

    codes = Counter(code for _, code, _ in results)
    assert set(codes) <= {200, 409}, codes
    same_block = Counter(code for index, code, _ in results if index == 0)
    assert same_block == {200: 1, 409: 24}
    assert all(code == 200 for index, code, _ in results if index > 0)
    winner = next(body for index, code, body in results if index == 0 and code == 200)
    winning_text = winner["blocks"][0]["html"]
    for index, code, body in results:
        if code == 409:  # both texts, so the losing reviewer can compare
            assert body["conflict"]["block"] == 0 and body["conflict"]["base_revision"] == 1
            assert body["conflict"]["theirs"]["html"] == winning_text
    with session_scope(url) as session:
        draft = session.get(Draft, draft_id)
        assert draft.revision == 1 + 1 + OTHER_BLOCKS
        assert draft.blocks[0]["html"] == winning_text
        for i in range(1, 1 + OTHER_BLOCKS):
            assert draft.blocks[i]["html"] == f"Blok {i} herschreven.", i
            assert f"Blok {i} herschreven." in draft.html

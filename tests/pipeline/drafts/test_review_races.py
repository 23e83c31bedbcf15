"""A re-translation racing a reviewer, made deterministic: the translation stub holds its
answer until the test has approved or edited the draft, then answers."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from config.settings import Settings
from pipeline.db.models import Draft, Job, Segment
from pipeline.db.session import session_scope, upgrade
from pipeline.drafts import review
from pipeline.drafts.approved import approved_document
from pipeline.jobs.execution import run_in_foreground
from pipeline.jobs.intake import enqueue
from pipeline.jobs.services import Services
from tests.stubs.news_site import PARAGRAPHS, NewsSite
from tests.stubs.server import StubServer
from tests.stubs.translators import libre_routes
from tests.web.factories import templates

TITLE = "Marrow Bay builds a new floodwall"


class Gate:
    """Wraps a provider's /translate route: while closed, a request waits until opened."""

    def __init__(self, routes: dict) -> None:
        self.inner = routes["/translate"]
        self.routes = {**routes, "/translate": self._translate}
        self.closed = False
        self.arrived = threading.Event()
        self.opened = threading.Event()

    def _translate(self, request):
        if self.closed:
            self.arrived.set()
            assert self.opened.wait(30), "the test never opened the gate"
        return self.inner(request)


@pytest.fixture
def world(db_url):
    news = NewsSite({"/story": (TITLE, list(PARAGRAPHS))})
    gate = Gate(libre_routes())
    with StubServer(news.routes()) as site, StubServer(gate.routes) as libre:
        config = Settings(database_url=db_url, fetch_allow_hosts=["127.0.0.1"],
                          target_lang="nl", provider=["libre"], libre_url=libre.base_url)
        upgrade(db_url)
        yield db_url, news, gate, config, site.url("/story")


def _translate(url: str, config: Settings, page: str) -> int:
    with session_scope(url) as session:
        job_id = enqueue(session, [page], "nl").new[0].id
    return run_in_foreground(url, job_id, Services(config), patience=0)


def _in_background(url: str, config: Settings, page: str) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["draft"] = _translate(url, config, page)
        except Exception as error:  # noqa: BLE001 - reported to the test below
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _while_translating(world, changed_paragraphs: dict[int, str], during) -> dict:
    """Re-translate with the gate closed; run ``during`` once the request waits; open it."""
    url, news, gate, config, page = world
    paragraphs = list(PARAGRAPHS)
    for index, text in changed_paragraphs.items():
        paragraphs[index] = text
    news.pages["/story"] = (TITLE, paragraphs)
    gate.closed = True
    thread, outcome = _in_background(url, config, page)
    assert gate.arrived.wait(30), "the re-translation never reached the provider"
    try:
        during()
    finally:
        gate.opened.set()
        thread.join(30)
    assert not thread.is_alive()
    return outcome


def test_approval_during_retranslation_sends_the_draft_back_and_exports_stay_approved(world):
    url, _news, _gate, config, page = world
    draft_id = _translate(url, config, page)
    with session_scope(url) as session:
        assert session.get(Draft, draft_id).approved_revision is None

    def approve_revision_1() -> None:
        with session_scope(url) as session:
            review.approve(session, session.get(Draft, draft_id), "rita", "ok", revision=1)
        with session_scope(url) as session:
            outcome["export"] = approved_document(session, draft_id).document

    outcome: dict = {}
    changed = {5: "A petition against the plan gathered 650 signatures last summer."}
    result = _while_translating(world, changed, approve_revision_1)
    assert "error" not in result, result.get("error")
    with session_scope(url) as session:
        draft = session.get(Draft, draft_id)
        # The new revision is not what rita approved: it waits for review again.
        assert (draft.revision, draft.status, draft.approved_revision) == (
            2, "pending_review", 1)
        assert draft.blocks[5]["html"] == changed[5].upper()
        exported = approved_document(session, draft_id).document
    assert exported == outcome["export"]
    assert exported["revision"] == 1 and PARAGRAPHS[5].upper() in exported["html"]


def test_reviewer_edits_during_retranslation_are_kept_and_the_job_succeeds(world):
    url, _news, _gate, config, page = world
    draft_id = _translate(url, config, page)
    new_4 = "The council will publish its next flood review in October 2025."
    new_5 = "A petition against the plan gathered 650 signatures last summer."

    def edit_blocks_0_and_5() -> None:
        with session_scope(url) as session:
            draft = session.get(Draft, draft_id)
            review.edit_block(session, draft, 0, {"html": "Mijn eerste alinea."}, "rita",
                              templates(), base_revision=1)
        with session_scope(url) as session:
            draft = session.get(Draft, draft_id)
            review.edit_block(session, draft, 5, {"html": "Mijn petitie-alinea."}, "rita",
                              templates(), base_revision=1)

    result = _while_translating(world, {4: new_4, 5: new_5}, edit_blocks_0_and_5)
    assert "error" not in result, result.get("error")
    assert result["draft"] == draft_id
    with session_scope(url) as session:
        job = session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert (job.state, job.last_error) == ("done", None)
        draft = session.get(Draft, draft_id)
        assert (draft.revision, draft.status) == (4, "pending_review")
        # Untouched block whose original changed: the new translation.
        assert draft.blocks[4]["html"] == new_4.upper()
        # Edited blocks keep the edit, the one whose original changed with a warning.
        assert draft.blocks[0]["html"] == "Mijn eerste alinea."
        assert draft.blocks[5]["html"] == "Mijn petitie-alinea."
        assert "Mijn petitie-alinea." in draft.html and new_4.upper() in draft.html
        warnings = [c for c in draft.checks if c["kind"] == "source_changed"]
        assert [(c["block"], new_5 in c["message"]) for c in warnings] == [(5, True)]
        segments = {(s.block_index, s.key): s for s in session.scalars(
            select(Segment).where(Segment.draft_id == draft_id))}
        assert (segments[(5, "html")].translation, segments[(5, "html")].origin,
                segments[(5, "html")].source) == ("Mijn petitie-alinea.", "human", new_5)
        assert segments[(4, "html")].translation == new_4.upper()

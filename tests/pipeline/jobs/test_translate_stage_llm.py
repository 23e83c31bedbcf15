"""The translate stage with provider ``llm`` on both databases: what is stored, counted and
capped, and what is never reused."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from config.settings import Settings
from pipeline.db.models import Draft, ProviderUsage, TranslationMemory
from pipeline.db.session import session_scope, upgrade
from pipeline.errors import BudgetExceeded
from pipeline.jobs.execution import run_in_foreground
from pipeline.jobs.intake import enqueue
from pipeline.jobs.services import Services
from pipeline.ledger import budget
from pipeline.ledger.cooldown import paused_until
from tests.stubs.news_site import OTHER_PARAGRAPHS, PARAGRAPHS, NewsSite
from tests.stubs.openai_compat import MODEL, LLMFaults, llm_routes
from tests.stubs.server import StubServer
from tests.stubs.translators import libre_routes
from web.metrics import render_metrics

TITLE = "Marrow Bay builds a new floodwall"


@pytest.fixture
def site():
    news = NewsSite({"/story": (TITLE, list(PARAGRAPHS)), "/copy": (TITLE, list(PARAGRAPHS)),
                     "/third": (TITLE, list(PARAGRAPHS)),
                     "/other": ("Fishermen land their catch", list(OTHER_PARAGRAPHS))})
    with StubServer(news.routes()) as server:
        yield server


@pytest.fixture
def llm_stub():
    faults = LLMFaults()
    with StubServer(llm_routes(faults)) as stub:
        stub.faults = faults
        yield stub


def settings(url: str, stub: StubServer, **values) -> Settings:
    values.setdefault("provider", ["llm"])
    values.setdefault("llm_model", MODEL)
    return Settings(database_url=url, fetch_allow_hosts=["127.0.0.1"], target_lang="es",
                    llm_url=stub.url("/v1"), **values)


def translate(url: str, config: Settings, page: str) -> int:
    upgrade(url)
    with session_scope(url) as session:
        job_id = enqueue(session, [page], "es", None).new[0].id
    return run_in_foreground(url, job_id, Services(config), patience=0)


def sent_chars(stub: StubServer) -> int:
    return sum(len(m["content"]) for body in stub.faults.bodies for m in body["messages"])


def test_a_changed_figure_goes_to_the_next_provider_and_the_spend_is_counted(
        db_url, site, llm_stub):
    llm_stub.faults.mode, llm_stub.faults.target = "change_number", "18.7 million"
    with StubServer(libre_routes()) as libre:
        config = settings(db_url, llm_stub, provider=["llm", "libre"], libre_url=libre.base_url)
        draft_id = translate(db_url, config, site.url("/story"))

    with session_scope(db_url) as session:
        draft = session.get(Draft, draft_id)
        assert draft.provider == f"llm:{MODEL}"
        assert f"el modelo de lenguaje {MODEL}" in draft.html  # the (Spanish) disclaimer names the model
        rows = {s.block_index: s for s in draft.segments if s.key == "html"}
        assert rows[0].provider == "libre" and "18.7 MILLION" in rows[0].translation
        assert rows[0].fallback_reason.startswith("llm: number 18.7 missing")
        assert all(rows[i].provider == "llm" and rows[i].fallback_reason == ""
                   for i in range(1, len(PARAGRAPHS)))
        memory = session.scalars(select(TranslationMemory)).all()
        llm_entries = [m for m in memory if m.provider == "llm"]
        assert len(llm_entries) == len(PARAGRAPHS)  # the title and five paragraphs
        assert not any("18.7" in m.source_text or "19.8" in m.translation for m in llm_entries)

        usage = session.scalars(select(ProviderUsage).where(ProviderUsage.provider == "llm")
                                ).one()
        bodies = llm_stub.faults.bodies
        assert usage.requests == len(bodies) == 2  # the pack, then the paragraph alone
        assert usage.chars == sent_chars(llm_stub)  # characters sent, prompt included
        assert usage.tokens_in == sum(sum(len(m["content"]) for m in b["messages"]) // 4
                                      for b in bodies)
        assert usage.tokens_out > 0 and usage.unmetered_requests == 0
        metrics = render_metrics(session).decode()
    assert f'transdraft_provider_tokens_today{{direction="in",provider="llm"}} ' \
           f'{float(usage.tokens_in)}' in metrics
    assert 'transdraft_provider_requests_today{provider="llm"} 2.0' in metrics
    assert f'transdraft_provider_characters_today{{provider="llm"}} {float(usage.chars)}' \
        in metrics


def test_the_daily_budget_holds_the_model_back_before_anything_is_sent(
        sqlite_url, site, llm_stub):
    config = settings(sqlite_url, llm_stub, char_budget_daily=1500)
    with pytest.raises(BudgetExceeded, match="provider llm daily character budget of 1500"):
        translate(sqlite_url, config, site.url("/story"))
    assert llm_stub.faults.bodies == []
    with session_scope(sqlite_url) as session:
        assert budget.usage_today(session) == {}

    roomy = settings(sqlite_url, llm_stub, char_budget_daily=sent_chars(llm_stub) + 6000)
    translate(sqlite_url, roomy, site.url("/copy"))
    with session_scope(sqlite_url) as session:
        assert budget.usage_today(session) == {"llm": sent_chars(llm_stub)}


def test_another_model_or_other_instructions_do_not_reuse_old_translations(
        db_url, site, llm_stub):
    translate(db_url, settings(db_url, llm_stub), site.url("/story"))
    first = len(llm_stub.faults.bodies)
    assert first == 1
    # The same text at another URL with the same model and instructions: from the memory.
    translate(db_url, settings(db_url, llm_stub), site.url("/copy"))
    assert len(llm_stub.faults.bodies) == first
    # Another model: asked again.
    translate(db_url, settings(db_url, llm_stub, llm_model="llama3.1:8b"), site.url("/third"))
    assert len(llm_stub.faults.bodies) == first + 1
    assert llm_stub.faults.bodies[-1]["model"] == "llama3.1:8b"


def test_a_429_pauses_the_model_for_its_retry_after_across_jobs(sqlite_url, site, llm_stub):
    llm_stub.faults.status, llm_stub.faults.retry_after = 429, "120"
    with StubServer(libre_routes()) as libre:
        config = settings(sqlite_url, llm_stub, provider=["llm", "libre"],
                          libre_url=libre.base_url)
        first = translate(sqlite_url, config, site.url("/story"))
        assert len(llm_stub.faults.bodies) == 1
        second = translate(sqlite_url, config, site.url("/other"))
    assert len(llm_stub.faults.bodies) == 1  # paused: not asked again before Retry-After
    with session_scope(sqlite_url) as session:
        until, why = paused_until(session, "llm")
        assert 110 < (until - datetime.now(timezone.utc)).total_seconds() <= 120
        assert "429" in why
        reasons = {draft_id: {s.fallback_reason for s in session.get(Draft, draft_id).segments}
                   for draft_id in (first, second)}
    assert reasons[first] == {"llm: HTTP 429 rate limited"}
    assert all("(llm paused until" in reason for reason in reasons[second])

"""The translate stage end to end: memory, re-translation, glossary, fallback chain, budget
and reviewer checks, against a stub news site and stub providers."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from config.settings import Settings
from pipeline.db.models import AuditEvent, Draft, Job, Revision, TranslationMemory
from pipeline.db.session import session_scope, upgrade
from pipeline.drafts.edits import remember_human_edit
from pipeline.errors import BudgetExceeded, ProviderUnavailable
from pipeline.jobs.execution import run_in_foreground
from pipeline.jobs.intake import enqueue
from pipeline.jobs.services import Services
from pipeline.ledger import budget, cooldown
from tests.stubs.news_site import OTHER_PARAGRAPHS, PARAGRAPHS, NewsSite
from tests.stubs.server import StubServer
from tests.stubs.translators import Faults, apertium_routes, libre_routes

TITLE = "Marrow Bay builds a new floodwall"


@pytest.fixture
def site():
    news = NewsSite({"/story": (TITLE, list(PARAGRAPHS))})
    with StubServer(news.routes()) as server:
        server.news = news
        yield server


@pytest.fixture
def libre():
    faults = Faults()
    with StubServer(libre_routes(faults)) as stub:
        stub.faults = faults
        yield stub


def sent(stub: StubServer, since: int = 0) -> list[str]:
    """The texts a LibreTranslate stub was asked to translate."""
    texts: list[str] = []
    for request in stub.requests[since:]:
        if request.path == "/translate" and request.body:
            texts += json.loads(request.body)["q"]
    return texts


def settings(url: str, **values) -> Settings:
    values.setdefault("provider", ["libre"])
    return Settings(database_url=url, fetch_allow_hosts=["127.0.0.1"], target_lang="nl",
                    **values)


def translate(url: str, config: Settings, page: str, provider: str | None = None) -> int:
    """Run a whole job in this process, like ``transdraft translate``; the draft id."""
    upgrade(url)
    with session_scope(url) as session:
        job_id = enqueue(session, [page], "nl", provider).new[0].id
    return run_in_foreground(url, job_id, Services(config), patience=0)


def draft_of(url: str, draft_id: int) -> Draft:
    with session_scope(url) as session:
        draft = session.get(Draft, draft_id)
        draft.segments, draft.article  # load while the session is open
        return draft


def test_unchanged_article_sends_nothing_and_an_edited_paragraph_only_itself(
        db_url, site, libre):
    config = settings(db_url, libre_url=libre.base_url)
    draft_id = translate(db_url, config, site.url("/story"))
    first = sent(libre)
    assert first, "the first run must translate"
    assert len(first) == 1 + len(PARAGRAPHS)  # the title and every paragraph

    before = len(libre.requests)
    assert translate(db_url, config, site.url("/story")) == draft_id
    assert len(libre.requests) == before  # nothing sent at all
    assert draft_of(db_url, draft_id).revision == 1

    edited = list(PARAGRAPHS)
    edited[5] = ("A petition against the plan gathered 650 signatures last summer, and more "
                 "have signed since the storm.")
    site.news.pages["/story"] = (TITLE, edited)
    assert translate(db_url, config, site.url("/story")) == draft_id
    again = sent(libre, before)
    assert again == [edited[5]]  # the changed paragraph, nothing else

    draft = draft_of(db_url, draft_id)
    assert draft.revision == 2
    assert draft.blocks[5]["html"] == edited[5].upper()
    assert draft.blocks[0]["html"] == PARAGRAPHS[0].upper()
    with session_scope(db_url) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "retranslated")
                                ).one()
        assert event.detail["changed_blocks"] == [5]
        assert event.detail["chars_sent"] == len(edited[5])
        note = session.scalars(select(Revision.note).where(Revision.number == 2)).one()
    assert "block 5" in note and f"{len(edited[5])} characters" in note

    with session_scope(db_url) as session:
        usage = budget.usage_today(session)
    assert usage == {"libre": sum(map(len, first)) + len(edited[5])}


def test_identical_segments_are_sent_once(sqlite_url, site, libre):
    site.news.pages["/story"] = (TITLE, [PARAGRAPHS[0], PARAGRAPHS[1], PARAGRAPHS[0]])
    draft_id = translate(sqlite_url, settings(sqlite_url, libre_url=libre.base_url),
                         site.url("/story"))
    assert sent(libre).count(PARAGRAPHS[0]) == 1
    blocks = draft_of(sqlite_url, draft_id).blocks
    assert blocks[0] == blocks[2]


def test_memory_serves_a_later_article_with_the_same_paragraphs(sqlite_url, site, libre):
    config = settings(sqlite_url, libre_url=libre.base_url)
    translate(sqlite_url, config, site.url("/story"))
    before = len(libre.requests)
    site.news.pages["/other"] = ("Another story", [PARAGRAPHS[2], *OTHER_PARAGRAPHS])
    other = draft_of(sqlite_url, translate(sqlite_url, config, site.url("/other")))
    assert sent(libre, before) == ["Another story", *OTHER_PARAGRAPHS]
    origins = {s.source: (s.origin, s.provider) for s in other.segments}
    assert origins[PARAGRAPHS[2]] == ("memory", "libre")
    # The memory keeps placeholders, so the link comes back with this article's href.
    assert 'href="https://example.org/report.pdf"' in other.blocks[0]["html"]


def test_reviewer_edit_survives_retranslation_and_serves_later_articles(
        sqlite_url, site, libre):
    config = settings(sqlite_url, libre_url=libre.base_url)
    draft_id = translate(sqlite_url, config, site.url("/story"))
    edit = ('Volgens het <a href="https://example.org/report.pdf">rapport van de raad</a> '
            "ving het moeras ongeveer een derde van de vloed op.")
    with session_scope(sqlite_url) as session:
        draft = session.get(Draft, draft_id)
        assert remember_human_edit(session, draft, 2, f"<p>{edit}</p>", "rita") == 1

    edited = list(PARAGRAPHS)
    edited[0] = "The harbour council met on Wednesday instead."
    site.news.pages["/story"] = (TITLE, edited)
    translate(sqlite_url, config, site.url("/story"))
    draft = draft_of(sqlite_url, draft_id)
    assert draft.blocks[2]["html"] == edit  # the reviewer's words, not the machine's
    kept = next(s for s in draft.segments if s.block_index == 2)
    assert kept.origin == "human"

    before = len(libre.requests)
    site.news.pages["/later"] = ("A later story", [*OTHER_PARAGRAPHS, PARAGRAPHS[2].replace(
        "https://example.org/report.pdf", "https://example.org/other.pdf")])
    later = draft_of(sqlite_url, translate(sqlite_url, config, site.url("/later")))
    assert sent(libre, before) == ["A later story", *OTHER_PARAGRAPHS]
    assert later.blocks[4]["html"] == edit.replace("report.pdf", "other.pdf")
    assert later.segments[-1].origin == "human" and later.segments[-1].block_index == 4


GLOSSARY = """
[nl]
"salt marsh" = "kwelder"
"Marrow Bay" = "Marrow Bay"
"""


def test_glossary_terms_are_used_in_every_occurrence(sqlite_url, site, libre, tmp_path):
    glossary = tmp_path / "glossary.toml"
    glossary.write_text(GLOSSARY, encoding="utf-8")
    paragraphs = ["Salt marsh, salt marsh and more SALT MARSH around Marrow Bay.",
                  "The people of marrow bay love the salt marshes and the salt marsh.",
                  *OTHER_PARAGRAPHS]
    site.news.pages["/story"] = (TITLE, paragraphs)
    config = settings(sqlite_url, libre_url=libre.base_url, glossary_file=glossary)
    draft = draft_of(sqlite_url, translate(sqlite_url, config, site.url("/story")))
    text = " ".join([draft.title] + [b["html"] for b in draft.blocks])
    assert text.count("kwelder") == 4
    assert not re.search("salt marsh(?!es)", text, re.I)
    assert "SALT MARSHES" in text  # another word: not the glossary term
    assert text.count("Marrow Bay") == 2 and "marrow bay" in text  # protected, as written
    assert "MARROW BAY" not in text
    assert not any("Marrow Bay" in t or "salt marsh " in t for t in sent(libre))
    assert not [c for c in draft.checks if c["kind"] in ("glossary", "protected")]

    # The glossary's version is part of the memory key: a new glossary re-translates.
    before = len(libre.requests)
    glossary.write_text(GLOSSARY.replace("kwelder", "zoutmoeras"), encoding="utf-8")
    site.news.pages["/again"] = ("Again", paragraphs)
    config = settings(sqlite_url, libre_url=libre.base_url, glossary_file=glossary)
    again = draft_of(sqlite_url, translate(sqlite_url, config, site.url("/again")))
    assert len(sent(libre, before)) == 1 + len(paragraphs)
    assert again.blocks[0]["html"].count("zoutmoeras") == 3


def test_budget_smaller_than_the_article_stops_it_before_anything_is_sent(
        sqlite_url, site, libre):
    config = settings(sqlite_url, libre_url=libre.base_url, char_budget_daily=300)
    with pytest.raises(BudgetExceeded) as caught:
        translate(sqlite_url, config, site.url("/story"))
    assert sent(libre) == []
    error = caught.value
    assert "provider libre daily character budget of 300 exceeded" in error.reason
    midnight = datetime.combine(datetime.now(timezone.utc).date() + timedelta(days=1),
                                datetime.min.time(), tzinfo=timezone.utc)
    assert error.resume_at == midnight
    with session_scope(sqlite_url) as session:
        assert budget.usage_today(session) == {}
        job = session.scalars(select(Job)).one()
        assert job.state == "failed" and "daily character budget" in job.last_error

    # A budget the article fits: translated, and the usage is what was sent.
    roomy = settings(sqlite_url, libre_url=libre.base_url, char_budget_daily=1500)
    translate(sqlite_url, roomy, site.url("/story"))
    used = sum(map(len, sent(libre)))
    with session_scope(sqlite_url) as session:
        assert budget.usage_today(session) == {"libre": used}
    # A second article past what is left: held, nothing more sent.
    site.news.pages["/next"] = ("Next", [p.replace("the", "a") for p in PARAGRAPHS]
                                + list(OTHER_PARAGRAPHS))
    before = len(libre.requests)
    with pytest.raises(BudgetExceeded):
        translate(sqlite_url, roomy, site.url("/next"))
    assert len(libre.requests) == before


def test_rate_limited_provider_gives_way_to_the_next_and_stays_paused(sqlite_url, site, libre):
    libre.faults.status = 429
    with StubServer(apertium_routes()) as apertium:
        config = settings(sqlite_url, libre_url=libre.base_url, apertium_url=apertium.base_url,
                          provider=["libre", "apertium"])
        draft = draft_of(sqlite_url, translate(sqlite_url, config, site.url("/story")))
        assert {s.provider for s in draft.segments if s.origin == "machine"} == {"apertium"}
        assert draft.blocks[0]["html"] == PARAGRAPHS[0].upper()
        assert len([r for r in libre.requests if r.path == "/translate"]) == 1  # no retry
        with session_scope(sqlite_url) as session:
            held = cooldown.paused_until(session, "libre")
        assert held and "429" in held[1]

        # The next job does not even try libre while it cools down.
        site.news.pages["/next"] = ("Next story", list(OTHER_PARAGRAPHS))
        before = len(libre.requests)
        translate(sqlite_url, config, site.url("/next"))
        assert len(libre.requests) == before


def test_every_provider_cooling_down_raises_unavailable_with_retry_after(sqlite_url, site,
                                                                          libre):
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        cooldown.pause(session, "libre", 120, "libre: HTTP 429 rate limited")
    config = settings(sqlite_url, libre_url=libre.base_url)
    with pytest.raises(ProviderUnavailable) as caught:
        translate(sqlite_url, config, site.url("/story"))
    assert 100 < caught.value.retry_after <= 120
    assert "libre paused until" in caught.value.reason
    assert libre.requests == []


def test_permanent_error_falls_to_the_next_provider(sqlite_url, site):
    refusing = Faults(status=403, body='{"error": "Invalid API key"}')
    with StubServer(libre_routes(refusing)) as libre, StubServer(apertium_routes()) as apertium:
        config = settings(sqlite_url, libre_url=libre.base_url, apertium_url=apertium.base_url,
                          provider=["libre", "apertium"])
        draft = draft_of(sqlite_url, translate(sqlite_url, config, site.url("/story")))
    assert draft.provider == "apertium"
    with session_scope(sqlite_url) as session:
        assert cooldown.paused_until(session, "libre") is None  # a bad key is not a pause


def test_numbers_changed_by_the_provider_are_flagged_and_faithful_ones_are_not(
        sqlite_url, site, libre):
    config = settings(sqlite_url, libre_url=libre.base_url)
    faithful = draft_of(sqlite_url, translate(sqlite_url, config, site.url("/story")))
    assert not [c for c in faithful.checks if c["kind"] == "numbers"]

    libre.faults.alter_numbers = True
    # Other text than the first article, or the memory would answer.
    site.news.pages["/mangled"] = (TITLE, [p + " So it goes." for p in PARAGRAPHS])
    mangled = draft_of(sqlite_url, translate(sqlite_url, config, site.url("/mangled")))
    numbers = [c for c in mangled.checks if c["kind"] == "numbers"]
    assert {c["block"] for c in numbers} == {0, 4, 5}
    assert any("18.7" in c["message"] for c in numbers)
    assert all(set(c) == {"kind", "block", "message"} for c in mangled.checks)


@pytest.mark.parametrize("fault", [Faults(echo=True), Faults(answer="")])
def test_echoed_or_empty_answers_are_neither_used_nor_stored(sqlite_url, site, fault):
    with StubServer(libre_routes(fault)) as libre:
        config = settings(sqlite_url, libre_url=libre.base_url)
        draft = draft_of(sqlite_url, translate(sqlite_url, config, site.url("/story")))
    prose = [s for s in draft.segments if s.block_index >= 0]
    assert {s.origin for s in prose} == {"same"}
    assert draft.blocks[0]["html"] == PARAGRAPHS[0]
    assert any(c["kind"] == "untranslated" for c in draft.checks)
    with session_scope(sqlite_url) as session:
        assert session.scalar(select(func.count()).select_from(TranslationMemory)) <= 1


def test_quota_warning_answered_with_200_pauses_the_provider(sqlite_url, site):
    quota = Faults(answer="MYMEMORY WARNING: YOU USED ALL AVAILABLE FREE TRANSLATIONS FOR TODAY")
    with StubServer(libre_routes(quota)) as libre, StubServer(apertium_routes()) as apertium:
        config = settings(sqlite_url, libre_url=libre.base_url, apertium_url=apertium.base_url,
                          provider=["libre", "apertium"])
        draft = draft_of(sqlite_url, translate(sqlite_url, config, site.url("/story")))
    assert "WARNING" not in " ".join(b["html"] for b in draft.blocks)
    assert draft.provider == "apertium"
    with session_scope(sqlite_url) as session:
        until, reason = cooldown.paused_until(session, "libre")
        assert "quota" in reason
        assert until > datetime.now(timezone.utc) + timedelta(minutes=30)
        stored = session.scalars(select(TranslationMemory.provider)).all()
    assert set(stored) == {"apertium"}


def test_a_provider_failing_again_after_a_retry_is_paused_and_the_next_takes_over(
        sqlite_url, site):
    failing = Faults(status=503)
    with StubServer(libre_routes(failing)) as libre, StubServer(apertium_routes()) as apertium:
        config = settings(sqlite_url, libre_url=libre.base_url, apertium_url=apertium.base_url,
                          provider=["libre", "apertium"])
        draft = draft_of(sqlite_url, translate(sqlite_url, config, site.url("/story")))
        assert len([r for r in libre.requests if r.path == "/translate"]) == 2  # one retry
        attempt = sum(map(len, json.loads(libre.requests[0].body)["q"]))
    assert draft.provider == "apertium"
    with session_scope(sqlite_url) as session:
        until, reason = cooldown.paused_until(session, "libre")
        assert "503" in reason
        assert until < datetime.now(timezone.utc) + timedelta(seconds=31)
        # Characters that left for libre stay counted (once per pack), none beyond them.
        assert budget.usage_today(session)["libre"] == attempt


def test_rate_limited_in_the_middle_of_an_article_the_next_provider_does_the_rest(sqlite_url):
    from pipeline.ledger.database import DatabaseLedger
    from pipeline.translate.providers.apertium import ApertiumProvider
    from pipeline.translate.providers.libre import LibreProvider
    from tests.pipeline.translate.conftest import generated_article

    upgrade(sqlite_url)
    article = generated_article(paragraphs=30)
    limited = Faults(status=429, after=2)
    with StubServer(libre_routes(limited)) as libre_stub, \
            StubServer(apertium_routes()) as apertium_stub, \
            session_scope(sqlite_url) as session:
        libre = LibreProvider(5, libre_stub.base_url)
        libre.max_chars = 1500  # several packs
        chain = [libre, ApertiumProvider(5, apertium_stub.base_url)]
        result = translate_article_with(article, chain, DatabaseLedger(session))
        texts = [json.loads(r.body)["q"] for r in libre_stub.requests]
    assert len(texts) == 3  # two packs served, the third answered 429
    by_provider = Counter(s.provider for s in result.segments if s.origin == "machine")
    assert by_provider["libre"] == sum(map(len, texts[:2])) > 0
    assert by_provider["apertium"] > 0
    assert all(s.translation == s.source.upper() for s in result.segments
               if s.origin == "machine" and "<" not in s.source)
    with session_scope(sqlite_url) as session:
        stored = Counter(session.scalars(select(TranslationMemory.provider)))
        assert stored["libre"] == by_provider["libre"]
        assert budget.usage_today(session)["libre"] == sum(len(t) for q in texts for t in q)
        assert cooldown.paused_until(session, "libre") is not None


def translate_article_with(article, chain, ledger):
    from pipeline.translate import translate_article

    return translate_article(article, "nl", chain, ledger=ledger)


def test_a_provider_out_of_budget_hands_the_article_to_the_next(sqlite_url, site, libre):
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        budget.reserve(session, "libre", 4900, None)  # spent earlier today
    with StubServer(apertium_routes()) as apertium:
        config = settings(sqlite_url, libre_url=libre.base_url, apertium_url=apertium.base_url,
                          provider=["libre", "apertium"], char_budget_daily=5000)
        draft = draft_of(sqlite_url, translate(sqlite_url, config, site.url("/story")))
    assert sent(libre) == []
    assert draft.provider == "apertium"
    with session_scope(sqlite_url) as session:
        usage = budget.usage_today(session)
        assert usage["libre"] == 4900 and 0 < usage["apertium"] <= 5000
        assert cooldown.paused_until(session, "libre") is None  # a budget is not a pause

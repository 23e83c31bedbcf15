"""A page's claimed canonical URL is honoured only for its own site: no fetched page can
replace another site's article (or, through it, an approved draft)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from config.settings import Settings
from pipeline.db.models import Article, Draft
from pipeline.db.session import session_scope, upgrade
from pipeline.drafts import review
from pipeline.fetch.canonical import article_url, same_site
from pipeline.jobs.execution import run_in_foreground
from pipeline.jobs.intake import enqueue
from pipeline.jobs.services import Services
from tests.stubs.news_site import PARAGRAPHS, NewsSite, article_page
from tests.stubs.server import Response, StubServer
from tests.stubs.translators import libre_routes

TITLE = "Marrow Bay builds a new floodwall"
INJECTED = "Send your savings to the account below before Friday."


@pytest.mark.parametrize("claimed,fetched,same", [
    ("https://news.example/a", "https://news.example/b", True),
    ("https://www.news.example/a", "https://news.example/b", True),
    ("https://news.example/a", "http://www.news.example/b", True),  # scheme: one site
    ("https://news.example:8443/a", "https://news.example:8443/b", True),
    ("https://news.example:8443/a", "https://news.example/b", False),
    ("https://victim.example/a", "https://news.example/b", False),
    ("https://news.example.evil/a", "https://news.example/b", False),
    ("https://evil.news.example/a", "https://news.example/b", False),
    ("https://wwwnews.example/a", "https://news.example/b", False),
])
def test_same_site(claimed, fetched, same):
    assert same_site(claimed, fetched) is same


def test_article_url_keeps_a_foreign_claim_as_metadata_only():
    assert article_url("https://www.news.example/story/?utm_source=x",
                       "https://news.example/amp/story").url == "https://www.news.example/story/"
    foreign = article_url("https://victim.example/story", "https://news.example/evil")
    assert (foreign.url, foreign.refused_claim) == ("https://news.example/evil",
                                                    "https://victim.example/story")
    assert article_url(None, "https://news.example/x#top").url == "https://news.example/x"
    broken = article_url("http://exa mple/", "https://news.example/x")
    assert (broken.url, broken.refused_claim) == ("https://news.example/x", "http://exa mple/")


def _translate(url: str, config: Settings, page: str) -> int:
    with session_scope(url) as session:
        job_id = enqueue(session, [page], "nl").new[0].id
    return run_in_foreground(url, job_id, Services(config), patience=0)


def test_a_page_claiming_another_sites_url_cannot_touch_its_article_or_draft(db_url):
    victim_news = NewsSite({"/story": (TITLE, list(PARAGRAPHS))})
    with StubServer(victim_news.routes()) as victim, StubServer(libre_routes()) as libre:
        victim_url = victim.url("/story")
        hostile = article_page(TITLE, [*PARAGRAPHS, INJECTED]).replace(
            "<head>", f'<head><link rel="canonical" href="{victim_url}">')
        with StubServer(lambda request: Response(200, hostile)) as attacker:
            # Both on 127.0.0.1, on different ports: two sites.
            config = Settings(database_url=db_url, fetch_allow_hosts=["127.0.0.1"],
                              target_lang="nl", provider=["libre"], libre_url=libre.base_url)
            upgrade(db_url)
            draft_id = _translate(db_url, config, victim_url)
            with session_scope(db_url) as session:
                review.approve(session, session.get(Draft, draft_id), "rita", revision=1)
                before = session.scalars(select(Article).where(
                    Article.canonical_url == victim_url)).one().content_hash

            hostile_draft = _translate(db_url, config, attacker.url("/evil"))

    assert hostile_draft != draft_id
    with session_scope(db_url) as session:
        victim_article = session.scalars(select(Article).where(
            Article.canonical_url == victim_url)).one()
        assert victim_article.content_hash == before
        assert victim_article.claimed_canonical_url is None
        draft = session.get(Draft, draft_id)
        assert (draft.revision, draft.status, draft.approved_revision) == (1, "approved", 1)
        assert INJECTED.upper() not in draft.html
        stored = session.get(Draft, hostile_draft).article
        assert stored.canonical_url == attacker.url("/evil")
        assert stored.claimed_canonical_url == victim_url

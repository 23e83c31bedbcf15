"""translate_article end to end against the Google and LibreTranslate stubs."""

from __future__ import annotations

import math
from urllib.parse import parse_qs

import pytest

from pipeline.document import Block, ExtractedArticle
from pipeline.translate import translate_article
from pipeline.translate.providers.google import GoogleProvider
from pipeline.translate.providers.libre import LibreProvider
from pipeline.translate.providers.mymemory import MyMemoryProvider
from tests.pipeline.translate.conftest import generated_article
from tests.stubs.server import StubServer
from tests.stubs.translators import Faults, google_routes, libre_routes, mymemory_routes


def sent_texts(stub: StubServer) -> str:
    """Everything the stub was asked to translate, as one string."""
    parts = []
    for request in stub.requests:
        parts += request.query.get("q", [])
        if request.body:
            parts.append(request.body.decode())
    return "\n".join(parts)


@pytest.fixture
def google():
    faults = Faults()
    with StubServer(google_routes(faults)) as stub:
        stub.faults = faults
        yield stub


def test_google_translates_article_and_restores_markup(google, article):
    provider = GoogleProvider(5, google.url("/m"))
    result = translate_article(article, "nl", provider)
    assert result.title == "COUNCIL PASSES BUDGET"
    assert result.blocks[0].html == "A BUDGET <em>AT LAST</em>"
    linked = result.blocks[1].html
    assert linked.startswith("<strong>") and '<a href="https://example.org/doc/0">' in linked
    figure = result.blocks[-1]
    assert figure.caption == "THE COUNCIL IN <em>SESSION</em>"
    assert figure.alt == "A COUNCIL MEETING"
    assert figure.credit == "© Jane Doe / Example Agency"
    assert {s.origin for s in result.segments} == {"machine", "same"}
    assert result.requests == len(google.requests) == provider.requests_made


def test_google_packs_into_near_minimum_requests(google, article):
    provider = GoogleProvider(5, google.url("/m"))
    result = translate_article(article, "nl", provider)
    total = article.text_length() + len(article.title)
    assert total > 3 * 5000  # the article really needs several requests
    assert result.requests <= math.ceil(total / 5000) + 1
    for request in google.requests:
        assert len(request.query["q"][0]) < 5000


def test_credits_urls_and_numbers_are_not_sent(google, article):
    translate_article(article, "nl", GoogleProvider(5, google.url("/m")))
    sent = sent_texts(google)
    for secret in ("Jane Doe", "Example Agency", "https://", "example.org", "href"):
        assert secret not in sent
    assert "1,234" not in sent.split("\n")  # a number-only list item is kept as it is


def test_identical_segments_are_sent_once(google):
    article = ExtractedArticle("https://e.org", "Hello", [
        Block("paragraph", html="Same <em>text</em> here."),
        Block("paragraph", html="Same <em>text</em> here."),
        Block("quote", html="Same <em>text</em> here."),
    ], source_lang="en")
    result = translate_article(article, "de", GoogleProvider(5, google.url("/m")))
    assert len(google.requests) == 1
    assert sent_texts(google).count("Same") == 1
    assert [b.html for b in result.blocks] == ["SAME <em>TEXT</em> HERE."] * 3


def test_no_call_when_source_is_already_the_target_language(google, article):
    result = translate_article(article, "en-GB", GoogleProvider(5, google.url("/m")))
    assert google.requests == []
    assert result.requests == 0
    assert result.blocks == article.blocks and result.title == article.title
    assert {s.origin for s in result.segments} == {"same"}


def test_lost_placeholders_fall_back_to_plain_text_and_are_remembered(google):
    google.faults.drop_placeholders = True
    article = ExtractedArticle("https://e.org", "Title", [
        Block("paragraph", html='Read <a href="https://e.org/r">this</a> now.'),
        Block("paragraph", html="No markup here."),
    ], source_lang="en")
    result = translate_article(article, "nl", GoogleProvider(5, google.url("/m")))
    assert result.blocks[0].html == "READ THIS NOW."
    assert result.blocks[1].html == "NO MARKUP HERE."
    assert [(s.block_index, s.origin) for s in result.plain_fallbacks] == [(0, "plain")]


def test_google_line_count_mismatch_retries_one_segment_per_request(google):
    google.faults.merge_lines = True
    article = ExtractedArticle("https://e.org", "Title", [
        Block("paragraph", html="One."), Block("paragraph", html="Two.")], source_lang="en")
    result = translate_article(article, "nl", GoogleProvider(5, google.url("/m")))
    assert [b.html for b in result.blocks] == ["ONE.", "TWO."]
    assert result.title == "TITLE"
    assert len(google.requests) == 1 + 3


def test_libre_translates_article_in_one_request_per_pack(article):
    with StubServer(libre_routes(Faults(api_key="secret"))) as stub:
        provider = LibreProvider(5, stub.base_url, api_key="secret")
        result = translate_article(article, "es", provider)
    assert result.requests == len(stub.requests) == math.ceil(
        (article.text_length() + len(article.title)) / provider.max_chars)
    assert '<a href="https://example.org/doc/0">' in result.blocks[1].html
    assert result.blocks[1].html.startswith("<strong>")
    assert "https://" not in sent_texts(stub)
    assert result.blocks[-1].caption == "THE COUNCIL IN <em>SESSION</em>"


def test_mymemory_respects_its_500_character_limit():
    article = generated_article(paragraphs=6)
    with StubServer(mymemory_routes()) as stub:
        provider = MyMemoryProvider(5, stub.url("/get"))
        result = translate_article(article, "nl", provider)
    assert all(len(r.query["q"][0]) < 500 for r in stub.requests)
    assert parse_qs("langpair=en-GB|nl-NL")["langpair"] == stub.requests[0].query["langpair"]
    total = article.text_length() + len(article.title)
    assert result.requests <= math.ceil(total / 500) + 2
    assert all(s.origin in ("machine", "same") for s in result.segments)

"""Bad input that used to fail a whole run or a job, or leak through an export: feed
entries with over-long URLs, over-long canonical links, script links in Markdown, allow-list
ports. Feed runs on both databases."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import select

from config.settings import Settings
from pipeline.db.models import Job
from pipeline.db.session import session_scope, upgrade
from pipeline.drafts.render import render_markdown
from pipeline.errors import FetchRefused, InvalidURL
from pipeline.extract import extract
from pipeline.fetch import canonicalize
from pipeline.fetch.guard import resolve_and_check
from pipeline.sources import add_source
from pipeline.sources.runs import run_source
from tests.pipeline.sources import feeds
from tests.stubs.server import Response

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=timezone.utc)
LONG = "https://news.example/" + "x" * 2100


def test_a_feed_entry_with_an_over_long_url_is_skipped_and_the_run_goes_on(db_url, blank_site):
    upgrade(db_url)
    items = [{"link": f"https://news.example/story/{n}", "title": f"S{n}", "summary": "s"}
             for n in range(3)]
    items.insert(1, {"link": LONG, "title": "too long", "summary": "s"})
    blank_site.routes = {"/rss": lambda r: Response(body=feeds.rss(items),
                                                     content_type="application/rss+xml")}
    with session_scope(db_url) as session:
        source_id = add_source(session, blank_site.url("/rss"), "feed", "nl", name="n").id
    run = run_source(db_url, source_id, NOW, settings=Settings(fetch_allow_hosts=["127.0.0.1"]))
    assert run.state == "done", run.error
    assert (run.new, run.failed) == (3, 1)
    assert "longer than 2048 characters" in (run.warning or "")
    with session_scope(db_url) as session:
        assert len(session.scalars(select(Job)).all()) == 3


def test_over_long_urls_are_invalid_and_a_long_canonical_falls_back():
    with pytest.raises(InvalidURL, match="longer than 2048 characters"):
        canonicalize(LONG)
    # Percent-escaping can push a URL that fitted past the column.
    with pytest.raises(InvalidURL, match="canonical form longer than 2048"):
        canonicalize("https://news.example/" + "é" * 700)
    text = " ".join(["The council met again to discuss the harbour wall."] * 8)
    page = (f'<html><head><title>T</title><link rel="canonical" href="{LONG}"></head>'
            f"<body><article><h1>Harbour</h1><p>{text}</p><p>{text}</p></article></body></html>")
    assert extract(page, "https://news.example/story/1").url == "https://news.example/story/1"


def test_markdown_keeps_only_web_and_mail_links():
    html = ('<p>[x](javascript:alert(1)) <a href="javascript:alert(2)">script</a> '
            '<a href="https://example.org/a">web</a> <a href="mailto:desk@example.org">mail</a> '
            '<img src="https://img.example.org/a.jpg" alt="pic"></p>')
    markdown = render_markdown("A [t](javascript:alert(3)) title", html)
    # Rendered by a CommonMark reader that trusts every link (not all of them filter
    # javascript: as markdown-it does by default): still no script link.
    reader = MarkdownIt("commonmark")
    reader.validateLink = lambda url: True
    rendered = reader.render(markdown)
    assert "javascript:" not in "".join(re.findall(r'(?:href|src)="([^"]*)"', rendered))
    assert "javascript:alert(1)" in rendered  # still there, as text
    assert "[web](https://example.org/a)" in markdown
    assert "[mail](mailto:desk@example.org)" in markdown
    assert "![pic](https://img.example.org/a.jpg)" in markdown
    assert "script" in markdown and r"\[x\](javascript:alert(1))" in markdown


def test_an_allow_list_entry_with_a_port_allows_only_that_port():
    assert resolve_and_check("127.0.0.1", 8080, ["127.0.0.1:8080"]) == ["127.0.0.1"]
    with pytest.raises(FetchRefused):
        resolve_and_check("127.0.0.1", 5432, ["127.0.0.1:8080"])
    assert resolve_and_check("::1", 8080, ["[::1]:8080"]) == ["::1"]
    with pytest.raises(FetchRefused):
        resolve_and_check("::1", 6379, ["[::1]:8080"])
    assert resolve_and_check("10.1.2.3", 443, ["10.0.0.0/8:443"]) == ["10.1.2.3"]
    with pytest.raises(FetchRefused):
        resolve_and_check("10.1.2.3", 22, ["10.0.0.0/8:443"])
    with pytest.raises(FetchRefused):  # a port that is no port allows nothing
        resolve_and_check("127.0.0.1", 80, ["127.0.0.1:http"])
    assert resolve_and_check("127.0.0.1", 6379, ["127.0.0.1"]) == ["127.0.0.1"]  # every port

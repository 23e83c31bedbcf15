"""Reading feeds and sitemaps from stub sites: entries, fingerprints and every way to fail."""

from __future__ import annotations

import gzip
import time
import tracemalloc

import pytest

from config.settings import Settings
from pipeline.errors import FetchFailed, FetchRefused, SourceUnreadable
from pipeline.sources.listing import detect_kind, read_listing
from pipeline.vocabulary import SourceKind
from tests.pipeline.sources import feeds
from tests.stubs.server import Response

XML = "application/xml"


@pytest.fixture
def site(blank_site):
    return blank_site


def serve(body: str | bytes, content_type: str | None = XML, **kwargs):
    return lambda request: Response(body=body, content_type=content_type, **kwargs)


def live(document, content_type: str = XML):
    """A route answering ``document()`` afresh at every request, for documents that change."""
    return lambda request: Response(body=document(), content_type=content_type)


def settings(**overrides) -> Settings:
    return Settings(fetch_allow_hosts=["127.0.0.1"], **overrides)


def read(url: str, kind=None, **overrides):
    return read_listing(url, kind, settings(**overrides))


# --- feeds ---------------------------------------------------------------------------------

def test_rss_entries_with_relative_links_guids_and_text_fingerprints(site):
    items = [{"link": "https://news.example/a?utm_source=rss", "title": "A", "summary": "one"},
             {"link": "/b", "title": "B"},
             {"guid": "https://news.example/c", "title": "C, guid only"},
             {"guid": "tag:news.example,2026:d", "title": "D, no URL at all"}]
    site.routes = {"/rss": live(lambda: feeds.rss(items), "application/rss+xml")}
    listing = read(site.url("/rss"))
    assert listing.kind is SourceKind.feed
    assert [e.url for e in listing.entries] == [
        "https://news.example/a?utm_source=rss", site.url("/b"), "https://news.example/c"]
    assert listing.failed == 1
    assert listing.entries[0].title == "A"
    # Without <updated>, the entry's text says whether it changed; the date alone does not.
    items[0]["summary"] = "one, corrected"
    items[1]["pubDate"] = "Sun, 29 Nov 2026 08:00:00 GMT"
    again = read(site.url("/rss"))
    assert again.entries[0].fingerprint != listing.entries[0].fingerprint
    assert again.entries[1].fingerprint == listing.entries[1].fingerprint


def test_atom_entries_fingerprinted_by_updated(site):
    items = [{"link": "https://news.example/x", "title": "X"},
             {"link": "https://news.example/y", "title": "Y"}]
    site.routes = {"/atom": live(lambda: feeds.atom(items), "application/atom+xml")}
    first = read(site.url("/atom"))
    assert first.kind is SourceKind.feed
    assert [e.url for e in first.entries] == ["https://news.example/x", "https://news.example/y"]
    items[1]["updated"] = "2026-11-29T09:00:00Z"
    second = read(site.url("/atom"))
    assert second.entries[0].fingerprint == first.entries[0].fingerprint
    assert second.entries[1].fingerprint != first.entries[1].fingerprint


def test_a_feed_with_stray_html_entities_is_read_leniently(site):
    body = feeds.rss([{"link": "https://news.example/n", "title": "T"}]).replace(
        "<description>news</description>", "<description>news&nbsp;today</description>")
    site.routes = {"/rss": serve(body, "text/xml")}
    listing = read(site.url("/rss"))
    assert [e.url for e in listing.entries] == ["https://news.example/n"]
    assert listing.problems and "read leniently" in listing.problems[0]


def test_broken_feed_is_unreadable(site):
    site.routes = {"/rss": serve('<rss version="2.0"><channel><<<not xml', "application/rss+xml")}
    with pytest.raises(SourceUnreadable, match="feed unreadable: .*not well-formed"):
        read(site.url("/rss"))


# --- sitemaps ------------------------------------------------------------------------------

def test_sitemap_urls_and_lastmod_fingerprints(site):
    urls = [("https://news.example/1", "2026-11-27"), ("https://news.example/2", None)]
    site.routes = {"/sitemap.xml": live(lambda: feeds.sitemap(urls))}
    first = read(site.url("/sitemap.xml"))
    assert first.kind is SourceKind.sitemap
    assert [e.url for e in first.entries] == ["https://news.example/1", "https://news.example/2"]
    urls[0] = ("https://news.example/1", "2026-11-28")
    second = read(site.url("/sitemap.xml"))
    assert second.entries[0].fingerprint != first.entries[0].fingerprint
    assert second.entries[1].fingerprint == first.entries[1].fingerprint


def test_gzip_sitemap_file(site):
    body = gzip.compress(feeds.sitemap([("https://news.example/z", None)]).encode())
    site.routes = {"/sitemap.xml.gz": serve(body, "application/x-gzip")}
    listing = read(site.url("/sitemap.xml.gz"))
    assert [e.url for e in listing.entries] == ["https://news.example/z"]


def test_gzip_bomb_sitemap_stops_at_the_size_cap(site):
    body = gzip.compress(b"<urlset>" + b" " * (50 * 1024 * 1024) + b"</urlset>", 9)
    site.routes = {"/sitemap.xml.gz": serve(body, "application/gzip")}
    with pytest.raises(FetchFailed, match="too large"):
        read(site.url("/sitemap.xml.gz"), fetch_max_bytes=1024 * 1024)


def test_news_sitemap_titles_and_fingerprints(site):
    items = [("https://news.example/n1", "2026-11-28T06:00:00+00:00", "Storm hits coast"),
             ("https://news.example/n2", "2026-11-28T07:00:00+00:00", "Markets calm")]
    site.routes = {"/news.xml": live(lambda: feeds.news_sitemap(items))}
    first = read(site.url("/news.xml"), "sitemap")
    assert [(e.url, e.title) for e in first.entries] == [
        ("https://news.example/n1", "Storm hits coast"), ("https://news.example/n2", "Markets calm")]
    items[1] = ("https://news.example/n2", "2026-11-28T07:00:00+00:00", "Markets calm, then fall")
    second = read(site.url("/news.xml"))
    assert second.entries[0].fingerprint == first.entries[0].fingerprint
    assert second.entries[1].fingerprint != first.entries[1].fingerprint


def test_sitemap_index_reads_children_newest_first_within_the_budget(site):
    site.routes = {
        "/index.xml": serve(feeds.sitemap_index([
            (site.url("/old.xml"), "2026-01-01"), (site.url("/new.xml"), "2026-11-28"),
            (site.url("/mid.xml"), "2026-06-01")])),
        "/old.xml": serve(feeds.sitemap([("https://news.example/old", None)])),
        "/mid.xml": serve(feeds.sitemap([("https://news.example/mid", None)])),
        "/new.xml": serve(feeds.news_sitemap([("https://news.example/new", "2026-11-28", "N")])),
    }
    everything = read(site.url("/index.xml"))
    assert [e.url for e in everything.entries] == [
        "https://news.example/new", "https://news.example/mid", "https://news.example/old"]
    assert not everything.problems
    site.requests.clear()
    limited = read(site.url("/index.xml"), source_max_sitemaps=2)
    assert [e.url for e in limited.entries] == ["https://news.example/new", "https://news.example/mid"]
    assert "/old.xml" not in [r.path for r in site.requests]
    assert "lists 3 sitemaps; read the 2 most recently modified" in limited.problems[0]


def test_sitemap_index_with_a_broken_child_keeps_the_others(site):
    site.routes = {
        "/index.xml": serve(feeds.sitemap_index([(site.url("/good.xml"), None),
                                                 (site.url("/gone.xml"), None)])),
        "/good.xml": serve(feeds.sitemap([("https://news.example/g", None)])),
    }
    listing = read(site.url("/index.xml"))
    assert [e.url for e in listing.entries] == ["https://news.example/g"]
    assert listing.failed == 1
    assert listing.problems == [f"sitemap {site.url('/gone.xml')}: HTTP 404 Not Found"]


def test_sitemap_index_whose_children_all_fail_is_unreadable(site):
    site.routes = {"/index.xml": serve(feeds.sitemap_index([(site.url("/gone.xml"), None)]))}
    with pytest.raises(SourceUnreadable, match="no sitemap of the index could be read"):
        read(site.url("/index.xml"))


def test_truncated_sitemap_is_not_well_formed(site):
    body = feeds.sitemap([("https://news.example/1", None)])[:-30]
    site.routes = {"/sitemap.xml": serve(body)}
    with pytest.raises(SourceUnreadable, match="sitemap is not well-formed XML: line 1"):
        read(site.url("/sitemap.xml"))


def test_text_sitemap_when_the_kind_is_given(site):
    site.routes = {"/urls.txt": serve("https://news.example/t1\n\nhttps://news.example/t2\n",
                                      "text/plain")}
    listing = read(site.url("/urls.txt"), "sitemap")
    assert [e.url for e in listing.entries] == ["https://news.example/t1", "https://news.example/t2"]
    with pytest.raises(SourceUnreadable, match="not XML"):
        read(site.url("/urls.txt"))


# --- refusing what is not a feed or sitemap, or is hostile ---------------------------------

@pytest.mark.parametrize("root", [
    '<rss version="2.0"><channel><title>&lol9;</title></channel></rss>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol9;</loc></url></urlset>',
])
def test_entity_expansion_bomb_is_refused_quickly_and_cheaply(site, root):
    site.routes = {"/bomb.xml": serve(feeds.BILLION_LAUGHS.format(root=root))}
    tracemalloc.start()
    start = time.monotonic()
    try:
        with pytest.raises(SourceUnreadable, match="declares XML entities"):
            read(site.url("/bomb.xml"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - start < 2
    assert peak < 20 * 1024 * 1024


def test_any_entity_declaration_is_refused(site):
    body = ('<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY host "news.example">]>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            '<url><loc>https://&host;/1</loc></url></urlset>')
    site.routes = {"/sitemap.xml": serve(body)}
    with pytest.raises(SourceUnreadable, match="declares XML entities"):
        read(site.url("/sitemap.xml"))


def test_feed_behind_a_redirect_to_a_private_address_is_refused(site):
    site.routes = {"/feed": serve("", None, status=302,
                                  headers={"Location": "http://169.254.169.254/latest/meta-data"}),
                   "/feed2": serve("", None, status=301,
                                   headers={"Location": "http://10.1.2.3/rss"})}
    with pytest.raises(FetchRefused, match="private address 169.254.169.254"):
        read(site.url("/feed"))
    with pytest.raises(FetchRefused, match="private address 10.1.2.3"):
        read(site.url("/feed2"))


def test_loopback_feed_is_refused_unless_allowed(site):
    site.routes = {"/rss": serve(feeds.rss([]))}
    with pytest.raises(FetchRefused, match="private address 127.0.0.1"):
        read_listing(site.url("/rss"), None, Settings())
    assert not site.requests


def test_html_page_pdf_and_kind_mismatch_say_what_they_are(site):
    site.routes = {"/page": serve("<!DOCTYPE html><html><body><p>hi</p></body></html>",
                                  "text/html"),
                   "/doc.pdf": serve(b"%PDF-1.4", "application/pdf"),
                   "/rss": serve(feeds.rss([]))}
    with pytest.raises(SourceUnreadable, match="the URL serves an HTML page"):
        read(site.url("/page"))
    with pytest.raises(FetchFailed, match="unsupported content type application/pdf"):
        read(site.url("/doc.pdf"))
    with pytest.raises(SourceUnreadable, match="not a sitemap: the URL serves a feed"):
        read(site.url("/rss"), "sitemap")


def test_an_html_page_that_links_a_feed_names_it(site):
    site.routes = {"/": serve('<html><head><link rel="alternate" type="application/rss+xml" '
                              'href="/feed.xml"></head><body><p>Home</p></body></html>',
                              "text/html")}
    with pytest.raises(SourceUnreadable) as caught:
        read(site.url("/"))
    assert caught.value.reason == (f"not a feed or sitemap: the URL serves an HTML page; it links "
                                   f"to the feed {site.url('/feed.xml')}: add that URL")


def test_detect_kind():
    assert detect_kind(feeds.rss([]).encode()) is SourceKind.feed
    assert detect_kind(feeds.atom([]).encode()) is SourceKind.feed
    assert detect_kind(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>') \
        is SourceKind.feed
    assert detect_kind(feeds.sitemap_index([]).encode()) is SourceKind.sitemap
    with pytest.raises(SourceUnreadable, match="unknown root element <svg>"):
        detect_kind(b"<svg/>")

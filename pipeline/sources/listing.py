"""What a source lists: read a feed or sitemap into entries (URL and content fingerprint).

A source's URL is fetched through :func:`pipeline.fetch.http.fetch_xml`, so the SSRF guard, the
redirect rules and the size cap apply to feeds and sitemaps exactly as to articles.
"""

from __future__ import annotations

from urllib.parse import urljoin

import lxml.html
from lxml import etree

from config.settings import Settings
from pipeline.document import FetchedXML
from pipeline.errors import SourceUnreadable
from pipeline.fetch.http import fetch_xml
from pipeline.sources import xmldoc
from pipeline.sources.entries import Fetcher, Listing
from pipeline.sources.feeds import read_feed
from pipeline.sources.sitemaps import read_sitemap, read_text_sitemap
from pipeline.vocabulary import SourceKind

FEED_ROOTS = {"rss": SourceKind.feed, "rdf": SourceKind.feed, "feed": SourceKind.feed,
              "urlset": SourceKind.sitemap, "sitemapindex": SourceKind.sitemap}


def detect_kind(data: bytes) -> SourceKind:
    """Feed or sitemap, from the root element; :class:`SourceUnreadable` for anything else."""
    if not xmldoc.looks_like_xml(data):
        raise SourceUnreadable("not a feed or sitemap: the document is not XML")
    root = xmldoc.root_name(data).lower()
    if root in FEED_ROOTS:
        return FEED_ROOTS[root]
    if root == "html":
        raise SourceUnreadable("not a feed or sitemap: the URL serves an HTML page")
    raise SourceUnreadable(f"not a feed or sitemap: unknown root element <{root}>")


def read_listing(url: str, kind: SourceKind | str | None, settings: Settings,
                 fetcher: Fetcher | None = None) -> Listing:
    """Fetch ``url`` and read its entries; the kind is detected when ``kind`` is None.

    Raises the fetch errors (:class:`FetchRefused`, :class:`FetchFailed`, ...) and
    :class:`SourceUnreadable` when the document is not the feed or sitemap expected.
    """
    fetch = fetcher or (lambda address: fetch_xml(address, settings))
    document = fetch(url)
    wanted = SourceKind(kind) if kind else None
    if wanted is SourceKind.sitemap and not xmldoc.looks_like_xml(document.data):
        return read_text_sitemap(document)  # sitemaps.org allows one URL per line
    try:
        found = detect_kind(document.data)
    except SourceUnreadable as error:
        links = feed_links(document) if "HTML page" in error.reason else []
        if links:
            raise SourceUnreadable(f"{error.reason}; it links to the feed {links[0]}: "
                                   "add that URL") from None
        raise
    if wanted is not None and found is not wanted:
        raise SourceUnreadable(f"not a {wanted}: the URL serves a {found}")
    if found is SourceKind.feed:
        return read_feed(document)
    return read_sitemap(document, fetch, settings.source_max_sitemaps)


def feed_links(document: FetchedXML) -> list[str]:
    """The feeds an HTML page announces with ``<link rel="alternate" type="...rss|atom...">``."""
    try:
        page = lxml.html.document_fromstring(document.data)
    except (etree.ParserError, ValueError):
        return []
    links = []
    for link in page.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind.endswith(("rss+xml", "atom+xml")) and href:
            links.append(urljoin(document.final_url, href))
    return links

"""RSS and Atom feeds, read with feedparser: one entry per item, with a fingerprint."""

from __future__ import annotations

import io
from urllib.parse import urljoin, urlsplit

import feedparser

from pipeline.document import FetchedXML
from pipeline.errors import SourceUnreadable
from pipeline.sources.entries import Entry, Listing, fingerprint
from pipeline.vocabulary import SourceKind

# feedparser flags these on perfectly usable feeds; they are not worth a warning.
_HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def read_feed(document: FetchedXML) -> Listing:
    """The entries of an RSS 0.9x/1.0/2.0 or Atom feed.

    A feed that is not well-formed is still read leniently when feedparser finds entries
    (noted as a problem); one with no recognisable feed at all is :class:`SourceUnreadable`.
    """
    # A stream, never bytes or str: given those, feedparser tries them as a file name or URL.
    parsed = feedparser.parse(io.BytesIO(document.data), sanitize_html=False,
                              resolve_relative_uris=False)
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if isinstance(problem, _HARMLESS):
        problem = None
    if not parsed.entries and (problem is not None or not parsed.get("version")):
        raise SourceUnreadable(f"feed unreadable: {problem or 'no RSS or Atom feed found'}")
    listing = Listing(SourceKind.feed)
    if problem is not None:
        listing.problems.append(f"feed is not well-formed, read leniently: {problem}")
    for item in parsed.entries:
        url = _entry_url(item, document.final_url)
        if url is None:
            listing.failed += 1
            continue
        # An entry's <updated> changes when its article is edited; without one, its text.
        # dict.get: feedparser's own get() answers "updated" with the published date.
        updated = dict.get(item, "updated")
        if updated:
            mark = fingerprint("updated", updated)
        else:
            mark = fingerprint("text", item.get("title"), item.get("summary"))
        listing.entries.append(Entry(url, mark, item.get("title", "")))
    return listing


def _entry_url(item: dict, base: str) -> str | None:
    """The article's URL: FeedBurner's original link, the link, or an id that is a URL."""
    links = [item.get("feedburner_origlink"), item.get("link")]
    candidates = [urljoin(base, link.strip()) for link in links if link and link.strip()]
    candidates.append((item.get("id") or "").strip())  # a guid counts only when absolute
    for url in candidates:
        if urlsplit(url).scheme in ("http", "https"):
            return url
    return None

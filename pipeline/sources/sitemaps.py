"""Sitemaps: url sets, sitemap indexes (followed through the guarded fetch) and Google News
sitemaps, plus the plain-text form (one URL per line)."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

from lxml import etree

from pipeline.document import FetchedXML
from pipeline.errors import PipelineError, SourceUnreadable
from pipeline.sources import xmldoc
from pipeline.sources.entries import Entry, Fetcher, Listing, fingerprint
from pipeline.vocabulary import SourceKind

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
MAX_DEPTH = 2  # an index may list indexes once (the protocol says never; some sites do)


def read_sitemap(document: FetchedXML, fetch: Fetcher, max_sitemaps: int) -> Listing:
    """The entries of a sitemap, or of the newest ``max_sitemaps`` sitemaps of an index.

    A sub-sitemap that cannot be fetched or read counts as failed and is named in the
    listing's problems; when every one of them fails, the index as a whole is unreadable.
    """
    listing = Listing(SourceKind.sitemap)
    budget = [max_sitemaps]
    _read(document, fetch, listing, budget, depth=0)
    return listing


def read_text_sitemap(document: FetchedXML) -> Listing:
    """A text sitemap: every non-empty line is a URL."""
    text = document.data.decode("utf-8", errors="replace")
    listing = Listing(SourceKind.sitemap)
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if urlsplit(line).scheme not in ("http", "https"):
            raise SourceUnreadable("not a feed or sitemap: neither XML nor a list of URLs")
        listing.entries.append(Entry(line, fingerprint("")))
    return listing


def _read(document: FetchedXML, fetch: Fetcher, listing: Listing, budget: list[int],
          depth: int) -> None:
    root = xmldoc.parse(document.data, "sitemap")
    name = etree.QName(root).localname
    if name == "urlset":
        _read_urlset(root, document.final_url, listing)
    elif name == "sitemapindex":
        _read_index(root, document.final_url, fetch, listing, budget, depth)
    else:
        raise SourceUnreadable(f"not a sitemap: root element <{name}>")


def _read_urlset(root: etree._Element, base: str, listing: Listing) -> None:
    for url in root.iterfind("{*}url"):
        loc = (url.findtext("{*}loc") or "").strip()
        if not loc:
            listing.failed += 1
            continue
        news = url.find(f"{{{NEWS_NS}}}news")
        title = ""
        if news is not None:
            title = (news.findtext(f"{{{NEWS_NS}}}title") or "").strip()
            published = news.findtext(f"{{{NEWS_NS}}}publication_date")
            # A news entry changes when it is republished or retitled.
            mark = fingerprint("news", url.findtext("{*}lastmod") or published, title)
        else:
            mark = fingerprint("lastmod", url.findtext("{*}lastmod"))
        listing.entries.append(Entry(urljoin(base, loc), mark, title))


def _read_index(root: etree._Element, base: str, fetch: Fetcher, listing: Listing,
                budget: list[int], depth: int) -> None:
    if depth >= MAX_DEPTH:
        raise SourceUnreadable("sitemap indexes nested too deep")
    children = []
    for sitemap in root.iterfind("{*}sitemap"):
        loc = (sitemap.findtext("{*}loc") or "").strip()
        if loc:
            children.append((_sort_key(sitemap.findtext("{*}lastmod")), urljoin(base, loc)))
    # Newest first: when the index is longer than the budget, recent articles matter most.
    children.sort(key=lambda child: child[0], reverse=True)
    if len(children) > budget[0]:
        listing.problems.append(f"sitemap index lists {len(children)} sitemaps; "
                                f"read the {budget[0]} most recently modified")
    read = failed = 0
    for _key, loc in children[:max(budget[0], 0)]:
        budget[0] -= 1
        try:
            _read(fetch(loc), fetch, listing, budget, depth + 1)
            read += 1
        except PipelineError as error:
            failed += 1
            listing.failed += 1
            listing.problems.append(f"sitemap {loc}: {error.reason}")
    if failed and not read:
        raise SourceUnreadable(f"no sitemap of the index could be read: "
                               f"{listing.problems[-1]}")


def _sort_key(lastmod: str | None) -> float:
    """Seconds since the epoch of a W3C datetime; 0 when absent or unreadable."""
    value = (lastmod or "").strip()
    if not value:
        return 0.0
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()

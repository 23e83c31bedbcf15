"""Which URL a fetched article is stored under: its claimed canonical URL, when it may.

A page's ``<link rel=canonical>`` names the URL under which the article is known, and the
article row is keyed on it. Believed blindly, it lets any page overwrite any other article
(and through it an approved draft): a page on one site only has to claim another site's
URL. So a claim is honoured only for the same site as the URL actually fetched (after
redirects); any other claim is kept as metadata and the article is stored under the
fetched URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from pipeline.errors import InvalidURL
from pipeline.fetch.urls import canonicalize


@dataclass(frozen=True)
class ArticleURL:
    """The URL to store the article under and, when refused, the canonical URL it claimed."""

    url: str
    refused_claim: str | None = None


def site_of(url: str) -> tuple[str, int | None]:
    """The site of a canonical URL: its host without a leading ``www.``, and its port when
    it names one other than the scheme's default."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    return host, parts.port


def same_site(claimed: str, fetched: str) -> bool:
    """Whether two canonical URLs are on one site: same host ignoring a leading ``www.``,
    and the same port when either names one (http and https of one host are one site)."""
    return site_of(claimed) == site_of(fetched)


def article_url(claimed: str | None, fetched: str) -> ArticleURL:
    """Where to store an article fetched from ``fetched`` that claims ``claimed`` as its
    canonical URL (see the module docstring)."""
    fetched = canonicalize(fetched)
    if not claimed:
        return ArticleURL(fetched)
    try:
        canonical = canonicalize(claimed)
    except InvalidURL:
        return ArticleURL(fetched, claimed[:2048])
    if canonical == fetched or same_site(canonical, fetched):
        return ArticleURL(canonical)
    return ArticleURL(fetched, canonical)

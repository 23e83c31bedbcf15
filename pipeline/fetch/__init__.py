"""The fetch stage: from an article URL to its HTML (or a feed URL to its XML), refusing what
must not be fetched."""

from pipeline.fetch.urls import canonicalize, check_url


def __getattr__(name: str):
    # The HTTP stack (httpx) loads on the first fetch, not with canonicalize: `status`
    # reaches this package through pipeline.sources and never fetches.
    if name in ("fetch", "fetch_xml"):
        from pipeline.fetch import http

        return getattr(http, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["canonicalize", "check_url", "fetch", "fetch_xml"]

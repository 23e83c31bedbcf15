"""The fetch stage: from an article URL to its HTML (or a feed URL to its XML), refusing what
must not be fetched."""

from pipeline.fetch.http import fetch, fetch_xml
from pipeline.fetch.urls import canonicalize, check_url

__all__ = ["canonicalize", "check_url", "fetch", "fetch_xml"]

"""The fetch stage: from an article URL to its HTML, refusing what must not be fetched."""

from pipeline.fetch.http import fetch
from pipeline.fetch.urls import canonicalize, check_url

__all__ = ["canonicalize", "check_url", "fetch"]

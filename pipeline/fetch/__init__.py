"""The fetch stage: from an article URL to its HTML (or a feed URL to its XML), refusing what
must not be fetched.

The package itself only checks and canonicalizes URLs (cheap: intake, sources and ``status``
use it); the HTTP stack is :mod:`pipeline.fetch.http` (``fetch``, ``fetch_xml``).
"""

from pipeline.fetch.urls import canonicalize, check_url

__all__ = ["canonicalize", "check_url"]

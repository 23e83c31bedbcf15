"""What reading a source yields: its entries (an article URL and a content fingerprint) and
the listing that holds them, shared by the feed and sitemap readers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.document import FetchedXML
from pipeline.vocabulary import SourceKind

Fetcher = Callable[[str], FetchedXML]


@dataclass(frozen=True)
class Entry:
    """One article a source lists."""

    url: str  # absolute, as listed
    fingerprint: str  # sha256 of what says the entry changed (updated date, lastmod, text)
    title: str = ""


@dataclass
class Listing:
    """Everything one reading of a source found."""

    kind: SourceKind
    entries: list[Entry] = field(default_factory=list)
    failed: int = 0  # parts that could not be read (sub-sitemaps)
    problems: list[str] = field(default_factory=list)  # worth a warning on the run


def fingerprint(*parts: str | None) -> str:
    """A stable hash of the parts that say whether an entry's content changed."""
    material = "\x1f".join((part or "").strip() for part in parts)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()

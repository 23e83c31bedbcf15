"""The article structure every stage agrees on: an ordered list of typed blocks.

Inline HTML inside a block (``<a href>``, ``<em>``, ``<strong>``, ...) is kept as a string;
translation works on *segments*, the translatable pieces of a block, addressed by a key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Iterator, Literal

BlockKind = Literal["heading", "paragraph", "list", "quote", "figure", "table"]
# Fields that hold plain text, not inline HTML: the title and a block's alt, cite and credit.
# They are escaped before translation and rendering, and stripped of tags when edited.
PLAIN_KEYS = frozenset({"title", "alt", "cite", "credit"})
TITLE_INDEX = -1  # the block index segments of the title are stored under


@dataclass(frozen=True)
class Block:
    """One structural unit of an article, in reading order."""

    kind: BlockKind
    html: str = ""  # inline HTML of heading, paragraph and quote
    level: int = 0  # heading level, 1-6
    ordered: bool = False  # list: <ol> rather than <ul>
    items: tuple[str, ...] = ()  # list items, inline HTML each
    rows: tuple[tuple[str, ...], ...] = ()  # table cells, inline HTML each
    header_rows: int = 0  # table: how many leading rows are <th> rows
    src: str = ""  # figure: absolute image URL
    alt: str = ""  # figure: plain text
    caption: str = ""  # figure: inline HTML, translated
    credit: str = ""  # figure: plain text, never translated ("© NAME / AGENCY")
    cite: str = ""  # quote: who said it, plain text (translated)

    def segments(self) -> Iterator[tuple[str, str]]:
        """Yield ``(key, inline_html)`` for every piece of this block that is translated."""
        if self.kind in ("heading", "paragraph", "quote"):
            if self.html.strip():
                yield "html", self.html
            if self.cite.strip():
                yield "cite", self.cite
        elif self.kind == "list":
            for i, item in enumerate(self.items):
                if item.strip():
                    yield f"items.{i}", item
        elif self.kind == "table":
            for r, row in enumerate(self.rows):
                for c, cell in enumerate(row):
                    if cell.strip():
                        yield f"rows.{r}.{c}", cell
        elif self.kind == "figure":
            if self.caption.strip():
                yield "caption", self.caption
            if self.alt.strip():
                yield "alt", self.alt

    def with_segments(self, translated: dict[str, str]) -> Block:
        """A copy of this block with the segments named in ``translated`` replaced."""
        changes: dict[str, Any] = {}
        items = list(self.items)
        rows = [list(row) for row in self.rows]
        for key, value in translated.items():
            head, _, rest = key.partition(".")
            if head == "items":
                items[int(rest)] = value
            elif head == "rows":
                r, c = rest.split(".")
                rows[int(r)][int(c)] = value
            else:
                changes[head] = value
        if self.items:
            changes["items"] = tuple(items)
        if self.rows:
            changes["rows"] = tuple(tuple(row) for row in rows)
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form that leaves out empty fields."""
        # Fields hold strings, numbers and tuples of strings: no deep copy (asdict) needed.
        data = {}
        for name in _BLOCK_FIELDS:
            value = getattr(self, name)
            if value in ("", 0, False, (), []):
                continue
            if name == "rows":
                value = [list(row) for row in value]
            elif name == "items":
                value = list(value)
            data[name] = value
        data["kind"] = self.kind
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Block:
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        if "items" in data:
            data["items"] = tuple(data["items"])
        if "rows" in data:
            data["rows"] = tuple(tuple(row) for row in data["rows"])
        return cls(**data)


_BLOCK_FIELDS = tuple(f.name for f in fields(Block))


@dataclass
class ExtractedArticle:
    """What extraction found on a page: metadata and the body blocks."""

    url: str  # canonical URL
    title: str
    blocks: list[Block]
    author: str = ""
    published: str | None = None  # ISO date, only when the page states the day
    site_name: str = ""
    source_lang: str = ""
    lead_image: str = ""
    description: str = ""
    # Characters (whitespace aside) of trafilatura's plain extraction of the page, title
    # included: what the body is checked against (pipeline/checks/extraction_loss.py); 0: unknown.
    reference_chars: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["blocks"] = [block.to_dict() for block in self.blocks]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExtractedArticle:
        data = dict(data)
        data["blocks"] = [Block.from_dict(b) for b in data.get("blocks", [])]
        return cls(**data)

    def text_length(self) -> int:
        """Characters of translatable inline HTML in the body."""
        return sum(len(text) for block in self.blocks for _, text in block.segments())


@dataclass
class FetchedPage:
    """An HTML page as fetched: the final URL after redirects and the decoded text."""

    url: str  # the URL requested, canonicalized
    final_url: str  # after redirects
    html: str
    content_type: str = "text/html"
    encoding: str = "utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FetchedXML:
    """A feed or sitemap as fetched: the final URL after redirects and the raw bytes.

    Bytes, not text: an XML parser reads the encoding from the document's declaration.
    """

    url: str  # the URL requested, canonicalized
    final_url: str  # after redirects
    data: bytes
    content_type: str = "application/xml"
    status: int = 200

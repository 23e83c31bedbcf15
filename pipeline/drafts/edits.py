"""A reviewer's edit of one block (or the title), segment by segment.

The edited HTML is read back into the block's segments; each becomes the draft's human
translation of that segment (so re-translation keeps it) and, where its inline markup can
be matched tag for tag to the source's, a translation-memory entry for later articles, with
its placeholders renumbered to the source's.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import lxml.html
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.db.models import Draft, Segment
from pipeline.document import PLAIN_KEYS, TITLE_INDEX, Block
from pipeline.ledger.memory import normalize, remember_human
from pipeline.translate.markup import Encoded, encode
from pipeline.vocabulary import SegmentOrigin

_PLACEHOLDER = re.compile(r"<(/?)x(\d+)(/?)>")
_WRAPPERS = {"paragraph": {"p"}, "heading": {"h1", "h2", "h3", "h4", "h5", "h6"},
             "quote": {"blockquote"}, "list": {"ul", "ol"}, "table": {"table"},
             "figure": {"figure"}}


def remember_human_edit(session: Session, draft: Draft, block_index: int, new_block_html: str,
                        author: str) -> int:
    """Store a reviewer's edit of one block as the preferred translation of its segments.

    Call it in the unit of work that saves the edit (the caller commits). ``block_index``
    is the 0-based index into the draft's blocks, or -1 for the title. ``new_block_html`` is
    the edited block as rendered HTML (``<p>…</p>``, ``<ul><li>…</li></ul>``, a
    ``<figure>``...) or, for paragraphs, headings and the title, just its inline content.
    The draft's Segment rows of that block become origin ``"human"`` (so re-translation keeps
    them) and each segment whose markup can be matched to the source's goes into the memory
    for later articles. Returns how many segments were remembered in the memory.
    """
    article = draft.article
    source_lang = (draft.source_lang or article.source_lang or "auto").lower()
    target_lang = draft.target_lang.lower()
    if block_index == TITLE_INDEX:
        sources = [("title", article.title)]
        edited = {"title": normalize(html.unescape(_text_of(new_block_html)))}
    else:
        blocks = article.structure.get("blocks", [])
        if not 0 <= block_index < len(blocks):
            raise ValueError(f"draft {draft.id} has no block {block_index}")
        block = Block.from_dict(blocks[block_index])
        sources = list(block.segments())
        edited = block_segments_from_html(block, new_block_html)
    rows = {row.key: row for row in session.scalars(
        select(Segment).where(Segment.draft_id == draft.id, Segment.block_index == block_index))}
    remembered = 0
    for key, source in sources:
        if key not in edited:
            continue
        translation = edited[key]
        row = rows.get(key)
        if row is None:
            session.add(Segment(draft_id=draft.id, block_index=block_index, key=key,
                                source=source, translation=translation, provider=SegmentOrigin.human,
                                origin=SegmentOrigin.human))
        else:
            row.translation, row.origin = translation, SegmentOrigin.human
        source_encoded = encode_segment(source, key)
        mapped = map_placeholders(encode_segment(translation, key), source_encoded)
        if mapped is None or not source_encoded.translatable:
            continue
        remember_human(session, source_lang, target_lang, source_encoded.markup, mapped, author)
        remembered += 1
    return remembered


def encode_segment(value: str, key: str) -> Encoded:
    """A stored segment value in placeholder form (plain-text fields are escaped first)."""
    return encode(html.escape(value, quote=False) if key in PLAIN_KEYS else value)


def map_placeholders(translated: Encoded, source: Encoded) -> str | None:
    """``translated``'s placeholder form renumbered to ``source``'s placeholders.

    Each tag of the translation is matched to an unused source tag with the same name and
    attributes. None when a tag has no counterpart or a source tag is left over: such an
    edit cannot be replayed on the source's markup.
    """
    free = {ident: _tag_identity(opening) for ident, (opening, _) in source.originals.items()}
    mapping: dict[int, int] = {}
    for ident in sorted(translated.originals):
        identity = _tag_identity(translated.originals[ident][0])
        match = next((s for s, i in free.items() if i == identity), None)
        if match is None:
            return None
        mapping[ident] = match
        del free[match]
    if free:
        return None
    return _PLACEHOLDER.sub(
        lambda m: f"<{m.group(1)}x{mapping[int(m.group(2))]}{m.group(3)}>", translated.markup)


def block_segments_from_html(block: Block, new_html: str) -> dict[str, str]:
    """The segments (key -> inline HTML or plain text) of an edited block's HTML."""
    try:
        parts = lxml.html.fragments_fromstring(new_html.strip() or "<p></p>")
    except etree.ParserError:
        return {}
    wrappers = _WRAPPERS.get(block.kind, set())
    element = parts[0] if len(parts) == 1 and not isinstance(parts[0], str) else None
    if element is None or element.tag not in wrappers:
        # Inline content only: the block's text itself.
        return {"html": normalize(new_html)} if block.kind in ("paragraph", "heading", "quote") \
            else {}
    if block.kind in ("paragraph", "heading"):
        return {"html": _inner(element)}
    segments: dict[str, str] = {}
    if block.kind == "quote":
        cite = element.find(".//cite")
        if cite is not None:
            segments["cite"] = normalize(cite.text_content())
            cite.drop_tree()
        paragraph = element.find("p")
        segments["html"] = _inner(paragraph if paragraph is not None else element)
    elif block.kind == "list":
        for i, item in enumerate(element.findall("li")):
            segments[f"items.{i}"] = _inner(item)
    elif block.kind == "table":
        for r, row in enumerate(element.iter("tr")):
            for c, cell in enumerate(row.findall("*")):
                segments[f"rows.{r}.{c}"] = _inner(cell)
    elif block.kind == "figure":
        caption = element.find(".//figcaption")
        if caption is not None:
            for credit in caption.find_class("credit"):
                credit.drop_tree()
            segments["caption"] = _inner(caption)
        image = element.find(".//img")
        if image is not None and image.get("alt"):
            segments["alt"] = normalize(image.get("alt"))
    return segments


class _Tag(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: tuple[str, tuple[tuple[str, str], ...]] | None = None

    def handle_starttag(self, tag, attrs):
        if self.found is None:
            self.found = (tag, tuple(sorted((k, v or "") for k, v in attrs)))

    handle_startendtag = handle_starttag


def _tag_identity(opening: str) -> object:
    """Opening tags compare by name and attributes, whatever the quoting or spacing."""
    if not opening.startswith("<"):
        return normalize(opening)
    parser = _Tag()
    parser.feed(opening)
    return parser.found or normalize(opening)


def _text_of(fragment: str) -> str:
    try:
        return lxml.html.fragment_fromstring(fragment, create_parent="div").text_content()
    except etree.ParserError:
        return fragment


def _inner(element) -> str:
    text = html.escape(element.text or "", quote=False)
    children = "".join(etree.tostring(child, encoding="unicode", method="html", with_tail=True)
                       for child in element)
    return normalize(text + children)

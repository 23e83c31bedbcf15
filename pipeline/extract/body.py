"""trafilatura's XML body mapped to blocks, each with the text used to find it in the page."""

from __future__ import annotations

import html
from copy import deepcopy
from dataclasses import dataclass

from lxml import etree

from pipeline.document import Block
from pipeline.extract.inline import inline_html, normalize_space, plain_text, resolve_url

_HEADING_LEVELS = {f"h{n}": n for n in range(1, 7)}


@dataclass
class Candidate:
    """A block as trafilatura gave it, before it is matched against the page."""

    block: Block
    text: str = ""  # plain text used to find the block in the page
    position: int = -1  # offset in the page's text (see TextIndex), -1 when not found
    element: etree._Element | None = None  # the page element holding the text


def _heading(element: etree._Element, base_url: str) -> Candidate | None:
    markup = inline_html(element, base_url)
    if not plain_text(markup):
        return None
    level = _HEADING_LEVELS.get((element.get("rend") or "").lower(), 2)
    return Candidate(Block(kind="heading", html=markup, level=level), plain_text(markup))


def _paragraph(element: etree._Element, base_url: str) -> list[Candidate]:
    """A paragraph; images trafilatura left inside it become figures after it."""
    graphics = [g for g in element.iter("graphic")]
    if graphics:
        element = deepcopy(element)
        for graphic in list(element.iter("graphic")):
            parent = graphic.getparent()
            tail = graphic.tail or ""
            previous = graphic.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
            parent.remove(graphic)
    candidates = []
    markup = inline_html(element, base_url)
    if plain_text(markup):
        candidates.append(Candidate(Block(kind="paragraph", html=markup), plain_text(markup)))
    candidates.extend(d for g in graphics if (d := _graphic(g, base_url)))
    return candidates


def _graphic(element: etree._Element, base_url: str) -> Candidate | None:
    src = resolve_url(element.get("src"), base_url)
    if not src:
        return None
    block = Block(kind="figure", src=src, alt=normalize_space(element.get("alt") or ""))
    return Candidate(block, "")


def _list(element: etree._Element, base_url: str) -> Candidate | None:
    items: list[str] = []
    for item in element.iter("item"):
        own = deepcopy(item)
        for nested in list(own.iter("list")):
            if nested is not own and nested.getparent() is not None:
                nested.getparent().remove(nested)
        markup = inline_html(own, base_url)
        if plain_text(markup):
            items.append(markup)
    if not items:
        return None
    ordered = (element.get("rend") or "").lower() == "ol"
    block = Block(kind="list", ordered=ordered, items=tuple(items))
    return Candidate(block, plain_text(items[0]))


def _quote_part(child: etree._Element, base_url: str) -> str:
    if child.tag == "list":  # one line per item
        return "<br>".join(m for item in child.iter("item")
                           if plain_text(m := inline_html(item, base_url)))
    return inline_html(child, base_url)


def _quote(element: etree._Element, base_url: str) -> Candidate | None:
    """A quote; its paragraphs (and lists) are kept apart by a blank line."""
    paragraphs = [p for p in element if p.tag in ("p", "head", "list")]
    if paragraphs and not normalize_space(element.text or "") and not any(
            normalize_space(p.tail or "") for p in paragraphs):
        parts = [_quote_part(p, base_url) for p in element if isinstance(p.tag, str)]
        markup = "<br><br>".join(p for p in parts if plain_text(p))
    else:
        markup = inline_html(element, base_url)
    if not plain_text(markup):
        return None
    return Candidate(Block(kind="quote", html=markup), plain_text(markup))


def _table(element: etree._Element, base_url: str) -> Candidate | None:
    rows: list[tuple[str, ...]] = []
    header_rows = 0
    counting_header = True
    for row in element.iter("row"):
        if next(row.iterancestors("table"), None) is not element:
            continue  # a row of a nested table
        cells = [c for c in row if c.tag == "cell"]
        if not cells:
            continue
        rows.append(tuple(inline_html(c, base_url) for c in cells))
        is_header = all(c.get("role") == "head" for c in cells)
        if counting_header and is_header:
            header_rows += 1
        else:
            counting_header = False
    if not any(plain_text(cell) for row in rows for cell in row):
        return None
    first = next(cell for row in rows for cell in row if plain_text(cell))
    return Candidate(Block(kind="table", rows=tuple(rows), header_rows=header_rows),
                 plain_text(first))


def _loose_text(text: str | None) -> list[Candidate]:
    """Text standing between trafilatura's blocks (its plain text keeps it): a paragraph."""
    markup = html.escape(normalize_space(text or ""), quote=False)
    return [Candidate(Block(kind="paragraph", html=markup), plain_text(markup))] if markup else []


def body_candidates(body: etree._Element, base_url: str) -> list[Candidate]:
    """The top-level elements of trafilatura's body as candidates, in order."""
    candidates: list[Candidate] = _loose_text(body.text)
    for element in body:
        candidates.extend(_element_candidates(element, base_url))
        candidates.extend(_loose_text(element.tail))
    return candidates


def _element_candidates(element: etree._Element, base_url: str) -> list[Candidate]:
    candidates: list[Candidate] = []
    if isinstance(element.tag, str):
        tag = element.tag
        if tag == "head":
            candidates.extend(d for d in [_heading(element, base_url)] if d)
        elif tag == "list":
            candidates.extend(d for d in [_list(element, base_url)] if d)
        elif tag == "quote":
            candidates.extend(d for d in [_quote(element, base_url)] if d)
        elif tag == "graphic":
            candidates.extend(d for d in [_graphic(element, base_url)] if d)
        elif tag == "table":
            candidates.extend(d for d in [_table(element, base_url)] if d)
        elif tag in ("div", "section"):
            candidates.extend(body_candidates(element, base_url))
        else:  # p, code and anything else that carries text
            candidates.extend(_paragraph(element, base_url))
    return candidates

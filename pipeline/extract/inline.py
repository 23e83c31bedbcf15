"""Inline HTML of one block: a small, well-formed subset with absolute link targets.

Both the original page (HTML tags) and trafilatura's XML (``hi``, ``ref``, ``lb``) are
reduced to the same vocabulary: ``a href``, ``em``, ``strong``, ``code``, ``sub``, ``sup``
and ``br``. Every other element keeps only its text.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree
from lxml import html as lxml_html

_SPACE = re.compile(r"\s+")

# Elements whose content is never article text.
SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "object",
                          "embed", "svg", "math", "button", "select", "textarea", "form"})

# Elements that stand on a line of their own: their text never runs into a neighbour's.
BLOCK_TAGS = frozenset({"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th",
                        "table", "blockquote", "section", "article", "header", "footer",
                        "h1", "h2", "h3", "h4", "h5", "h6", "pre", "figure", "figcaption",
                        "address", "head", "list", "item", "row", "cell", "quote"})

_HTML_TAGS = {
    "em": "em", "i": "em", "dfn": "em", "var": "em",
    "strong": "strong", "b": "strong",
    "code": "code", "kbd": "code", "samp": "code", "tt": "code",
    "sub": "sub", "sup": "sup",
}
_RENDITIONS = {"#i": "em", "#b": "strong", "#t": "code", "#sub": "sub", "#sup": "sup"}


# Characters that are neither printable nor space (controls, soft hyphens, zero-width and
# direction marks): trafilatura drops them from its text, and they are no part of a word.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f"
                        "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")


def visible(text: str) -> str:
    """``text`` without invisible characters (see ``_INVISIBLE``)."""
    return _INVISIBLE.sub("", text)


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace to one space and trim the ends."""
    return _SPACE.sub(" ", text or "").strip()


def resolve_url(href: str | None, base_url: str) -> str:
    """``href`` made absolute against ``base_url``; "" unless the result is http(s)."""
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return ""
    try:
        absolute = urljoin(base_url, href)
        parts = urlsplit(absolute)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return urlunsplit(parts)


def drop_fragment(url: str) -> str:
    """``url`` without its ``#fragment``."""
    return urlunsplit(urlsplit(url)._replace(fragment=""))


def _tag(element: etree._Element) -> str:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def inline_tag(element: etree._Element) -> str:
    """The output tag for ``element``, or "" when only its text is kept."""
    tag = _tag(element)
    if tag == "hi":
        return _RENDITIONS.get((element.get("rend") or "").strip(), "")
    if tag in ("a", "ref"):
        return "a"
    if tag in ("br", "lb"):
        return "br"
    return _HTML_TAGS.get(tag, "")


class _Writer:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.parts: list[str] = []
        self.in_link = False

    def text(self, value: str | None) -> None:
        if value:
            value = visible(value)
            self.parts.append(html.escape(_SPACE.sub(" ", value), quote=False))

    def element(self, element: etree._Element, *, skip: frozenset[str]) -> None:
        if not isinstance(element.tag, str) or _tag(element) in skip:
            return
        out = inline_tag(element)
        if out == "br":
            self.parts.append("<br>")
            return
        href = ""
        if out == "a":
            href = "" if self.in_link else resolve_url(
                element.get("href") or element.get("target"), self.base_url)
            if not href:
                out = ""
        if out == "a":
            self.parts.append(f'<a href="{html.escape(href, quote=True)}">')
            self.in_link = True
        elif out:
            self.parts.append(f"<{out}>")
        separate = _tag(element) in BLOCK_TAGS
        if separate:
            self.parts.append(" ")
        self.children(element, skip=skip)
        if separate:
            self.parts.append(" ")
        if out:
            self.parts.append(f"</{out}>")
            if out == "a":
                self.in_link = False

    def children(self, element: etree._Element, *, skip: frozenset[str]) -> None:
        self.text(element.text)
        for child in element:
            self.element(child, skip=skip)
            self.text(child.tail)


_EMPTY_PAIR = re.compile(r"<(em|strong|code|sub|sup)>(\s*)</\1>")
_EDGE_BREAKS = re.compile(r"^(?:\s|<br>)+|(?:\s|<br>)+$")


def tidy(markup: str) -> str:
    """Drop empty formatting pairs and breaks or spaces at the ends; collapse spaces."""
    previous = None
    while previous != markup:
        previous = markup
        markup = _EMPTY_PAIR.sub(r"\2", markup)
    markup = re.sub(r" {2,}", " ", markup)
    return _EDGE_BREAKS.sub("", markup)


def inline_html(element: etree._Element, base_url: str, *,
                skip: frozenset[str] = SKIPPED_TAGS) -> str:
    """The content of ``element`` (not the element itself) as clean inline HTML."""
    writer = _Writer(base_url)
    writer.children(element, skip=skip)
    return tidy("".join(writer.parts))


def inline_fragment(markup: str, base_url: str) -> str:
    """Re-parse an inline HTML string and clean it again (e.g. after cutting it)."""
    if not markup.strip():
        return ""
    wrapper = lxml_html.fragment_fromstring(markup, create_parent="div")
    return inline_html(wrapper, base_url)


_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def plain_text(markup: str) -> str:
    """The text of an inline HTML string: tags dropped (``<br>`` is a space), entities decoded."""
    return normalize_space(html.unescape(_TAG.sub("", _BREAK.sub(" ", markup))))

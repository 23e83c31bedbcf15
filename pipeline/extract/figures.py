"""Figures in the original page: the image, its caption and the credit kept apart.

A credit is the attribution of the image, recognised either by markup (an element whose
class names contain ``credit``, ``copyright``, ``byline``, ...) or by wording at the end of
the caption (``© Jane Doe / Reuters``, ``Photo: X``, ``Credit: X``, ``(Foto: X)``,
``Photo by X``). Label words such as "Photo:" are removed from the credit, so the composer
can put a label in the target language; a ``©`` sign is part of the notation and stays.
"""

from __future__ import annotations

import html
import re
from copy import deepcopy
from dataclasses import dataclass

from lxml import etree

from pipeline.document import Block
from pipeline.extract.inline import (
    inline_fragment,
    inline_html,
    normalize_space,
    plain_text,
    resolve_url,
)

_CREDIT_CLASS = re.compile(r"credit|copyright|byline|photographer|attribution|photo-?source",
                           re.IGNORECASE)
_CAPTION_CLASS = re.compile(r"caption", re.IGNORECASE)
_LABEL = (r"(?:photo(?:graph)?s?|pictures?|images?|credits?|fotos?|fotografie|bild(?:er)?"
          r"|illustrations?|source|quelle|foto ?credit)")
# "Photo: X", "Credit - X", "Photo by X", "(Foto: X)" at the end of a caption.
_LABELLED = re.compile(rf"(?:^|(?<=[\s.;,|(\[]))\(?\[?\s*{_LABEL}\s*(?::|\bby\b|–|—)\s*"
                       rf"(?P<who>[^()\[\]]{{1,100}}?)\s*[)\]]?\s*\.?\s*$", re.IGNORECASE)
# "© X", "(c) X", "Copyright X" at the end of a caption.
_COPYRIGHT = re.compile(r"(?:^|(?<=[\s.;,|(\[]))\(?\[?\s*(?P<sign>©|\(c\)|copyright\b)\s*"
                        r"(?P<who>[^()\[\]]{1,100}?)\s*[)\]]?\s*\.?\s*$", re.IGNORECASE)
_LEADING_LABEL = re.compile(rf"^\s*{_LABEL}\s*(?::|\bby\b|–|—)\s*", re.IGNORECASE)

_IMAGE_SOURCES = ("src", "data-src", "data-original", "data-lazy-src", "data-url",
                  "data-hi-res-src")
_TINY = 48  # pixels: tracking pixels, icons and spacers are not figures


@dataclass(frozen=True)
class CaptionParts:
    caption: str  # inline HTML
    credit: str  # plain text


def _classes(element: etree._Element) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''} {element.get('itemprop') or ''}"


def _clean_credit(text: str) -> str:
    text = normalize_space(text).strip("()[] ")
    text = _LEADING_LABEL.sub("", text)
    # Screen-reader labels glued to the name: "CreditCreditJane Doe/EPA".
    text = re.sub(r"^(?:(?:credits?|photo|foto|image)(?=[A-Z\s:]))+\s*:?\s*", "", text,
                  flags=re.IGNORECASE)
    return normalize_space(text).rstrip(".")


def split_credit(caption_html: str, base_url: str) -> CaptionParts:
    """Cut a trailing credit off an inline HTML caption."""
    text = plain_text(caption_html)
    for pattern in (_COPYRIGHT, _LABELLED):
        match = pattern.search(text)
        if not match:
            continue
        who = normalize_space(match.group("who"))
        if not who or len(who.split()) > 12:
            continue
        credit = f"© {who}" if pattern is _COPYRIGHT else who
        if pattern is _COPYRIGHT and match.group("sign").lower() == "copyright":
            credit = f"Copyright {who}"
        cut = cut_trailing_text(caption_html, text[match.start():])
        return CaptionParts(inline_fragment(cut, base_url), _clean_credit(credit))
    return CaptionParts(caption_html, "")


def cut_trailing_text(markup: str, tail_text: str) -> str:
    """``markup`` without the text ``tail_text`` at its end (tags inside it dropped too)."""
    tail = re.sub(r"\s+", "", tail_text)
    i, j = len(markup), len(tail)
    # Walk backwards over the markup, skipping tags and whitespace, until the tail is used up.
    while j > 0 and i > 0:
        char = markup[i - 1]
        if char == ">":
            i = markup.rfind("<", 0, i - 1)
            if i < 0:
                return markup
            continue
        if char.isspace():
            i -= 1
            continue
        if markup[i - 1] == ";" and "&" in markup[max(0, i - 8):i]:
            start = markup.rfind("&", 0, i)
            if html.unescape(markup[start:i]) == tail[j - 1]:
                i, j = start, j - 1
                continue
        if char != tail[j - 1]:
            return markup
        i, j = i - 1, j - 1
    return markup[:i]


def caption_parts(container: etree._Element, base_url: str) -> CaptionParts:
    """Caption and credit of a figure-like element (``figure`` or a wrapper of an image)."""
    credits = []
    caption_element = None
    for element in container.iter():
        if not isinstance(element.tag, str) or element is container:
            continue
        if element.tag == "figcaption" or (caption_element is None
                                           and _CAPTION_CLASS.search(_classes(element))):
            caption_element = caption_element if caption_element is not None else element
        if _CREDIT_CLASS.search(_classes(element)) and not any(
                element in c.iterancestors() for c in credits):
            credits.append(element)
    credit_texts = [normalize_space(c.text_content()) for c in credits]
    caption = ""
    if caption_element is not None:
        caption = _caption_without(caption_element, credits, base_url)
    credit = " / ".join(_clean_credit(t) for t in credit_texts if t)
    if not credit:
        return split_credit(caption, base_url)
    return CaptionParts(caption, credit)


def _caption_without(caption_element: etree._Element, credits: list[etree._Element],
                     base_url: str) -> str:
    if caption_element in credits:
        return ""
    copy = deepcopy(caption_element)
    for element in list(copy.iter()):
        if isinstance(element.tag, str) and _CREDIT_CLASS.search(_classes(element)):
            parent = element.getparent()
            if parent is None:
                continue
            tail = element.tail
            previous = element.getprevious()
            if tail:
                if previous is not None:
                    previous.tail = (previous.tail or "") + tail
                else:
                    parent.text = (parent.text or "") + tail
            parent.remove(element)
    return inline_html(copy, base_url)


def image_url(img: etree._Element, base_url: str) -> str:
    """Absolute URL of an ``img`` (lazy-loading attributes and ``srcset`` included)."""
    for name in _IMAGE_SOURCES:
        value = (img.get(name) or "").strip()
        if value and not value.startswith("data:"):
            url = resolve_url(value, base_url)
            if url:
                return url
    for name in ("srcset", "data-srcset"):
        for candidate in _srcset(img.get(name) or ""):
            url = resolve_url(candidate, base_url)
            if url:
                return url
    return ""


def _srcset(value: str) -> list[str]:
    """The URLs of a ``srcset``, widest first. Candidates are separated by a comma and
    whitespace: a URL may hold commas itself (``c_fill,w_80/a.jpg 80w``)."""
    candidates = []
    for part in re.split(r",\s+", value.strip()):
        words = part.strip().rstrip(",").split()
        if not words or words[0].startswith("data:"):
            continue
        url, descriptor = words[0], words[1:]
        if url.startswith("data:"):
            continue
        width = descriptor[0][:-1] if descriptor and descriptor[0][-1:] in "wx" else ""
        candidates.append((float(width) if width.replace(".", "", 1).isdigit() else 0.0, url))
    return [url for _, url in sorted(candidates, key=lambda c: -c[0])]


_STYLE_SIZE = re.compile(r"(?:^|;)\s*(?:max-)?(?:width|height)\s*:\s*(\d+)px", re.IGNORECASE)
_STYLE_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def is_tiny(img: etree._Element) -> bool:
    """True for images declared smaller than a figure could be (tracking pixels, icons,
    spacers), by attribute or inline style, and for images hidden from readers."""
    for name in ("width", "height"):
        value = (img.get(name) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) < _TINY:
            return True
    style = img.get("style") or ""
    if any(int(size) < _TINY for size in _STYLE_SIZE.findall(style)):
        return True
    return bool(_STYLE_HIDDEN.search(style)) or img.get("hidden") is not None


def figure_container(img: etree._Element) -> etree._Element | None:
    """The ``figure`` (or caption-bearing wrapper) around ``img``, if there is one."""
    for depth, ancestor in enumerate(img.iterancestors()):
        if ancestor.tag == "figure":
            return ancestor
        if depth >= 3 or ancestor.tag in ("article", "main", "body", "section"):
            break
        if any(isinstance(e.tag, str) and (e.tag == "figcaption"
                                           or _CAPTION_CLASS.search(_classes(e)))
               for e in ancestor.iter()) and len(ancestor.xpath(".//img")) == 1:
            return ancestor
    return None


def figure_block(img: etree._Element, base_url: str, src: str = "", alt: str = "") -> Block:
    """A figure block for ``img`` with caption and credit from its surroundings."""
    container = figure_container(img)
    parts = caption_parts(container, base_url) if container is not None else CaptionParts("", "")
    return Block(kind="figure", src=src or image_url(img, base_url),
                 alt=normalize_space(alt or img.get("alt") or ""),
                 caption=parts.caption, credit=parts.credit)

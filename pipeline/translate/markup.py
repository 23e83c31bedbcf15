"""Inline markup as numbered placeholders, so engines translate text and keep structure.

``<a href="https://e.org/x">the report</a> says <code>rm -rf</code>`` becomes
``<x1>the report</x1> says <x2/>``. Paired tags become ``<xN>…</xN>``; void tags (``<br>``)
and things that must not be translated at all (``<code>`` with its content, bare URLs)
become ``<xN/>``. Why this scheme: the tags carry no attributes, so URLs never leave the
machine; they are short, so they cost few characters; they are well-formed XML/HTML, so
HTML-aware engines (DeepL, Microsoft, LibreTranslate, Apertium) treat them as markup and
plain-text engines (Google's web page, MyMemory) usually copy them verbatim; and they are
numbered, so an engine may reorder them (adjectives move) and decoding still finds each one.
Decoding checks that every placeholder comes back exactly once and properly nested.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser

VOID_TAGS = {"br", "wbr", "img", "hr"}
MASKED_TAGS = {"code", "kbd", "samp", "pre", "script", "style"}
_URL = re.compile(r"""(?:https?://|www\.)[^\s<>"']+""", re.I)
_URL_TRAILING = ".,;:!?)]}'\""
# Tolerant of what engines do to tags: spaces inside, upper case.
_PLACEHOLDER = re.compile(r"<\s*(/?)\s*x\s*(\d+)\s*(/?)\s*>", re.I)
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Encoded:
    """An inline HTML segment with its markup swapped out for placeholders."""

    text: str  # plain characters with placeholders, for plain-text engines
    markup: str  # the same with the text HTML-escaped, for HTML-aware engines
    originals: dict[int, tuple[str, str]]  # id -> (opening HTML, closing HTML); "" closes void
    void: frozenset[int]  # ids written as <xN/>
    translatable: bool  # has letters outside masked code and URLs

    def form(self, as_html: bool) -> str:
        return self.markup if as_html else self.text

    def plain(self) -> Encoded:
        """This segment without its paired tags: the fallback when placeholders get lost.

        Void placeholders (line breaks, code, URLs) stay, so masked content is still kept out.
        """
        keep = self.void

        def strip(source: str) -> str:
            out = _PLACEHOLDER.sub(lambda m: m.group(0) if int(m.group(2)) in keep else "", source)
            return _WHITESPACE.sub(" ", out).strip()

        return replace(self, text=strip(self.text), markup=strip(self.markup),
                       originals={k: v for k, v in self.originals.items() if k in keep})


class _Encoder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []  # plain pieces
        self.markup: list[str] = []  # escaped pieces
        self.originals: dict[int, tuple[str, str]] = {}
        self.void: set[int] = set()
        self.open: list[tuple[str, int]] = []  # (tag, id) of open paired placeholders
        self.masked: list[str] | None = None  # raw HTML collected inside <code>
        self.masked_tag = ""
        self.masked_depth = 0
        self.letters = False

    def _placeholder(self, token: str) -> None:
        self.text.append(token)
        self.markup.append(token)

    def _new_id(self) -> int:
        return len(self.originals) + 1

    def _mask(self, original: str) -> None:
        ident = self._new_id()
        self.originals[ident] = (original, "")
        self.void.add(ident)
        self._placeholder(f"<x{ident}/>")

    def handle_starttag(self, tag: str, attrs) -> None:
        raw = self.get_starttag_text() or f"<{tag}>"
        if self.masked is not None:
            self.masked.append(raw)
            self.masked_depth += tag == self.masked_tag
            return
        if tag in MASKED_TAGS:
            self.masked, self.masked_tag, self.masked_depth = [raw], tag, 1
        elif tag in VOID_TAGS:
            self._mask(raw)
        else:
            ident = self._new_id()
            self.originals[ident] = (raw, f"</{tag}>")
            self.open.append((tag, ident))
            self._placeholder(f"<x{ident}>")

    def handle_startendtag(self, tag: str, attrs) -> None:
        raw = self.get_starttag_text() or f"<{tag}/>"
        if self.masked is not None:
            self.masked.append(raw)
        else:
            self._mask(raw)

    def handle_endtag(self, tag: str) -> None:
        if self.masked is not None:
            self.masked.append(f"</{tag}>")
            if tag == self.masked_tag:
                self.masked_depth -= 1
                if self.masked_depth == 0:
                    original, self.masked = "".join(self.masked), None
                    self._mask(original)
            return
        if tag in VOID_TAGS or not any(name == tag for name, _ in self.open):
            return  # a stray end tag: nothing to restore
        while self.open:
            name, ident = self.open.pop()
            self._placeholder(f"</x{ident}>")
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.masked is not None:
            self.masked.append(html.escape(data, quote=False))
            return
        data = _WHITESPACE.sub(" ", data)
        position = 0
        for match in _URL.finditer(data):
            url = match.group(0).rstrip(_URL_TRAILING)
            self._text(data[position:match.start()])
            self._mask(html.escape(url, quote=False))
            position = match.start() + len(url)
        self._text(data[position:])

    def _text(self, piece: str) -> None:
        if piece:
            self.letters = self.letters or any(ch.isalpha() for ch in piece)
            self.text.append(piece)
            self.markup.append(html.escape(piece, quote=False))

    def finish(self) -> Encoded:
        self.close()
        if self.masked is not None:  # unclosed <code>: mask what there is
            original, self.masked = "".join(self.masked), None
            self._mask(original + f"</{self.masked_tag}>")
        while self.open:
            self._placeholder(f"</x{self.open.pop()[1]}>")
        text = _WHITESPACE.sub(" ", "".join(self.text)).strip()
        markup = _WHITESPACE.sub(" ", "".join(self.markup)).strip()
        return Encoded(text, markup, self.originals, frozenset(self.void), self.letters)


def encode(inline_html: str) -> Encoded:
    """Swap the inline markup of ``inline_html`` for numbered placeholders."""
    encoder = _Encoder()
    encoder.feed(inline_html)
    return encoder.finish()


def decode(translated: str, encoded: Encoded, *, is_html: bool = False) -> str | None:
    """Put the original tags back into ``translated``; None if placeholders were lost,
    duplicated or unbalanced. ``is_html``: the engine answered HTML (text is escaped)."""
    pieces: list[str] = []
    seen: set[int] = set()
    stack: list[int] = []
    position = 0
    for match in _PLACEHOLDER.finditer(translated):
        pieces.append(_escape(translated[position:match.start()], is_html))
        position = match.end()
        closing, ident, self_closing = match.group(1), int(match.group(2)), match.group(3)
        if ident not in encoded.originals:
            return None
        opening, closing_html = encoded.originals[ident]
        if ident in encoded.void:
            # HTML engines may spell <x2/> as <x2> or <x2></x2>: one opening, stray closings.
            if closing:
                if ident not in seen:
                    return None
                continue
            if ident in seen:
                return None
            seen.add(ident)
            pieces.append(opening)
        elif closing:
            if not stack or stack[-1] != ident:
                return None
            stack.pop()
            pieces.append(closing_html)
        else:
            if self_closing or ident in seen:
                return None
            seen.add(ident)
            stack.append(ident)
            pieces.append(opening)
    pieces.append(_escape(translated[position:], is_html))
    if stack or seen != set(encoded.originals):
        return None
    return "".join(pieces).strip()


def _escape(text: str, is_html: bool) -> str:
    if is_html:
        text = html.unescape(text)
    return html.escape(text, quote=False)



def strip_placeholders(translated: str, *, is_html: bool = False) -> str:
    """The text of ``translated`` with every placeholder removed, as escaped HTML."""
    text = " ".join(_PLACEHOLDER.sub(" ", translated).split())
    return _escape(text, is_html)


def placeholder_form(translated: str, *, is_html: bool = False) -> str:
    """An engine's answer in the form the memory stores: text HTML-escaped, placeholders
    spelled ``<xN>``, ``</xN>``, ``<xN/>``. ``decode(..., is_html=True)`` reads it back."""
    pieces: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(translated):
        pieces.append(_escape(translated[position:match.start()], is_html))
        pieces.append(f"<{match.group(1)}x{match.group(2)}{match.group(3)}>")
        position = match.end()
    pieces.append(_escape(translated[position:], is_html))
    return _WHITESPACE.sub(" ", "".join(pieces)).strip()

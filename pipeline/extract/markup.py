"""Inline markup of a block taken back from the page, around trafilatura's own text.

trafilatura decides which text is the article; asked for links and formatting as well, it
loses text on the way (spaces between adjacent inline elements, paragraphs split at a link,
a whole link with its tail). So its plain extraction is taken as the text, and the links and
emphasis are found again in the page: the block's text is located in the page's text, the
page elements over that stretch are walked, and their inline tags are put around the very
characters of trafilatura's text. Whitespace and line breaks are trafilatura's; only tags
come from the page. When the text is not one contiguous stretch of the page (trafilatura
dropped a part of it, or reordered it), the block keeps trafilatura's text without markup:
markup is never worth a lost word.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

from lxml import etree

from pipeline.extract.body import Candidate
from pipeline.extract.inline import SKIPPED_TAGS, inline_tag, resolve_url, tidy
from pipeline.extract.locate import TextIndex, squeeze

_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
# A text not found whole is restored in stretches of at least this many characters (shorter
# ones match anywhere), and in at most this many (each costs a few searches of the page).
_MIN_PIECE = 24
_MAX_PIECES = 40


def target_text(markup: str) -> str:
    """The text of trafilatura's inline markup, a line break for each ``<br>``."""
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", markup)))


class PageMarkup:
    """Puts the page's inline markup back on texts found in it (see the module docstring)."""

    def __init__(self, index: TextIndex, base_url: str) -> None:
        self.index = index
        self.base_url = base_url

    def find(self, text: str, after: int) -> int:
        """Offset where all of ``text`` (whitespace aside) stands in the page, or -1."""
        key = squeeze(text)
        if not key:
            return -1
        page = self.index.text
        start = page.find(key, after)
        if start < 0 and after:
            start = page.find(key)
        return start

    def restore(self, markup: str, after: int) -> tuple[str, int]:
        """``markup`` (trafilatura's) with the page's links and emphasis, and where it
        ends in the page; ``(markup, -1)`` unchanged when none of its text is found."""
        text = target_text(markup)
        start = self.find(text, after)
        if start >= 0:
            end = start + len(squeeze(text))
            rendered = self._render(start, end, text)
            if rendered is not None:
                return rendered, end
        return self._restore_pieces(markup, text, after)

    def _restore_pieces(self, markup: str, text: str, after: int) -> tuple[str, int]:
        """Markup for the longest stretches of ``text`` that stand in the page one after the
        other: trafilatura left something out in the middle (a byline in a table cell)."""
        offsets = [i for i, char in enumerate(text) if not char.isspace()]
        squeezed = "".join(text[i] for i in offsets)
        page = self.index.text
        out: list[str] = []
        done, cursor, pieces, found_any = 0, after, 0, False
        while done < len(squeezed):
            length = 0
            if pieces < _MAX_PIECES:
                pieces += 1
                length = self._longest_prefix(squeezed, done, cursor)
            first = offsets[done]
            gap = text[offsets[done - 1] + 1:first] if done else ""
            if length >= _MIN_PIECE:
                start = page.find(squeezed[done:done + length], cursor)
                piece = text[first:offsets[done + length - 1] + 1]
                rendered = self._render(start, start + length, piece)
                if rendered is not None:
                    out += [_spaced(gap), rendered]
                    done, cursor, found_any = done + length, start + length, True
                    continue
            # No markup for this stretch: up to the next space (or all that is left).
            stop = len(squeezed) if pieces >= _MAX_PIECES else done + max(length, 1)
            space = text.find(" ", offsets[stop - 1])
            while stop < len(squeezed) and space >= 0 and offsets[stop] < space:
                stop += 1
            out += [_spaced(gap), _spaced(html.escape(text[first:offsets[stop - 1] + 1],
                                                      quote=False))]
            done = stop
        if not found_any:
            return markup, -1
        return tidy("".join(out)), cursor

    def _longest_prefix(self, squeezed: str, done: int, cursor: int) -> int:
        """Length of the longest prefix of ``squeezed[done:]`` found at or after ``cursor``."""
        page = self.index.text
        low, high = 0, len(squeezed) - done
        while low < high:
            middle = (low + high + 1) // 2
            if page.find(squeezed[done:done + middle], cursor) >= 0:
                low = middle
            else:
                high = middle - 1
        return low

    def _scope(self, start: int, end: int) -> etree._Element | None:
        element = self.index.owner(start)
        while element is not None and not (
                self.index.start.get(element, end) <= start
                and self.index.end.get(element, -1) >= end):
            element = element.getparent()
        return element

    def _render(self, start: int, end: int, text: str) -> str | None:
        scope = self._scope(start, end)
        if scope is None:
            return None
        events: list[tuple[str, str, str]] = []
        _Walker(self.index, self.base_url, start, end, events).walk(scope)
        return _merge(events, text)


class _Walker:
    """Walks page elements in the order of :class:`TextIndex`, recording the inline tags
    and the non-space characters that fall within ``[start, end)`` of the page's text."""

    def __init__(self, index: TextIndex, base_url: str, start: int, end: int,
                 events: list[tuple[str, str, str]]) -> None:
        self.index, self.base_url = index, base_url
        self.start, self.end = start, end
        self.events = events
        self.position = 0
        self.in_link = False

    def walk(self, scope: etree._Element) -> None:
        self.position = self.index.start[scope]
        self._element(scope)

    def _text(self, value: str | None) -> None:
        piece = squeeze(value or "")
        if not piece:
            return
        begin, end = self.position, self.position + len(piece)
        if begin < self.end and end > self.start:
            self.events.append(("text", piece[max(0, self.start - begin):self.end - begin], ""))
        self.position = end

    def _element(self, element: etree._Element) -> None:
        if not isinstance(element.tag, str):
            return
        if element.tag in SKIPPED_TAGS or element not in self.index.start:
            self.position = self.index.end.get(element, self.position)
            return
        if self.index.end[element] <= self.start or self.index.start[element] >= self.end:
            self.position = self.index.end[element]  # nothing of it is in the range
            return
        opened = self._open(element)
        self._text(element.text)
        for child in element:
            self._element(child)
            self._text(child.tail)
        if opened:
            self.events.append(("close", "", ""))
            if opened == "a":
                self.in_link = False

    def _open(self, element: etree._Element) -> str:
        out = inline_tag(element)
        if out in ("", "br"):  # breaks are trafilatura's, from its text
            return ""
        if out == "a":
            href = "" if self.in_link else resolve_url(element.get("href"), self.base_url)
            if not href:
                return ""
            self.in_link = True
            self.events.append(("open", f'<a href="{html.escape(href, quote=True)}">', "</a>"))
        else:
            self.events.append(("open", f"<{out}>", f"</{out}>"))
        return out


_SPACES = re.compile(r"\s+")


def _spaced(text: str) -> str:
    """Whitespace of trafilatura's text as markup: a line break as ``<br>``, else a space."""
    return _SPACES.sub(lambda m: "<br>" if "\n" in m.group() else " ", text)


def _merge(events: list[tuple[str, str, str]], text: str) -> str | None:
    """trafilatura's ``text`` with the page's tags between its characters, or None when the
    characters differ. A tag is opened only in front of a character it holds."""
    # Offsets in ``text`` of its non-space characters: page pieces are matched on these.
    offsets = [i for i, char in enumerate(text) if not char.isspace()]
    squeezed = "".join(text[i] for i in offsets)
    out: list[str] = []
    stack: list[list] = []  # [open tag, close tag, written]
    done = 0  # characters of ``squeezed`` matched so far
    for kind, value, closing in events:
        if kind == "open":
            stack.append([value, closing, False])
        elif kind == "close":
            if stack:
                _opening, closing_tag, written = stack.pop()
                if written:
                    out.append(closing_tag)
        else:
            if squeezed[done:done + len(value)] != value:
                return None
            first, last = offsets[done], offsets[done + len(value) - 1]
            gap = text[offsets[done - 1] + 1:first] if done else ""
            out.append(_spaced(gap))
            for entry in stack:
                if not entry[2]:
                    out.append(entry[0])
                    entry[2] = True
            out.append(_spaced(html.escape(text[first:last + 1], quote=False)))
            done += len(value)
    if done != len(squeezed):
        return None
    for _opening, closing_tag, written in reversed(stack):
        if written:
            out.append(closing_tag)
    return tidy("".join(out))


def restore_markup(candidates: list[Candidate], page: PageMarkup) -> None:
    """Every text segment of ``candidates`` with the page's inline markup, in reading order."""
    after = 0
    for candidate in candidates:
        block = candidate.block
        if block.kind in ("heading", "paragraph", "quote"):
            markup, end = page.restore(block.html, after)
            after = end if end >= 0 else after
            candidate.block = replace(block, html=markup)
        elif block.kind == "list":
            items = []
            for item in block.items:
                markup, end = page.restore(item, after)
                after = end if end >= 0 else after
                items.append(markup)
            candidate.block = replace(block, items=tuple(items))
        elif block.kind == "table":
            rows = []
            for row in block.rows:
                cells = []
                for cell in row:
                    markup, end = page.restore(cell, after) if cell else (cell, -1)
                    after = end if end >= 0 else after
                    cells.append(markup)
                rows.append(tuple(cells))
            candidate.block = replace(block, rows=tuple(rows))

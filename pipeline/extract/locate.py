"""Where a piece of extracted text sits in the original page.

trafilatura returns text without pointers back into the page; to attach captions, quote
sources and figures it dropped, each block is found again in the page's text. Whitespace is
removed on both sides so differences in spacing never prevent a match; the position of an
element is the offset of its first character in that whitespace-free text.
"""

from __future__ import annotations

import bisect
import re

from lxml import etree

from pipeline.extract.inline import SKIPPED_TAGS, visible

_WHITESPACE = re.compile(r"\s+")
KEY_LENGTH = 48


def squeeze(text: str) -> str:
    """``text`` without whitespace and invisible characters (soft hyphens, zero-width
    spaces; see :func:`visible`): the form in which texts are compared."""
    return _WHITESPACE.sub("", visible(text or ""))





class TextIndex:
    """The page's text in reading order, with a way back to the element holding each part."""

    def __init__(self, root: etree._Element) -> None:
        self.start: dict[etree._Element, int] = {}
        self.end: dict[etree._Element, int] = {}
        pieces: list[str] = []
        self._offsets: list[int] = []
        self._owners: list[etree._Element] = []
        length = 0
        skipping: etree._Element | None = None
        for event, element in etree.iterwalk(root, events=("start", "end")):
            if not isinstance(element.tag, str):
                # Comments and processing instructions: only their tail is page text.
                parent = element.getparent()
                if event == "end" and skipping is None and parent is not None:
                    length = self._add(pieces, element.tail, parent, length)
                continue
            if event == "start":
                self.start[element] = length
                if skipping is None and element.tag in SKIPPED_TAGS:
                    skipping = element
                if skipping is None:
                    length = self._add(pieces, element.text, element, length)
            else:
                self.end[element] = length
                if skipping is element:
                    skipping = None
                parent = element.getparent()
                if skipping is None and parent is not None:
                    length = self._add(pieces, element.tail, parent, length)
        self.text = "".join(pieces)

    def _add(self, pieces: list[str], text: str | None, owner: etree._Element,
             length: int) -> int:
        piece = squeeze(text or "")
        if piece:
            pieces.append(piece)
            self._offsets.append(length)
            self._owners.append(owner)
            length += len(piece)
        return length

    def find(self, text: str, after: int = 0) -> int:
        """Offset of ``text`` (its first characters) at or after ``after``, or -1."""
        key = squeeze(text)[:KEY_LENGTH]
        if not key:
            return -1
        found = self.text.find(key, after)
        if found < 0 and after:
            found = self.text.find(key)
        return found

    def owner(self, offset: int) -> etree._Element | None:
        """The element whose own text (or a child's tail) holds ``offset``."""
        i = bisect.bisect_right(self._offsets, offset) - 1
        return self._owners[i] if i >= 0 else None

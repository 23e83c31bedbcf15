"""Gallery chrome: what an image carousel puts around its pictures that is not the article.

A gallery brings its buttons and counters ("less", "... more", "Previous", "2 of 12") and
repeats each caption beside the picture, as a paragraph or a list item, for its thumbnail
strip or for screen readers. trafilatura keeps some of that as text. Figures are wanted,
one per image with one caption and one credit (see ``figures.py``); the rest is dropped here.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline.document import Block
from pipeline.extract.inline import plain_text
from pipeline.extract.locate import squeeze

_CONTROL = (r"(?:show\s+)?(?:less|more)|read\s+more|previous|prev|next|close|open|expand"
            r"|collapse|enlarge|zoom(?:\s+in|\s+out)?|full\s*screen|view\s+gallery"
            r"|\d+\s*(?:of|/|von|de|sur|van|di|из)\s*\d+")
# A text made only of gallery controls and counters, with arrows and dots between them.
CONTROLS = re.compile(rf"^(?:[\s.…·•|<>‹›«»←→\-–—:()]*(?:{_CONTROL})(?![\w]))+[\s.…·•|<>‹›«»←→\-–—:()]*$",
                      re.IGNORECASE)


def is_controls(text: str) -> bool:
    """True for a text that is only carousel controls (``less``, ``... more``, ``2 of 5``)."""
    return bool(text.strip()) and CONTROLS.match(text) is not None


def _caption_keys(blocks: list[Block]) -> set[str]:
    keys = set()
    for block in blocks:
        if block.kind == "figure":
            caption = squeeze(plain_text(block.caption)).lower()
            credit = squeeze(block.credit).lower()
            keys |= {k for k in (caption, credit, caption + credit) if k}
    return keys


def without_gallery_chrome(blocks: list[Block]) -> list[Block]:
    """``blocks`` without control texts and without paragraphs or list items that only repeat
    the caption or credit of a figure of the article."""
    captions = _caption_keys(blocks)

    def chrome(markup: str) -> bool:
        text = plain_text(markup)
        return is_controls(text) or squeeze(text).lower() in captions

    result: list[Block] = []
    for block in blocks:
        if block.kind == "paragraph" and chrome(block.html):
            continue
        if block.kind == "list":
            items = tuple(item for item in block.items if not chrome(item))
            if not items:
                continue
            block = replace(block, items=items) if items != block.items else block
        result.append(block)
    return result

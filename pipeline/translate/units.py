"""The segments of an article as they are sent: the title and each block's translatable
pieces, glossary terms masked and inline markup encoded as placeholders.

Its own module so the provider chain can name a :class:`Unit` without importing the
translator that drives it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.document import PLAIN_KEYS, TITLE_INDEX, ExtractedArticle
from pipeline.translate.glossary import Masked, Term, mask_terms
from pipeline.translate.markup import Encoded, encode


@dataclass(eq=False)
class Unit:
    """One segment of the article as it is sent: glossary-masked, markup encoded."""

    block_index: int
    key: str
    source: str  # as stored: inline HTML, or plain text for title/alt/cite
    is_plain: bool
    masked: Masked  # glossary terms swapped for <gN/>
    encoded: Encoded  # the masked HTML with markup as placeholders
    unmasked: Encoded  # without glossary masking: how reviewer translations are keyed


def collect_units(article: ExtractedArticle, glossary: Sequence[Term] = ()) -> list[Unit]:
    """The title and every translatable block segment, in reading order."""
    units: list[Unit] = []
    terms = list(glossary)

    def add(index: int, key: str, value: str) -> None:
        is_plain = key in PLAIN_KEYS
        source_html = html.escape(value, quote=False) if is_plain else value
        masked = mask_terms(source_html, terms)
        encoded = encode(masked.text)
        unmasked = encode(source_html) if masked.replacements else encoded
        units.append(Unit(index, key, value, is_plain, masked, encoded, unmasked))

    if article.title.strip():
        add(TITLE_INDEX, "title", article.title)
    for index, block in enumerate(article.blocks):
        for key, value in block.segments():
            add(index, key, value)
    return units

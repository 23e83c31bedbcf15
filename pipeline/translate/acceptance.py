"""Which provider answers may be used as translations at all."""

from __future__ import annotations

import html
import re

from pipeline.translate.markup import strip_placeholders

_WORD = re.compile(r"[^\W\d_]+")
# What providers put in place of a translation when a quota is used up (with HTTP 200).
QUOTA_MARKS = ("MYMEMORY WARNING", "YOU USED ALL AVAILABLE FREE TRANSLATIONS",
               "QUOTA EXCEEDED", "DAILY LIMIT EXCEEDED")


def _plain(text: str) -> str:
    return " ".join(html.unescape(strip_placeholders(text, is_html=True)).split())


def unacceptable(source: str, translation: str) -> str | None:
    """Why ``translation`` of ``source`` (both in placeholder form) must not be used or stored.

    "empty": nothing came back for a text with letters; "quota": a provider's quota warning
    stands where the translation should be; "echo": the source came back unchanged although
    it is prose (names and figures may rightly stay as they are). None: acceptable.
    """
    source_text, translated_text = _plain(source), _plain(translation)
    if not translated_text:
        return "empty" if any(ch.isalpha() for ch in source_text) else None
    upper, source_upper = translated_text.upper(), source_text.upper()
    if any(mark in upper and mark not in source_upper for mark in QUOTA_MARKS):
        return "quota"
    if translated_text == source_text and _is_prose(source_text):
        return "echo"
    return None


def _is_prose(text: str) -> bool:
    return sum(1 for word in _WORD.findall(text) if word[0].islower()) >= 2

"""Reviewer checks: warnings that point a reviewer at risky blocks of a translated draft.

Each check compares one source block with its translation. The rules are tuned to stay quiet
on faithful human translations (measured by ``bench/checks_false_alarms.py``) while still
catching a changed number, a dropped link or a block left in the source language.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal, Sequence

import lxml.html
from lxml import etree

from pipeline import language_id
from pipeline.checks.engine_marks import marked_words, split_codes
from pipeline.checks.numbers import extract_numbers, spelled_values, unmatched_numbers
from pipeline.document import TITLE_INDEX, Block
from pipeline.extract.inline import plain_text
from pipeline.languages import primary_subtag
from pipeline.translate.glossary import Term, find_terms

CheckKind = Literal["numbers", "links", "placeholders", "untranslated", "length", "glossary",
                    "protected", "block_language", "extraction_loss", "unknown_word"]

# Length ratio (translated / source characters) that a faithful translation stays inside.
DEFAULT_LENGTH_BAND = (0.5, 2.0)
_COMPACT_SCRIPTS = {"zh", "ja", "ko"}  # a character carries far more than in Latin script
LENGTH_CHECK_MIN_CHARS = 40
# Below these, a block is a name, a figure or a slogan that may rightly stay as it is.
UNTRANSLATED_MIN_LETTERS = 20
LANGID_MIN_LETTERS = 40
LANGID_MIN_PROBABILITY = 0.99

_LETTER = re.compile(r"[^\W\d_]")
_WORDS = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)]*\s+(?=[\"'“‘«(¿¡]*[A-ZÀ-Þ0-9])")


@dataclass(frozen=True)
class Check:
    """One warning for the reviewer: what is wrong, in which block (0-based index)."""

    kind: CheckKind
    block: int
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "block": self.block, "message": self.message}


def check_article(
    source_blocks: Sequence[Block],
    translated_blocks: Sequence[Block],
    source_lang: str,
    target_lang: str,
    glossary_terms: Sequence[Term] | None = None,
    lost_placeholders: Sequence[int] | set[int] = (),
) -> list[Check]:
    """The checks of every block pair; ``lost_placeholders`` are the indices the translator flagged."""
    if len(source_blocks) != len(translated_blocks):
        raise ValueError(
            f"{len(source_blocks)} source blocks but {len(translated_blocks)} translated blocks"
        )
    lost = set(lost_placeholders)
    checks: list[Check] = []
    for index, (source, translated) in enumerate(zip(source_blocks, translated_blocks)):
        checks.extend(check_block(index, source, translated, source_lang, target_lang,
                                  glossary_terms, index in lost))
    return checks


def check_block(
    index: int,
    source: Block,
    translated: Block,
    source_lang: str,
    target_lang: str,
    glossary_terms: Sequence[Term] | None = None,
    lost_placeholders: bool = False,
) -> list[Check]:
    """The reviewer warnings for one block and its translation."""
    source_html = [text for _, text in source.segments()]
    translated_html = [text for _, text in translated.segments()]
    source_text = " ".join(plain_text(h) for h in source_html)
    translated_text = " ".join(plain_text(h) for h in translated_html)

    messages: list[tuple[CheckKind, str]] = []
    messages += _numbers(source_text, translated_text, source_lang, target_lang)
    messages += _engine_traces(source_text, translated_text)
    messages += _links(source_html, translated_html)
    if lost_placeholders:
        messages.append(("placeholders", "inline markup (links, emphasis) lost in translation"))
    messages += _untranslated(source_text, translated_text, source_lang, target_lang)
    messages += _length(source_text, translated_text, source_lang, target_lang)
    messages += _glossary(source_text, translated_text, glossary_terms or ())
    return [Check(kind, index, message) for kind, message in messages]


def _numbers(source: str, translated: str, source_lang: str,
             target_lang: str) -> list[tuple[CheckKind, str]]:
    missing, extra = unmatched_numbers(extract_numbers(source), extract_numbers(translated))
    if missing:
        spelled = spelled_values(translated, target_lang)
        missing = [t for t in missing if not (t.values & spelled)]
    if extra:
        spelled = spelled_values(source, source_lang)
        extra = [t for t in extra if not (t.values & spelled)]
    return ([("numbers", f"number {t.text} missing in translation") for t in missing]
            + [("numbers", f"number {t.text} in translation is not in the source")
               for t in extra])


def _engine_traces(source: str, translated: str) -> list[tuple[CheckKind, str]]:
    return ([("numbers", f"number {old} written as {new!r} in translation")
             for old, new in split_codes(source, translated)]
            + [("unknown_word", f"{word} is marked as unknown by the translation engine")
               for word in marked_words(source, translated)])


def check_title(source_title: str, translated_title: str, source_lang: str,
                target_lang: str) -> list[Check]:
    """Warnings for the translated title (block -1): numbers and engine traces only."""
    source, translated = plain_text(source_title), plain_text(translated_title)
    messages = _numbers(source, translated, source_lang, target_lang)
    messages += _engine_traces(source, translated)
    return [Check(kind, TITLE_INDEX, f"title: {message}") for kind, message in messages]


def links(inline_html: str) -> list[str]:
    """The ``href`` of every ``<a>`` in inline HTML, in order."""
    if "<a" not in inline_html.lower():
        return []
    try:
        root = lxml.html.fragment_fromstring(inline_html, create_parent="div")
    except etree.ParserError:
        return []
    return [(a.get("href") or "").strip() for a in root.iter("a") if a.get("href")]


def _links(source_html: list[str], translated_html: list[str]) -> list[tuple[CheckKind, str]]:
    source = Counter(href for h in source_html for href in links(h))
    translated = Counter(href for h in translated_html for href in links(h))
    lost, added = source - translated, translated - source
    return ([("links", f"link {href} lost in translation") for href in lost.elements()]
            + [("links", f"link {href} in translation is not in the source")
               for href in added.elements()])


def _untranslated(source: str, translated: str, source_lang: str,
                  target_lang: str) -> list[tuple[CheckKind, str]]:
    source_lang, target_lang = primary_subtag(source_lang), primary_subtag(target_lang)
    if source_lang == target_lang or not _is_prose(translated):
        return []
    if translated.casefold() == source.casefold() and _letters(source) >= UNTRANSLATED_MIN_LETTERS:
        return [("untranslated", "translation is identical to the source")]
    # Sentence by sentence, so a block translated only in part is caught too.
    folded_source = source.casefold()
    for sentence in _SENTENCE_END.split(translated):
        if not _is_prose(sentence) or _letters(sentence) < UNTRANSLATED_MIN_LETTERS:
            continue
        left = (sentence.casefold() in folded_source
                or (_letters(sentence) >= LANGID_MIN_LETTERS
                    and _in_source_language(sentence, source_lang, target_lang)))
        if left:
            return [("untranslated", f"sentence left in the source language: {_quote(sentence)}")]
    return []


def _quote(text: str, limit: int = 60) -> str:
    return f"\"{text[:limit]}{'...' if len(text) > limit else ''}\""


def _is_prose(text: str) -> bool:
    """False for a run of names ("Angela Merkel, Emmanuel Macron"): nothing to translate."""
    words = _WORDS.findall(text)
    return sum(1 for w in words if w[0].islower()) >= 2


def _letters(text: str) -> int:
    return len(_LETTER.findall(text))


def _in_source_language(text: str, source_lang: str, target_lang: str) -> str | None:
    """``source_lang`` when the identifier is sure the text is in it rather than the target."""
    if not language_id.known(source_lang):
        return None
    ranked = language_id.ranked(text)
    best = max(ranked, key=ranked.__getitem__)
    if best != source_lang or ranked[best] < LANGID_MIN_PROBABILITY:
        return None
    # A target the model does not know cannot be told apart; say nothing then.
    if not language_id.known(target_lang):
        return None
    return source_lang


def length_band(source_lang: str, target_lang: str) -> tuple[float, float]:
    """Tolerated range of translated/source character ratio for a language pair."""
    source, target = primary_subtag(source_lang), primary_subtag(target_lang)
    if target in _COMPACT_SCRIPTS and source not in _COMPACT_SCRIPTS:
        return (0.15, 1.0)
    if source in _COMPACT_SCRIPTS and target not in _COMPACT_SCRIPTS:
        return (1.0, 6.0)
    return DEFAULT_LENGTH_BAND


def _length(source: str, translated: str, source_lang: str,
            target_lang: str) -> list[tuple[CheckKind, str]]:
    if len(source) <= LENGTH_CHECK_MIN_CHARS or not translated:
        return []
    low, high = length_band(source_lang, target_lang)
    ratio = len(translated) / len(source)
    if low <= ratio <= high:
        return []
    which = "shorter" if ratio < low else "longer"
    return [("length", f"translation is {ratio:.2f} times the source length, "
                       f"{which} than the expected {low:g}-{high:g}")]


def _glossary(source: str, translated: str,
              terms: Sequence[Term]) -> list[tuple[CheckKind, str]]:
    if not terms:
        return []
    messages: list[tuple[CheckKind, str]] = []
    reported: set[str] = set()
    for start, end, term in find_terms(source, list(terms)):
        surface = source[start:end]
        if term.protected:
            if surface in reported or _contains_verbatim(translated, surface):
                continue
            reported.add(surface)
            messages.append(("protected", f"protected term {surface!r} changed or missing "
                                          "in translation"))
        elif term.source not in reported and not term_in(translated, term.target):
            reported.add(term.source)
            messages.append(("glossary", f"glossary term {term.source!r} should be translated "
                                         f"as {term.target!r}"))
    return messages


def term_in(text: str, phrase: str) -> bool:
    """Whether ``phrase`` occurs in ``text``, case-insensitively on word boundaries."""
    return bool(find_terms(text, [Term(phrase, phrase)]))


def _contains_verbatim(text: str, surface: str) -> bool:
    words = [re.escape(word) for word in surface.split()]
    return re.search(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", text) is not None

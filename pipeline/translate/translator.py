"""Translate an extracted article segment by segment through a chain of providers.

Steps: collect the title and every block segment; skip what needs no call (same language,
nothing translatable); keep what the previous revision already has for unchanged segments;
mask glossary terms and encode inline markup as placeholders; take what the translation
memory holds; send each remaining distinct text once, cut to the provider's limits and
packed into few requests, after reserving its characters from the budget; restore markup
and glossary terms, and where the engine lost placeholders translate that segment's plain
text instead and say so. A provider that rate-limits or keeps failing is paused and the
next provider of the chain takes over the segments still untranslated.

The chain, the budget reservations and the memory writes live in
:mod:`pipeline.translate.chain`.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.document import TITLE_INDEX, Block, ExtractedArticle
from pipeline.errors import ProviderError
from pipeline.languages import primary_subtag
from pipeline.translate.acceptance import unacceptable
from pipeline.translate.base import Provider
from pipeline.translate.chain import (
    Ledger,
    PendingText,
    ProviderChain,
    Recalled,
)
from pipeline.translate.context import ArticleContext
from pipeline.translate.glossary import Masked, Term
from pipeline.translate.markup import decode, strip_placeholders
from pipeline.translate.units import Unit, collect_units
from pipeline.vocabulary import SegmentOrigin

_GLOSSARY_PLACEHOLDER = re.compile(r"<\s*(g\d+)\s*/?\s*>(?:\s*<\s*/\s*\1\s*>)?", re.I)

__all__ = ["Ledger", "Recalled", "SegmentTranslation", "TranslationResult", "Unit", "collect_units",
           "translate_article"]


@dataclass(frozen=True)
class SegmentTranslation:
    """One translated piece: where it lives, what it was, what it became and how."""

    block_index: int  # -1 for the title
    key: str  # Block.segments() key, "title" for the title
    source: str
    translation: str
    provider: str
    origin: SegmentOrigin
    # Why providers before ``provider`` in the chain handed this segment on ("" if none did).
    fallback_reason: str = ""


@dataclass
class TranslationResult:
    title: str
    blocks: list[Block]
    segments: list[SegmentTranslation]
    requests: int
    chars_sent: int
    provider: str
    chars_by_provider: dict[str, int] = field(default_factory=dict)

    @property
    def plain_fallbacks(self) -> list[SegmentTranslation]:
        return [s for s in self.segments if s.origin == SegmentOrigin.plain]


def translate_article(article: ExtractedArticle, target: str,
                      providers: Provider | Sequence[Provider], source: str | None = None, *,
                      ledger: Ledger | None = None, glossary: Sequence[Term] = (),
                      previous: Sequence[SegmentTranslation] = (),
                      transient_retries: int = 1) -> TranslationResult:
    """Translate the title and body of ``article`` into ``target``.

    ``providers`` is one provider or a fallback chain. ``previous``: the segments of the
    draft's last revision; a segment whose source is unchanged keeps its translation
    (reviewer edits included) and costs nothing.
    """
    chain = [providers] if isinstance(providers, Provider) else list(providers)
    if not chain:
        raise ProviderError("no translation provider configured")
    ledger = ledger or Ledger()
    source = source or article.source_lang or "auto"
    before = {id(p): (p.requests_made, p.chars_sent) for p in chain}
    units = collect_units(article, glossary)
    same_language = source != "auto" and primary_subtag(source) == primary_subtag(target)

    done: dict[int, tuple[str, str, str]] = {}  # id(unit) -> (translation, provider, origin)
    at_place = {(s.block_index, s.key, s.source): s for s in previous}
    by_text = {(s.key, s.source): s for s in previous}
    todo: list[Unit] = []
    for unit in units:
        if same_language or not unit.encoded.translatable:
            continue
        old = at_place.get((unit.block_index, unit.key, unit.source)) or by_text.get(
            (unit.key, unit.source))
        if old is not None and old.origin != SegmentOrigin.same:
            done[id(unit)] = (old.translation, old.provider, old.origin)
        else:
            todo.append(unit)

    recalled = ledger.recall(todo, chain, source, target) if todo else {}
    jobs: dict[str, PendingText] = {}
    for unit in todo:
        hit = recalled.get(id(unit))
        value = _restore_recalled(unit, hit) if hit else None
        if value is not None:
            done[id(unit)] = (value, hit.provider, hit.origin)
        else:
            jobs.setdefault(unit.encoded.markup, PendingText(unit.encoded)).units.append(unit)

    context = article_context(article, units, glossary)
    ProviderChain(chain, ledger, source, target, transient_retries, context).run(
        list(jobs.values()))
    notes: dict[int, str] = {}
    for job in jobs.values():
        for unit in job.units:
            notes[id(unit)] = "; ".join(job.notes)
        if job.translation is None:
            continue  # every provider refused its answer: left as it is, checks flag it
        for unit in job.units:
            done[id(unit)] = (_restore(unit, job.translation, job.origin == SegmentOrigin.plain),
                              job.provider, job.origin)

    segments: list[SegmentTranslation] = []
    per_block: dict[int, dict[str, str]] = {}
    title = article.title
    for unit in units:
        translation, provider, origin = done.get(
            id(unit), (unit.source, chain[0].name, SegmentOrigin.same))
        segments.append(SegmentTranslation(unit.block_index, unit.key, unit.source,
                                           translation, provider, origin,
                                           notes.get(id(unit), "")))
        if unit.block_index == TITLE_INDEX:
            title = translation
        else:
            per_block.setdefault(unit.block_index, {})[unit.key] = translation
    blocks = [block.with_segments(per_block[i]) if i in per_block else block
              for i, block in enumerate(article.blocks)]
    chars = {p.name: p.chars_sent - before[id(p)][1] for p in chain}
    return TranslationResult(
        title, blocks, segments,
        requests=sum(p.requests_made - before[id(p)][0] for p in chain),
        chars_sent=sum(chars.values()),
        provider=_main_provider(segments, chain),
        chars_by_provider={name: n for name, n in chars.items() if n},
    )


def _main_provider(segments: list[SegmentTranslation], chain: list[Provider]) -> str:
    """The label (see Provider.label) of the provider that translated most segments."""
    labels = {p.name: p.label for p in chain}
    counts = Counter(s.provider for s in segments
                     if s.provider in labels and s.origin != SegmentOrigin.same)
    return labels[counts.most_common(1)[0][0]] if counts else chain[0].label


def article_context(article: ExtractedArticle, units: list[Unit],
                    glossary: Sequence[Term] = ()) -> ArticleContext:
    """The title, each segment's preceding text and the glossary, for providers that read
    context (a language model); keyed by the segment's text as it is sent."""
    preceding: dict[str, str] = {}
    before = ""
    for unit in units:
        if unit.block_index == TITLE_INDEX:
            continue
        if before:
            preceding.setdefault(unit.encoded.markup, before)
        before = html.unescape(strip_placeholders(unit.encoded.text))[:600]
    return ArticleContext(article.title, preceding,
                          tuple((term.source, term.target) for term in glossary))


def _put_terms(text: str, masked: Masked) -> str:
    """Glossary placeholders back to their terms; tolerant of a lost or stray one."""
    if not masked.replacements:
        return text
    return _GLOSSARY_PLACEHOLDER.sub(
        lambda m: masked.replacements.get(m.group(1).lower(), ""), text)


def _finish(unit: Unit, inline_html: str) -> str:
    return html.unescape(inline_html) if unit.is_plain else inline_html


def _restore(unit: Unit, translation: str, plain: bool) -> str:
    """A job's translation (placeholder form) as this unit's HTML, markup and terms put back."""
    if plain:
        restored = decode(translation, unit.encoded.plain(), is_html=True)
        if restored is None:
            restored = strip_placeholders(translation, is_html=True)
    else:
        restored = decode(translation, unit.encoded, is_html=True) or ""
    return _finish(unit, _put_terms(restored, unit.masked))


def _restore_recalled(unit: Unit, hit: Recalled) -> str | None:
    if hit.origin == SegmentOrigin.human:
        restored = decode(hit.translation, unit.unmasked, is_html=True)
        return None if restored is None else _finish(unit, restored)
    if unacceptable(unit.encoded.markup, hit.translation):
        return None
    restored = decode(hit.translation, unit.encoded, is_html=True)
    return None if restored is None else _finish(unit, _put_terms(restored, unit.masked))



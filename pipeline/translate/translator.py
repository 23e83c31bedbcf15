"""Translate an extracted article segment by segment through one provider.

Steps: collect the title and every block segment; skip what needs no call (same language,
nothing translatable); encode inline markup as placeholders; send each distinct text once,
cut to the provider's limits and packed into few requests; restore the markup, and where
the engine lost placeholders translate that segment's plain text instead and say so.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from pipeline.document import Block, ExtractedArticle
from pipeline.translate.base import Provider, primary_subtag
from pipeline.translate.markup import Encoded, decode, encode, strip_placeholders
from pipeline.translate.packing import pack, split_text

TITLE_INDEX = -1
# Segments whose field holds plain text rather than inline HTML.
_PLAIN_KEYS = {"alt", "cite"}

MACHINE, PLAIN, SAME = "machine", "plain", "same"


@dataclass(frozen=True)
class SegmentTranslation:
    """One translated piece: where it lives, what it was, what it became and how."""

    block_index: int  # -1 for the title
    key: str  # Block.segments() key, "title" for the title
    source: str
    translation: str
    provider: str
    origin: str  # "machine", "plain" (markup lost, plain text translated) or "same" (no call)


@dataclass
class TranslationResult:
    title: str
    blocks: list[Block]
    segments: list[SegmentTranslation]
    requests: int
    chars_sent: int
    provider: str

    @property
    def plain_fallbacks(self) -> list[SegmentTranslation]:
        return [s for s in self.segments if s.origin == PLAIN]


@dataclass
class _Unit:
    block_index: int
    key: str
    source: str  # as stored: inline HTML, or plain text for title/alt/cite
    encoded: Encoded
    is_plain: bool


@dataclass
class _Job:
    """One distinct text to translate and what came back for it."""

    encoded: Encoded
    translation: str | None = None
    origin: str = MACHINE
    units: list[_Unit] = field(default_factory=list)


def translate_article(article: ExtractedArticle, target: str, provider: Provider,
                      source: str | None = None) -> TranslationResult:
    """Translate the title and body of ``article`` into ``target`` with ``provider``."""
    source = source or article.source_lang or "auto"
    requests_before, chars_before = provider.requests_made, provider.chars_sent
    units = _collect(article)
    same_language = source != "auto" and primary_subtag(source) == primary_subtag(target)

    as_html = provider.supports_markup
    jobs: dict[str, _Job] = {}
    for unit in units:
        if same_language or not unit.encoded.translatable:
            continue
        text = unit.encoded.form(as_html)
        jobs.setdefault(text, _Job(unit.encoded)).units.append(unit)

    _run(list(jobs.values()), provider, source, target, as_html, plain=False)
    lost = [job for job in jobs.values() if job.translation is None]
    for job in lost:
        job.encoded, job.origin = job.encoded.plain(), PLAIN
    _run(lost, provider, source, target, as_html, plain=True)

    done: dict[int, tuple[str, str]] = {}  # id(unit) -> (translation, origin)
    for job in jobs.values():
        for unit in job.units:
            value = job.translation or ""
            done[id(unit)] = (html.unescape(value) if unit.is_plain else value, job.origin)

    segments: list[SegmentTranslation] = []
    per_block: dict[int, dict[str, str]] = {}
    title = article.title
    for unit in units:
        translation, origin = done.get(id(unit), (unit.source, SAME))
        segments.append(SegmentTranslation(unit.block_index, unit.key, unit.source,
                                           translation, provider.name, origin))
        if unit.block_index == TITLE_INDEX:
            title = translation
        else:
            per_block.setdefault(unit.block_index, {})[unit.key] = translation
    blocks = [block.with_segments(per_block[i]) if i in per_block else block
              for i, block in enumerate(article.blocks)]
    return TranslationResult(title, blocks, segments,
                             provider.requests_made - requests_before,
                             provider.chars_sent - chars_before, provider.name)


def _collect(article: ExtractedArticle) -> list[_Unit]:
    units: list[_Unit] = []
    if article.title.strip():
        units.append(_Unit(TITLE_INDEX, "title", article.title,
                           encode(html.escape(article.title, quote=False)), True))
    for index, block in enumerate(article.blocks):
        for key, value in block.segments():
            is_plain = key in _PLAIN_KEYS
            source_html = html.escape(value, quote=False) if is_plain else value
            units.append(_Unit(index, key, value, encode(source_html), is_plain))
    return units


def _run(jobs: list[_Job], provider: Provider, source: str, target: str, as_html: bool,
         plain: bool) -> None:
    """Translate ``jobs`` in packs; set each job's decoded translation (None when lost).

    On the plain pass a translation that still lost its placeholders keeps the text and
    drops the tags: the segment is marked "plain" and the reviewer checks flag it.
    """
    if not jobs:
        return
    limit = provider.max_chars - provider.overhead_per_segment
    pieces: list[str] = []
    owner: list[int] = []
    for number, job in enumerate(jobs):
        for piece in split_text(job.encoded.form(as_html), limit):
            pieces.append(piece)
            owner.append(number)
    translated = [""] * len(pieces)
    for group in pack([len(p) for p in pieces], provider.max_chars, provider.max_segments,
                      provider.overhead_per_segment):
        results = provider.translate_texts([pieces[i] for i in group.indexes], source, target)
        for i, result in zip(group.indexes, results):
            translated[i] = result
    joined: dict[int, list[str]] = {}
    for i, result in enumerate(translated):
        joined.setdefault(owner[i], []).append(result.strip())
    for number, job in enumerate(jobs):
        text = " ".join(joined[number])
        job.translation = decode(text, job.encoded, is_html=as_html)
        if job.translation is None and plain:
            job.translation = strip_placeholders(text, is_html=as_html)


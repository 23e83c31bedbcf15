"""Translate an extracted article segment by segment through a chain of providers.

Steps: collect the title and every block segment; skip what needs no call (same language,
nothing translatable); keep what the previous revision already has for unchanged segments;
mask glossary terms and encode inline markup as placeholders; take what the translation
memory holds; send each remaining distinct text once, cut to the provider's limits and
packed into few requests, after reserving its characters from the budget; restore markup
and glossary terms, and where the engine lost placeholders translate that segment's plain
text instead and say so. A provider that rate-limits or keeps failing is paused and the
next provider of the chain takes over the segments still untranslated.

Storage (memory, budget, cool-downs) is reached through a :class:`Ledger`; the base class
keeps nothing, ``pipeline.translation.DatabaseLedger`` keeps it all in the database.
"""

from __future__ import annotations

import html
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from pipeline.document import Block, ExtractedArticle
from pipeline.errors import (
    BudgetExceeded,
    PipelineError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from pipeline.glossary import Masked, Term, mask_terms
from pipeline.translate.acceptance import unacceptable
from pipeline.translate.base import QUOTA_EXCEEDED, Provider, primary_subtag
from pipeline.translate.markup import (
    Encoded,
    decode,
    encode,
    placeholder_form,
    strip_placeholders,
)
from pipeline.translate.packing import pack, split_text

TITLE_INDEX = -1
# Segments whose field holds plain text rather than inline HTML.
_PLAIN_KEYS = {"alt", "cite"}
_GLOSSARY_PLACEHOLDER = re.compile(r"<\s*(g\d+)\s*/?\s*>(?:\s*<\s*/\s*\1\s*>)?", re.I)

MACHINE, PLAIN, SAME, MEMORY, HUMAN = "machine", "plain", "same", "memory", "human"
# Cool-downs when the provider gives no Retry-After (seconds).
RATE_LIMITED_PAUSE = 60.0
QUOTA_PAUSE = 3600.0
FAILING_PAUSE = 30.0


@dataclass(frozen=True)
class SegmentTranslation:
    """One translated piece: where it lives, what it was, what it became and how."""

    block_index: int  # -1 for the title
    key: str  # Block.segments() key, "title" for the title
    source: str
    translation: str
    provider: str
    # "machine", "memory", "human", "plain" (markup lost, plain text translated),
    # "same" (no call, or every provider's answer was refused)
    origin: str


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
        return [s for s in self.segments if s.origin == PLAIN]


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


@dataclass(frozen=True)
class Recalled:
    """A translation found in the memory, in placeholder form."""

    translation: str
    provider: str
    origin: str  # "memory" or "human"


class Ledger:
    """What translation asks of storage. This one remembers nothing and limits nothing."""

    def recall(self, units: list[Unit], chain: Sequence[Provider], source: str,
               target: str) -> dict[int, Recalled]:
        """Memory hits by ``id(unit)``."""
        return {}

    def remember(self, provider: Provider, source: str, target: str,
                 entries: list[tuple[str, str]]) -> None:
        """Store accepted machine translations: (text, translation), placeholder form."""

    def reserve(self, provider: str, chars: int) -> None:
        """Count characters before they are sent; raise BudgetExceeded past the budget."""

    def release(self, provider: str, chars: int) -> None:
        """Give back reserved characters that were not sent."""

    def paused(self, provider: str) -> tuple[datetime, str] | None:
        """Until when and why ``provider`` is cooling down, or None."""
        return None

    def pause(self, provider: str, seconds: float, reason: str) -> datetime:
        """Cool ``provider`` down for ``seconds``; return until when."""
        return datetime.now(timezone.utc) + timedelta(seconds=seconds)


@dataclass(eq=False)
class _Job:
    """One distinct text to translate and what came back for it."""

    encoded: Encoded
    units: list[Unit] = field(default_factory=list)
    translation: str | None = None  # placeholder form
    provider: str = ""
    origin: str = MACHINE
    lost: bool = False  # the engine lost placeholders: try the plain text
    refused: bool = False  # the last provider's answer was unacceptable (echo, empty)


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
        if old is not None and old.origin != SAME:
            done[id(unit)] = (old.translation, old.provider, old.origin)
        else:
            todo.append(unit)

    recalled = ledger.recall(todo, chain, source, target) if todo else {}
    jobs: dict[str, _Job] = {}
    for unit in todo:
        hit = recalled.get(id(unit))
        value = _restore_recalled(unit, hit) if hit else None
        if value is not None:
            done[id(unit)] = (value, hit.provider, hit.origin)
        else:
            jobs.setdefault(unit.encoded.markup, _Job(unit.encoded)).units.append(unit)

    _Chain(chain, ledger, source, target, transient_retries).run(list(jobs.values()))
    for job in jobs.values():
        if job.translation is None:
            continue  # every provider refused its answer: left as it is, checks flag it
        for unit in job.units:
            done[id(unit)] = (_restore(unit, job.translation, job.origin == PLAIN),
                              job.provider, job.origin)

    segments: list[SegmentTranslation] = []
    per_block: dict[int, dict[str, str]] = {}
    title = article.title
    for unit in units:
        translation, provider, origin = done.get(id(unit), (unit.source, chain[0].name, SAME))
        segments.append(SegmentTranslation(unit.block_index, unit.key, unit.source,
                                           translation, provider, origin))
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
    names = {p.name for p in chain}
    counts = Counter(s.provider for s in segments if s.provider in names and s.origin != SAME)
    return counts.most_common(1)[0][0] if counts else chain[0].name


def collect_units(article: ExtractedArticle, glossary: Sequence[Term] = ()) -> list[Unit]:
    """The title and every translatable block segment, in reading order."""
    units: list[Unit] = []
    terms = list(glossary)

    def add(index: int, key: str, value: str, is_plain: bool) -> None:
        source_html = html.escape(value, quote=False) if is_plain else value
        masked = mask_terms(source_html, terms)
        encoded = encode(masked.text)
        unmasked = encode(source_html) if masked.replacements else encoded
        units.append(Unit(index, key, value, is_plain, masked, encoded, unmasked))

    if article.title.strip():
        add(TITLE_INDEX, "title", article.title, True)
    for index, block in enumerate(article.blocks):
        for key, value in block.segments():
            add(index, key, value, key in _PLAIN_KEYS)
    return units


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
    if hit.origin == HUMAN:
        restored = decode(hit.translation, unit.unmasked, is_html=True)
        return None if restored is None else _finish(unit, restored)
    if unacceptable(unit.encoded.markup, hit.translation):
        return None
    restored = decode(hit.translation, unit.encoded, is_html=True)
    return None if restored is None else _finish(unit, _put_terms(restored, unit.masked))


class _Chain:
    """Sends jobs through the providers in order until every job has an answer."""

    def __init__(self, chain: list[Provider], ledger: Ledger, source: str, target: str,
                 transient_retries: int) -> None:
        self.chain, self.ledger = chain, ledger
        self.source, self.target = source, target
        self.retries = transient_retries

    def run(self, jobs: list[_Job]) -> None:
        pending = jobs
        paused: list[tuple[datetime, str]] = []
        budgets: list[BudgetExceeded] = []
        refusals: list[PipelineError] = []
        for provider in self.chain:
            if not pending:
                return
            hold = self.ledger.paused(provider.name)
            if hold is not None:
                until, why = hold
                paused.append((until, f"{provider.name} paused until {until:%H:%M:%S} UTC "
                                      f"({why})"))
                continue
            try:
                self._with(provider, pending)
            except ProviderRateLimited as error:
                seconds = error.retry_after or (
                    QUOTA_PAUSE if QUOTA_EXCEEDED in error.reason else RATE_LIMITED_PAUSE)
                paused.append((self.ledger.pause(provider.name, seconds, error.reason),
                               error.reason))
            except ProviderUnavailable as error:
                paused.append((self.ledger.pause(provider.name, error.retry_after
                                                 or FAILING_PAUSE, error.reason), error.reason))
            except BudgetExceeded as error:
                budgets.append(error)
            except ProviderError as error:
                refusals.append(error)
            pending = [job for job in pending if job.translation is None]
        unfinished = [job for job in pending if not job.refused]
        if not unfinished:
            return
        if paused:
            until = min(moment for moment, _ in paused)
            wait = max(1.0, (until - datetime.now(timezone.utc)).total_seconds())
            reasons = "; ".join(reason for _, reason in paused)
            raise ProviderUnavailable(reasons if len(paused) == 1
                                      else f"every provider is unavailable: {reasons}", wait)
        if budgets:
            raise budgets[0]
        if len(refusals) == 1:
            raise refusals[0]
        raise ProviderError("every provider refused: "
                            + "; ".join(error.reason for error in refusals))

    def _with(self, provider: Provider, jobs: list[_Job]) -> None:
        for job in jobs:
            job.refused = job.lost = False
        self._send(provider, jobs, plain=False)
        lost = [job for job in jobs if job.lost]
        if lost:
            self._send(provider, lost, plain=True)

    def _send(self, provider: Provider, jobs: list[_Job], plain: bool) -> None:
        as_html = provider.supports_markup
        limit = provider.max_chars - provider.overhead_per_segment
        pieces: list[str] = []
        owner: list[int] = []
        for number, job in enumerate(jobs):
            encoded = job.encoded.plain() if plain else job.encoded
            for piece in split_text(encoded.form(as_html), limit):
                pieces.append(piece)
                owner.append(number)
        packs = pack([len(p) for p in pieces], provider.max_chars, provider.max_segments,
                     provider.overhead_per_segment)

        def cost(indexes: tuple[int, ...]) -> int:
            return sum(len(pieces[i]) + provider.overhead_per_segment for i in indexes)

        total = sum(cost(group.indexes) for group in packs)
        self.ledger.reserve(provider.name, total)
        spent = 0
        answers: dict[int, dict[int, str]] = {}
        needed = Counter(owner)
        try:
            for group in packs:
                spent += cost(group.indexes)
                results = self._call(provider, [pieces[i] for i in group.indexes])
                for i, result in zip(group.indexes, results):
                    answers.setdefault(owner[i], {})[i] = result.strip()
                accepted: list[tuple[str, str]] = []
                for number in sorted({owner[i] for i in group.indexes}):
                    if len(answers[number]) == needed[number]:
                        joined = " ".join(answers[number][i] for i in sorted(answers[number]))
                        if self._accept(provider, jobs[number], joined, as_html, plain):
                            accepted.append((jobs[number].encoded.markup,
                                             jobs[number].translation))
                if accepted:
                    # Stored pack by pack: what was paid for is kept even if a later pack fails.
                    self.ledger.remember(provider, self.source, self.target, accepted)
        finally:
            self.ledger.release(provider.name, total - spent)

    def _call(self, provider: Provider, texts: list[str]) -> list[str]:
        """One pack, retried after a short pause on a timeout or 5xx; 429 is not retried."""
        attempt = 0
        while True:
            try:
                return provider.translate_texts(texts, self.source, self.target)
            except ProviderRateLimited:
                raise
            except ProviderUnavailable as error:
                if attempt >= self.retries:
                    raise
                attempt += 1
                time.sleep(min(error.retry_after or 0.5 * attempt, 2.0))

    def _accept(self, provider: Provider, job: _Job, answer: str, as_html: bool,
                plain: bool) -> bool:
        """Take ``answer`` as the job's translation if it is usable; True when it goes
        into the memory (a full-markup machine translation)."""
        translation = placeholder_form(answer, is_html=as_html)
        sent = (job.encoded.plain() if plain else job.encoded).markup
        problem = unacceptable(sent, translation)
        if problem == "quota":
            raise ProviderRateLimited(
                f"{QUOTA_EXCEEDED} ({provider.name}: a quota warning instead of a translation)")
        if problem:
            job.refused = True
            return False
        if not plain and decode(translation, job.encoded, is_html=True) is None:
            job.lost = True
            return False
        job.translation, job.provider = translation, provider.name
        job.origin = PLAIN if plain else MACHINE
        return not plain

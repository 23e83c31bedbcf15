"""Sending texts through a chain of providers, with memory, budget and cool-downs.

Storage is reached through a :class:`Ledger`; this base class keeps nothing and limits
nothing, ``pipeline.ledger.database.DatabaseLedger`` keeps it all in the database.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from pipeline.errors import (
    BudgetExceeded,
    PipelineError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
    ProviderUnreachable,
)
from pipeline.translate.acceptance import unacceptable
from pipeline.translate.base import QUOTA_EXCEEDED, Provider
from pipeline.translate.context import ArticleContext, Refused, RequestUsage
from pipeline.translate.markup import Encoded, decode, placeholder_form
from pipeline.translate.packing import pack, split_text
from pipeline.translate.units import Unit
from pipeline.vocabulary import SegmentOrigin

# Cool-downs when the provider gives no Retry-After (seconds).
RATE_LIMITED_PAUSE = 60.0
QUOTA_PAUSE = 3600.0
FAILING_PAUSE = 30.0


@dataclass(frozen=True)
class Recalled:
    """A translation found in the memory, in placeholder form."""

    translation: str
    provider: str
    origin: SegmentOrigin  # memory or human


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

    def progress(self, provider: str, done: int, total: int) -> None:
        """Told after each answered pack: ``done`` of ``total`` texts have a translation."""

    def record_usage(self, provider: str, usage: list[RequestUsage]) -> None:
        """Count requests and the tokens their answers reported (for status and /metrics)."""


@dataclass(eq=False)
class PendingText:
    """One distinct text to translate and what came back for it."""

    encoded: Encoded
    units: list[Unit] = field(default_factory=list)
    translation: str | None = None  # placeholder form
    provider: str = ""
    origin: SegmentOrigin = SegmentOrigin.machine
    lost: bool = False  # the engine lost placeholders: try the plain text
    refused: bool = False  # the last provider's answer was unacceptable (echo, empty)
    refusal: str | None = None  # why the provider refused its own answer (see Refused)
    notes: list[str] = field(default_factory=list)  # why earlier providers handed it on


class ProviderChain:
    """Sends texts through the providers in order until every text has an answer.

    Before each provider: is it cooling down? Before each provider's requests: reserve their
    characters. A 429 or quota answer pauses the provider at once, a timeout or 5xx after a
    retry; a permanent refusal (key, language pair) just moves on. What is still untranslated
    at the end raises the most useful of those errors.
    """

    def __init__(self, chain: list[Provider], ledger: Ledger, source: str, target: str,
                 transient_retries: int, context: ArticleContext | None = None) -> None:
        self.chain, self.ledger = chain, ledger
        self.source, self.target = source, target
        self.retries = transient_retries
        self.context = context

    def run(self, jobs: list[PendingText]) -> None:
        self._all = jobs
        pending = jobs
        paused: list[tuple[datetime, str]] = []
        unreachable: list[ProviderUnreachable] = []
        budgets: list[BudgetExceeded] = []
        refusals: list[PipelineError] = []
        for provider in self.chain:
            if not pending:
                return
            hold = self.ledger.paused(provider.name)
            if hold is not None:
                until, why = hold
                # Cause first: the pause is a consequence, the person needs the why.
                paused.append((until, f"{why} ({provider.name} paused until "
                                      f"{until:%H:%M:%S} UTC)"))
                _note(pending, paused[-1][1])
                continue
            try:
                self._with(provider, pending)
            except ProviderRateLimited as error:
                seconds = error.retry_after or (
                    QUOTA_PAUSE if QUOTA_EXCEEDED in error.reason else RATE_LIMITED_PAUSE)
                paused.append((self.ledger.pause(provider.name, seconds, error.reason),
                               error.reason))
                _note(pending, error.reason)
            except ProviderUnavailable as error:
                if isinstance(error, ProviderUnreachable):
                    unreachable.append(error)
                paused.append((self.ledger.pause(provider.name, error.retry_after
                                                 or FAILING_PAUSE, error.reason), error.reason))
                _note(pending, error.reason)
            except BudgetExceeded as error:
                budgets.append(error)
                _note(pending, error.reason)
            except ProviderError as error:
                refusals.append(error)
                _note(pending, error.reason)
            pending = [job for job in pending if job.translation is None]
        unfinished = [job for job in pending if not job.refused]
        if not unfinished:
            return
        if paused:
            until = min(moment for moment, _ in paused)
            wait = max(1.0, (until - datetime.now(timezone.utc)).total_seconds())
            reasons = "; ".join(reason for _, reason in paused)
            if len(unreachable) == len(paused):
                raise ProviderUnreachable(
                    reasons if len(paused) == 1 else f"every provider is unreachable: {reasons}",
                    unreachable[0].host, all(error.fast for error in unreachable))
            raise ProviderUnavailable(reasons if len(paused) == 1
                                      else f"every provider is unavailable: {reasons}", wait)
        if budgets:
            raise budgets[0]
        if len(refusals) == 1:
            raise refusals[0]
        raise ProviderError("every provider refused: "
                            + "; ".join(error.reason for error in refusals))

    def _with(self, provider: Provider, jobs: list[PendingText]) -> None:
        for job in jobs:
            job.refused = job.lost = False
            job.refusal = None
        self._send(provider, jobs, plain=False)
        if provider.checks_answers:
            # A text the provider refused is asked once more alone, with a stricter
            # instruction; refused again, it goes to the next provider with the reason.
            again = [job for job in jobs if job.refusal is not None]
            if again:
                self._send(provider, again, plain=False, strict=True)
            for job in again:
                if job.refusal is not None and job.translation is None:
                    job.refused = True
                    job.notes.append(f"{provider.name}: {job.refusal} (also when sent alone)")
        lost = [job for job in jobs if job.lost]
        if lost:
            self._send(provider, lost, plain=True)

    def _send(self, provider: Provider, jobs: list[PendingText], plain: bool,
              strict: bool = False) -> None:
        as_html = provider.supports_markup
        limit = provider.max_chars - provider.overhead_per_segment
        pieces: list[str] = []
        owner: list[int] = []
        for number, job in enumerate(jobs):
            encoded = job.encoded.plain() if plain else job.encoded
            for piece in split_text(encoded.form(as_html), limit):
                pieces.append(piece)
                owner.append(number)
        packs = pack([len(p) for p in pieces], provider.max_chars,
                     1 if strict else provider.max_segments, provider.overhead_per_segment)

        def cost(indexes: tuple[int, ...]) -> int:
            return provider.pack_chars([pieces[i] for i in indexes], self.source, self.target,
                                       self.context, strict)

        total = sum(cost(group.indexes) for group in packs)
        self.ledger.reserve(provider.name, total)
        spent = 0
        answers: dict[int, dict[int, str]] = {}
        needed = Counter(owner)
        try:
            for group in packs:
                answered = provider.requests_made
                try:
                    results = self._call(provider, [pieces[i] for i in group.indexes], strict)
                finally:
                    # Characters count as sent only when the provider answered: a DNS
                    # failure or a refused connection sent nothing and costs nothing.
                    if provider.requests_made > answered:
                        spent += cost(group.indexes)
                for i, result in zip(group.indexes, results):
                    if isinstance(result, Refused):
                        jobs[owner[i]].refusal = result.reason
                    else:
                        answers.setdefault(owner[i], {})[i] = result.strip()
                accepted: list[tuple[str, str]] = []
                for number in sorted({owner[i] for i in group.indexes}):
                    if jobs[number].refusal is not None and not strict:
                        continue  # asked again alone by _with
                    if len(answers.get(number, {})) == needed[number]:
                        jobs[number].refusal = None
                        joined = " ".join(answers[number][i] for i in sorted(answers[number]))
                        if self._accept(provider, jobs[number], joined, as_html, plain):
                            accepted.append((jobs[number].encoded.markup,
                                             jobs[number].translation))
                if accepted:
                    # Stored pack by pack: what was paid for is kept even if a later pack fails.
                    self.ledger.remember(provider, self.source, self.target, accepted)
                everything = getattr(self, "_all", jobs)
                self.ledger.progress(provider.name,
                                     sum(job.translation is not None for job in everything),
                                     len(everything))
        finally:
            self.ledger.release(provider.name, total - spent)

    def _call(self, provider: Provider, texts: list[str],
              strict: bool = False) -> list[str | Refused]:
        """One pack, retried after a short pause on a timeout or 5xx; 429 is not retried."""
        attempt = 0
        while True:
            try:
                return provider.translate_pack(texts, self.source, self.target, self.context,
                                               strict)
            except ProviderRateLimited:
                raise
            except ProviderUnavailable as error:
                if attempt >= self.retries or getattr(error, "fast", False):
                    raise
                attempt += 1
                time.sleep(min(error.retry_after or 0.5 * attempt, 2.0))
            finally:
                usage = provider.take_usage()
                if usage:
                    self.ledger.record_usage(provider.name, usage)

    def _accept(self, provider: Provider, job: PendingText, answer: str, as_html: bool,
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
            job.notes.append(f"{provider.name}: unusable answer ({problem})")
            return False
        if not plain and decode(translation, job.encoded, is_html=True) is None:
            job.lost = True
            return False
        job.translation, job.provider = translation, provider.name
        job.origin = SegmentOrigin.plain if plain else SegmentOrigin.machine
        return not plain


def _note(jobs: list[PendingText], reason: str) -> None:
    """Record on each text still untranslated why this provider handed it on."""
    for job in jobs:
        if job.translation is None:
            job.notes.append(reason)

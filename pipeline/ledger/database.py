"""The translate stage's ledger kept in the database: memory, daily budgets and cool-downs.

:class:`pipeline.translate.chain.Ledger` is the interface the provider chain talks to and
keeps nothing; :class:`DatabaseLedger` implements it with the rows of this package, shared
by every worker, so the machinery in ``pipeline.translate`` never touches the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from pipeline.ledger import budget, cooldown, memory
from pipeline.translate import Provider
from pipeline.translate.context import RequestUsage
from pipeline.translate.translator import Ledger, Recalled, Unit
from pipeline.vocabulary import SegmentOrigin

log = logging.getLogger(__name__)


class DatabaseLedger(Ledger):
    """Memory, daily budgets and cool-downs kept in the database, shared by all workers."""

    def __init__(self, session: Session, glossary_version: str = "",
                 daily_budget: int | None = None,
                 on_progress: Callable[..., None] | None = None) -> None:
        self.session = session
        self.glossary_version = glossary_version
        self.daily_budget = daily_budget
        self.on_progress = on_progress  # Services.report, or None

    def _key(self, provider: Provider, source: str, target: str, text: str) -> str:
        return memory.segment_key(provider.name, memory.provider_fingerprint(provider),
                                  self.glossary_version, source, target, text)

    def recall(self, units: list[Unit], chain: Sequence[Provider], source: str,
               target: str) -> dict[int, Recalled]:
        wanted: dict[int, list[tuple[str, str, str]]] = {}  # unit -> (key, provider, origin)
        for unit in units:
            options = [(memory.human_key(source, target, unit.unmasked.markup), SegmentOrigin.human, SegmentOrigin.human)]
            options += [(self._key(p, source, target, unit.encoded.markup), p.name, SegmentOrigin.memory)
                        for p in chain]
            wanted[id(unit)] = options
        entries = memory.lookup(self.session, [k for o in wanted.values() for k, _, _ in o])
        hits: dict[int, Recalled] = {}
        for unit_id, options in wanted.items():
            for key, provider, origin in options:  # human first, then chain order
                if key in entries:
                    hits[unit_id] = Recalled(entries[key].translation, provider, origin)
                    break
        return hits

    def remember(self, provider: Provider, source: str, target: str,
                 entries: list[tuple[str, str]]) -> None:
        memory.remember(self.session, provider.name, memory.provider_fingerprint(provider),
                        self.glossary_version, source, target, entries)

    def reserve(self, provider: str, chars: int) -> None:
        budget.reserve(self.session, provider, chars, self.daily_budget)

    def release(self, provider: str, chars: int) -> None:
        budget.release(self.session, provider, chars)

    def record_usage(self, provider: str, usage: list[RequestUsage]) -> None:
        budget.record_requests(self.session, provider, usage)

    def paused(self, provider: str) -> tuple[datetime, str] | None:
        return cooldown.paused_until(self.session, provider)

    def progress(self, provider: str, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress("translating", done=done, total=total, provider=provider)

    def pause(self, provider: str, seconds: float, reason: str) -> datetime:
        log.warning("pausing provider %s for %.0fs: %s", provider, seconds, reason)
        return cooldown.pause(self.session, provider, seconds, reason)

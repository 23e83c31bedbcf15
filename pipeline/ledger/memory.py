"""Translation memory: every accepted segment translation, so nothing is paid for twice.

An entry is keyed by what decides a translation: the provider, a fingerprint of its settings,
the glossary version, source and target language, and the normalized segment text in its
placeholder form (inline markup as ``<xN>`` tags, text HTML-escaped). The translation is
stored in the same form, so an entry serves every segment with the same text and markup
shape, whatever the link targets. A reviewer's edit is stored with provider ``"human"``
and is preferred over any machine entry (:mod:`pipeline.drafts.edits` reads an edit into
segments; this module only stores them).

Results that are empty, echo the source, or carry a provider's quota warning instead of a
translation are never accepted (see :func:`unacceptable`).
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipeline.db.batches import batches
from pipeline.db.models import TranslationMemory, utcnow
from pipeline.db.session import insert_many_or_ignore, insert_or_ignore, own_transaction
from pipeline.translate.acceptance import unacceptable
from pipeline.vocabulary import SegmentOrigin


def normalize(text: str) -> str:
    """The form segment text is keyed by: whitespace runs collapsed, ends trimmed."""
    return " ".join(text.split())


def provider_fingerprint(provider: object) -> str:
    """A short hash of the provider settings that change its output (kind, endpoint, model).

    API keys are left out on purpose: the same engine with another key translates the same.
    """
    parts = [type(provider).__name__, getattr(provider, "name", ""),
             getattr(provider, "base_url", ""), str(getattr(provider, "supports_markup", ""))]
    # A language model's model, temperature and instructions (added only where there are
    # any, so the other providers' existing keys stay valid).
    if getattr(provider, "settings_fingerprint", ""):
        parts.append(provider.settings_fingerprint)
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:16]


def segment_key(provider: str, fingerprint: str, glossary_version: str, source_lang: str,
                target_lang: str, text: str) -> str:
    """The memory key of one segment text (in placeholder form)."""
    payload = json.dumps([provider, fingerprint, glossary_version, source_lang.lower(),
                          target_lang.lower(), normalize(text)], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def lookup(session: Session, keys: list[str]) -> dict[str, TranslationMemory]:
    """The memory entries among ``keys``."""
    found: dict[str, TranslationMemory] = {}
    for chunk in batches(list(dict.fromkeys(keys))):
        for entry in session.scalars(select(TranslationMemory)
                                     .where(TranslationMemory.key.in_(chunk))):
            found[entry.key] = entry
    return found


def remember(session: Session, provider: str, fingerprint: str, glossary_version: str,
             source_lang: str, target_lang: str, entries: list[tuple[str, str]]) -> int:
    """Store machine translations ``(text, translation)``, placeholder form, in one
    transaction of their own; return how many were new.

    Unacceptable results (see :func:`unacceptable`) are skipped. Committed at once so a job
    that fails later still never pays for these segments again.
    """
    now = utcnow()
    rows = [{
        "key": segment_key(provider, fingerprint, glossary_version, source_lang, target_lang,
                           text),
        "provider": provider, "fingerprint": fingerprint, "glossary_version": glossary_version,
        "source_lang": source_lang.lower(), "target_lang": target_lang.lower(),
        "source_text": normalize(text), "translation": normalize(translation),
        "origin": SegmentOrigin.machine, "author": "", "created_at": now, "updated_at": now,
    } for text, translation in entries if not unacceptable(text, translation)]
    rows = list({row["key"]: row for row in reversed(rows)}.values())  # first one wins
    added = 0
    with own_transaction(session) as own:
        for chunk in batches(rows):
            added += insert_many_or_ignore(own, TranslationMemory, chunk, ["key"])
    return added


def human_key(source_lang: str, target_lang: str, text: str) -> str:
    """Key of a reviewer's translation: any provider, any glossary (a person chose it)."""
    # A reviewer's edit is kept under the provider named after its origin.
    return segment_key(SegmentOrigin.human, "", "", source_lang, target_lang, text)


def remember_human(session: Session, source_lang: str, target_lang: str, source_text: str,
                   translation: str, author: str) -> None:
    """Store a reviewer's translation of one segment text (both in placeholder form), replacing
    an earlier reviewer's; in the caller's unit of work."""
    now = utcnow()
    key = human_key(source_lang, target_lang, source_text)
    values = {"translation": translation, "author": author, "updated_at": now}
    if not insert_or_ignore(session, TranslationMemory, {
            "key": key, "provider": SegmentOrigin.human, "fingerprint": "", "glossary_version": "",
            "source_lang": source_lang, "target_lang": target_lang,
            "source_text": source_text, "origin": SegmentOrigin.human, "created_at": now,
            **values}, ["key"]):
        session.execute(update(TranslationMemory).where(TranslationMemory.key == key)
                        .values(**values).execution_options(synchronize_session=False))

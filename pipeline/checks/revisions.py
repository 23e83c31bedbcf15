"""Reviewer checks that follow every revision, and the warnings a reviewer dismissed.

The translate stage checks a whole article; an edit, a title change or a re-translation
checks again only the blocks it changed (:func:`refresh`), so a number changed or a link
dropped in an edit is flagged like one the machine made. A dismissal is tied to the text of
its block (source and translation): it silences that warning until the text changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.checks.rules import check_article, check_block, check_title
from pipeline.db.models import AuditEvent, CheckDismissal, Draft, utcnow
from pipeline.db.session import insert_or_ignore
from pipeline.document import Block
from pipeline.errors import PipelineError
from pipeline.translate.glossary import Term

TITLE = -1  # the block index of the title, as in Segment.block_index
MAX_REASON = 2000


class DismissError(PipelineError):
    """The warning cannot be dismissed: no such open warning, or no reason given."""


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False)
                          .encode()).hexdigest()


def check_hash(kind: str, message: str) -> str:
    """What identifies one warning of a block: its kind and its message."""
    return _digest([kind, message])


def _segments(block: dict | None) -> list:
    return list(Block.from_dict(block).segments()) if block else []


def text_hash(draft: Draft, index: int) -> str:
    """The hash of block ``index``'s source and translation (the title for -1)."""
    if index == TITLE:
        return _digest(["title", draft.article.title, draft.title])
    source = _source_blocks(draft)
    translated = draft.blocks or []
    return _digest([_segments(source[index] if index < len(source) else None),
                    _segments(translated[index] if index < len(translated) else None)])


def _source_blocks(draft: Draft) -> list[dict]:
    return (draft.article.structure or {}).get("blocks", [])


def _dismissed(session: Session, draft: Draft) -> set[tuple[int, str, str]]:
    rows = session.execute(select(CheckDismissal.block_index, CheckDismissal.check_hash,
                                  CheckDismissal.text_hash)
                           .where(CheckDismissal.draft_id == draft.id))
    return {tuple(row) for row in rows}


def open_checks(session: Session, draft: Draft, checks: Iterable[dict]) -> list[dict]:
    """``checks`` without those dismissed for the block's current text."""
    checks = list(checks)
    if draft.id is None or not checks:
        return checks
    dismissed = _dismissed(session, draft)
    if not dismissed:
        return checks
    hashes: dict[int, str] = {}
    kept = []
    for check in checks:
        index = check.get("block")
        if isinstance(index, int):
            if index not in hashes:
                hashes[index] = text_hash(draft, index)
            if (index, check_hash(check["kind"], check["message"]), hashes[index]) in dismissed:
                continue
        kept.append(check)
    return kept


def _order(check: dict) -> int:
    index = check.get("block")
    return index if isinstance(index, int) else -2


def refresh(session: Session, draft: Draft, indices: Iterable[int],
            terms: Sequence[Term] = ()) -> list[dict]:
    """Check blocks ``indices`` (-1: the title) of the draft again; returns its open checks.

    Other blocks keep their stored warnings, including the translator's "placeholders" ones;
    a checked block's warnings are exactly what its current text raises.
    """
    indices = set(indices)
    source = _source_blocks(draft)
    translated = draft.blocks or []
    source_lang = draft.source_lang or draft.article.source_lang or ""
    fresh: list[dict] = []
    for index in sorted(indices):
        if index == TITLE:
            found = check_title(draft.article.title, draft.title, source_lang, draft.target_lang)
        elif index < len(source) and index < len(translated):
            found = check_block(index, Block.from_dict(source[index]),
                                Block.from_dict(translated[index]), source_lang,
                                draft.target_lang, terms)
        else:
            found = []
        fresh.extend(check.to_dict() for check in found)
    kept = [c for c in draft.checks or [] if not (isinstance(c, dict) and c.get("block") in indices)]
    draft.checks = sorted(kept + open_checks(session, draft, fresh), key=_order)
    return draft.checks


def article_checks(session: Session, draft: Draft | None, source_blocks: Sequence[Block],
                   translated_blocks: Sequence[Block], source_title: str, title: str,
                   source_lang: str, target_lang: str, terms: Sequence[Term] = (),
                   lost_placeholders: Iterable[int] = ()) -> list[dict]:
    """Every check of a freshly translated article, title included, minus what was dismissed.

    ``draft`` is the existing draft being re-translated (None for a new one); its dismissals
    apply when the block's text is unchanged.
    """
    checks = [c.to_dict() for c in check_title(source_title, title, source_lang, target_lang)]
    checks += [c.to_dict() for c in check_article(source_blocks, translated_blocks, source_lang,
                                                  target_lang, terms, set(lost_placeholders))]
    if draft is None or draft.id is None:
        return checks
    dismissed = _dismissed(session, draft)
    if not dismissed:
        return checks
    hashes = {TITLE: _digest(["title", source_title, title])}
    for index, (source, translated) in enumerate(zip(source_blocks, translated_blocks)):
        hashes[index] = _digest([list(source.segments()), list(translated.segments())])
    return [c for c in checks
            if (c["block"], check_hash(c["kind"], c["message"]), hashes.get(c["block"]))
            not in dismissed]


def dismiss(session: Session, draft: Draft, block: int, kind: str, message: str,
            reason: str, actor: str) -> CheckDismissal:
    """Dismiss one open warning with a reason; recorded in the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise DismissError("say why the warning is harmless")
    if len(reason) > MAX_REASON:
        raise DismissError(f"the reason is longer than {MAX_REASON} characters")
    matching = [c for c in draft.checks or [] if isinstance(c, dict) and c.get("block") == block
                and c.get("kind") == kind and c.get("message") == message]
    if not matching:
        raise DismissError(f"draft {draft.id} has no open {kind} warning on that block "
                           "(it may have changed): reload the page")
    values = {"draft_id": draft.id, "block_index": block, "kind": kind, "message": message,
              "check_hash": check_hash(kind, message), "text_hash": text_hash(draft, block),
              "reason": reason, "actor": actor, "created_at": utcnow()}
    insert_or_ignore(session, CheckDismissal, values,
                     ["draft_id", "block_index", "check_hash", "text_hash"])
    draft.checks = [c for c in draft.checks if c not in matching]
    session.add(AuditEvent(draft_id=draft.id, actor=actor, action="check_dismissed",
                           detail={"block": block, "kind": kind, "message": message,
                                   "comment": reason, "revision": draft.revision}))
    session.flush()
    return session.scalars(select(CheckDismissal).where(
        CheckDismissal.draft_id == draft.id, CheckDismissal.block_index == block,
        CheckDismissal.check_hash == values["check_hash"],
        CheckDismissal.text_hash == values["text_hash"])).one()

"""Rebasing a re-translation on reviewer edits made while it was running.

A re-translation reads the draft, waits on the providers, then stores a new revision. A
reviewer may save an edit in between. Overwriting that edit would lose work and failing the
job would lose the change upstream; instead the new translation is rebased: blocks nobody
touched since the translation started take the new translation, blocks edited since keep
the edit, and where the original of such a block changed too, the reviewer gets a
``source_changed`` check with the new original text.
"""

from __future__ import annotations

import copy
import html as html_lib
from dataclasses import dataclass, replace
from typing import Any

import nh3
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.db.models import Draft, Segment
from pipeline.document import Block, ExtractedArticle
from pipeline.drafts.compose import BlockTemplates, compose
from pipeline.drafts.store import DraftContent

TITLE = -1  # the block index of the title, as in Segment.block_index
SOURCE_CHANGED = "source_changed"


@dataclass(frozen=True)
class Start:
    """The draft as a re-translation found it: what "edited since" is measured against."""

    revision: int
    title: str
    blocks: list[dict[str, Any]]

    @classmethod
    def of(cls, draft: Draft) -> Start:
        return cls(draft.revision, draft.title, copy.deepcopy(list(draft.blocks or [])))


@dataclass
class Rebased:
    """The rebased content and the blocks whose edit it kept (-1: the title)."""

    content: DraftContent
    kept: list[int]


def edited_since(start: Start, current: Draft) -> list[int]:
    """Blocks (and -1 for the title) whose content differs between ``start`` and now."""
    now = list(current.blocks or [])
    edited = [TITLE] if current.title != start.title else []
    edited += [i for i in range(len(now)) if i >= len(start.blocks) or now[i] != start.blocks[i]]
    return edited


def rebase(session: Session, content: DraftContent, start: Start, current: Draft,
           extracted: ExtractedArticle, source_changed: list[int], target_lang: str,
           templates: BlockTemplates) -> Rebased:
    """``content`` (translated from ``start``) with the edits made to ``current`` since kept.

    ``source_changed`` lists the blocks whose original differs from the one ``start`` was
    translated from. ``current`` must be locked (see :func:`pipeline.drafts.store.lock_draft`).
    """
    blocks = list(content.blocks)
    title = content.title
    ours = {}
    for segment in session.scalars(select(Segment).where(Segment.draft_id == current.id)):
        ours.setdefault(segment.block_index, []).append(segment)
    segments = list(content.segments)
    checks = list(content.checks)
    kept: list[int] = []
    for index in edited_since(start, current):
        if index == TITLE:
            title = current.title
        elif index < len(blocks) and blocks[index].get("kind") == current.blocks[index].get("kind"):
            blocks[index] = current.blocks[index]
        else:
            continue  # the original lost or changed the kind of this block: nothing to keep
        kept.append(index)
        new_sources = {s["key"]: s["source"] for s in segments if s["block_index"] == index}
        segments = [s for s in segments if s["block_index"] != index] + [
            _segment(row, new_sources.get(row.key, row.source)) for row in ours.get(index, [])]
        # Checks of the machine translation no longer apply to the reviewer's text.
        checks = [c for c in checks if not (isinstance(c, dict) and c.get("block") == index)]
        if index in source_changed:
            checks.append(_source_changed(index, extracted))
    if not kept:
        return Rebased(content, [])
    html = compose(extracted, [Block.from_dict(b) for b in blocks], title, target_lang,
                   content.provider, templates)
    return Rebased(replace(content, title=title, blocks=blocks, html=html, segments=segments,
                           checks=checks), sorted(kept))


def _segment(row: Segment, source: str) -> dict[str, Any]:
    # The reviewer's text now stands for the new original: a later re-translation keeps it
    # unless the original changes again.
    return {"block_index": row.block_index, "key": row.key, "source": source,
            "translation": row.translation, "provider": row.provider, "origin": row.origin,
            "fallback_reason": row.fallback_reason}


def _source_changed(index: int, extracted: ExtractedArticle) -> dict[str, Any]:
    if index == TITLE:
        source = extracted.title
    else:
        block = extracted.blocks[index] if index < len(extracted.blocks) else None
        source = " ".join(text for _, text in block.segments()) if block else ""
    text = html_lib.unescape(nh3.clean(source, tags=set())).strip()
    return {"kind": SOURCE_CHANGED, "block": index,
            "message": f"the original changed after this block was edited; it now reads: {text}",
            "source": text}

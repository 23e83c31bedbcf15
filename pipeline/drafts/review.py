"""Review: edit a draft block by block, approve or reject it, and read its history.

Shared by the web app and ``transdraft drafts approve|reject``. Every change is a new
:class:`Revision` (who, when, what) and an :class:`AuditEvent`; the caller commits, so the
change and its record land together. Edited text is sanitized with the pipeline's own
sanitizer and the article is recomposed with :func:`pipeline.drafts.compose.compose`, so the header
and footer blocks stay exactly as they are exported.
"""

from __future__ import annotations

import difflib
import html as html_lib
from dataclasses import dataclass
from typing import Any, Sequence

import nh3
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.checks.revisions import refresh as refresh_checks
from pipeline.db.models import AuditEvent, Draft, Revision, Segment
from pipeline.document import PLAIN_KEYS, TITLE_INDEX, Block
from pipeline.drafts.articles import load_extracted
from pipeline.drafts.compose import BlockTemplates, compose
from pipeline.drafts.edits import remember_human_edit
from pipeline.drafts.render import render_blocks
from pipeline.drafts.sanitize import clean_inline
from pipeline.drafts.store import lock_draft, revision_meta
from pipeline.errors import PipelineError
from pipeline.translate.glossary import Term
from pipeline.vocabulary import DraftStatus, SegmentOrigin

MAX_TEXT = 100_000


class ReviewError(PipelineError):
    """The edit or decision is not valid (unknown block, empty reject comment, ...)."""


class ReviewConflict(ReviewError):
    """The draft changed meanwhile, or is already in the requested state."""


class EditConflict(ReviewConflict):
    """Someone changed the block (or the title) after the revision the edit was based on.

    Carries both texts so the reviewer can keep theirs and see the other: ``yours`` (the
    submitted fields, cleaned) and ``theirs`` (the same fields as they are now).
    """

    def __init__(self, reason: str, *, block: int | None, base_revision: int,
                 revision: int, yours: dict[str, str], theirs: dict[str, str]) -> None:
        super().__init__(reason)
        self.block = block
        self.base_revision = base_revision
        self.revision = revision
        self.yours = yours
        self.theirs = theirs

    def to_dict(self) -> dict[str, Any]:
        """The conflict as JSON (the API's 409 body carries it as ``conflict``)."""
        return {"block": self.block, "field": "title" if self.block is None else "block",
                "base_revision": self.base_revision, "revision": self.revision,
                "yours": self.yours, "theirs": self.theirs}


@dataclass
class RevisionDiff:
    """The unified diff between two revisions of a draft, line by line."""

    old: int
    new: int
    lines: list[str]


def editable_keys(block: Block) -> list[str]:
    """The segment keys of ``block`` a reviewer may set (``html``, ``items.2``, ``caption``...)."""
    keys = [key for key, _ in block.segments()]
    defaults = {"heading": ["html"], "paragraph": ["html"], "quote": ["html", "cite"],
                "figure": ["caption", "alt", "credit"]}
    for key in defaults.get(block.kind, []):
        if key not in keys:
            keys.append(key)
    if block.kind == "list":
        keys.extend(k for k in (f"items.{i}" for i in range(len(block.items))) if k not in keys)
    if block.kind == "table":
        keys.extend(k for k in (f"rows.{r}.{c}" for r, row in enumerate(block.rows)
                                for c in range(len(row))) if k not in keys)
    return keys


def _plain(text: str) -> str:
    # Tags out, entities decoded: plain fields are escaped again when rendered.
    return html_lib.unescape(nh3.clean(text, tags=set())).strip()


def _clean_value(key: str, value: str) -> str:
    if len(value) > MAX_TEXT:
        raise ReviewError(f"{key}: text longer than {MAX_TEXT} characters")
    return _plain(value) if key in PLAIN_KEYS else clean_inline(value).strip()


def _blocks(draft: Draft) -> list[Block]:
    return [Block.from_dict(data) for data in draft.blocks or []]


def _recompose(draft: Draft, blocks: list[Block], title: str, templates: BlockTemplates) -> str:
    return compose(load_extracted(draft.article), blocks, title, draft.target_lang,
                   draft.provider, templates, now=draft.created_at)


def _locked(session: Session, draft: Draft) -> Draft:
    # Re-read under the row lock: every decision below is made on the committed state.
    locked = lock_draft(session, draft.id)
    if locked is None:
        raise ReviewError(f"draft {draft.id} no longer exists")
    return locked


def _base(session: Session, draft: Draft, base_revision: int | None) -> Revision | None:
    """The revision an edit was based on, when it is not the current one."""
    if base_revision is None or base_revision == draft.revision:
        return None
    base = session.scalars(select(Revision).where(
        Revision.draft_id == draft.id, Revision.number == base_revision)).one_or_none()
    if base is None or base_revision > draft.revision:
        raise ReviewConflict(f"draft {draft.id} has no revision {base_revision} (it is at "
                             f"revision {draft.revision}): reload it and edit again")
    return base


def _check_decision_revision(draft: Draft, revision: int | None, verb: str) -> None:
    if revision is not None and revision != draft.revision:
        raise ReviewConflict(
            f"draft {draft.id} is at revision {draft.revision}, not revision {revision}: it "
            f"changed after you read it; review revision {draft.revision} and {verb} again")


def _record_change(session: Session, draft: Draft, author: str, note: str,
                   detail: dict[str, Any]) -> Revision:
    draft.revision += 1
    reopened = draft.status != DraftStatus.pending_review
    if reopened:
        # Changed content needs a fresh decision.
        draft.status = DraftStatus.pending_review
    revision = Revision(draft_id=draft.id, number=draft.revision, title=draft.title,
                        blocks=draft.blocks, html=draft.html, author=author, note=note,
                        meta=revision_meta(draft))
    session.add(revision)
    session.add(AuditEvent(draft_id=draft.id, actor=author, action="edited",
                           detail={"revision": draft.revision, **detail,
                                   **({"reopened": True} if reopened else {})}))
    session.flush()
    return revision


def edit_block(
    session: Session, draft: Draft, index: int, changes: dict[str, str], author: str,
    templates: BlockTemplates, base_revision: int | None = None, terms: Sequence[Term] = (),
    reason: str = "",
) -> Revision:
    """Set segments of block ``index`` (key -> text), recompose, check it again, and record
    a revision; ``terms`` are the glossary's terms for the draft's language, ``reason`` the
    reviewer's why, kept in the revision note.

    ``base_revision`` is the revision the reviewer edited. When the draft has moved on, the
    edit is applied on top unless a later revision changed this very block: then
    :class:`EditConflict`, with both texts.
    """
    draft = _locked(session, draft)
    base = _base(session, draft, base_revision)
    blocks = _blocks(draft)
    if not 0 <= index < len(blocks):
        raise ReviewError(f"draft {draft.id} has no block {index} (it has {len(blocks)})")
    if not changes:
        raise ReviewError("nothing to change: give the block's new text")
    block = blocks[index]
    allowed = editable_keys(block)
    unknown = [key for key in changes if key not in allowed]
    if unknown:
        raise ReviewError(f"block {index} ({block.kind}) has no field {', '.join(unknown)}; "
                          f"editable: {', '.join(allowed)}")
    cleaned = {key: _clean_value(key, str(value)) for key, value in changes.items()}
    if base is not None and _block_changed(base, draft, index):
        current = dict(block.segments())
        raise EditConflict(
            f"block {index + 1} was changed after revision {base.number} that you edited (the "
            f"draft is at revision {draft.revision}): compare your text with the current one "
            "and save again", block=index, base_revision=base.number,
            revision=draft.revision, yours=cleaned,
            theirs={key: current.get(key, "") for key in cleaned})
    blocks[index] = block.with_segments(cleaned)
    draft.blocks = [b.to_dict() for b in blocks]
    draft.html = _recompose(draft, blocks, draft.title, templates)
    refresh_checks(session, draft, [index], terms)
    for key, value in cleaned.items():
        segment = session.scalars(select(Segment).where(
            Segment.draft_id == draft.id, Segment.block_index == index, Segment.key == key)
        ).first()
        if segment is not None:
            segment.translation = value
            segment.origin = SegmentOrigin.human
    reason = _plain(reason)[:500]
    revision = _record_change(session, draft, author, f"edited block {index + 1}"
                              + (f": {reason}" if reason else ""),
                              {"block": index, "fields": sorted(cleaned)})
    # The reviewer's wording becomes the preferred translation of these segments, here and
    # in later articles, and a re-translation of this draft keeps it.
    remember_human_edit(session, draft, index, render_blocks([blocks[index]]), author)
    return revision


def edit_title(
    session: Session, draft: Draft, title: str, author: str, templates: BlockTemplates,
    base_revision: int | None = None,
) -> Revision:
    """Set the translated title (plain text), recompose, and record a revision.

    Conflicts (:class:`EditConflict`) only when a revision after ``base_revision`` changed
    the title.
    """
    draft = _locked(session, draft)
    base = _base(session, draft, base_revision)
    title = _plain(title)
    if not title:
        raise ReviewError("the title cannot be empty")
    if len(title) > 1000:
        raise ReviewError("the title is longer than 1000 characters")
    if base is not None and base.title != draft.title:
        raise EditConflict(
            f"the title was changed after revision {base.number} that you edited (the draft "
            f"is at revision {draft.revision}): compare your title with the current one and "
            "save again", block=None, base_revision=base.number, revision=draft.revision,
            yours={"title": title}, theirs={"title": draft.title})
    draft.title = title
    draft.html = _recompose(draft, _blocks(draft), title, templates)
    refresh_checks(session, draft, [-1])
    remember_human_edit(session, draft, TITLE_INDEX, html_lib.escape(title, quote=False), author)
    return _record_change(session, draft, author, "edited title", {"field": "title"})


def approve(session: Session, draft: Draft, actor: str, comment: str = "",
            revision: int | None = None) -> AuditEvent:
    """Approve the draft at ``revision`` (default: the current one) and store which.

    :class:`ReviewConflict` when the draft is at another revision (someone changed it after
    the reviewer read it) or is approved already. Publishing to the sites that want every
    approval builds on this: :func:`pipeline.publish.enqueue.approve_and_publish`.
    """
    draft = _locked(session, draft)
    _check_decision_revision(draft, revision, "approve")
    if draft.status == DraftStatus.approved:
        raise ReviewConflict(f"draft {draft.id} is already approved "
                             f"(revision {draft.approved_revision})")
    event = _decide(session, draft, DraftStatus.approved, actor, comment)
    draft.approved_revision = draft.revision
    return event


def reject(session: Session, draft: Draft, actor: str, comment: str,
           revision: int | None = None) -> AuditEvent:
    """Reject the draft at ``revision`` (default: the current one) with a comment saying why.

    A rejected draft has no approved revision: nothing of it is exported or published.
    """
    if not comment or not comment.strip():
        raise ReviewError("a rejection needs a comment saying why")
    draft = _locked(session, draft)
    _check_decision_revision(draft, revision, "reject")
    if draft.status == DraftStatus.rejected:
        raise ReviewConflict(f"draft {draft.id} is already rejected")
    event = _decide(session, draft, DraftStatus.rejected, actor, comment)
    draft.approved_revision = None
    return event


def _decide(session: Session, draft: Draft, status: DraftStatus, actor: str,
            comment: str) -> AuditEvent:
    if not actor or not actor.strip():
        raise ReviewError("a decision needs the name of who made it")
    comment = (comment or "").strip()
    if len(comment) > 10_000:
        raise ReviewError("the comment is longer than 10000 characters")
    previous = draft.status
    draft.status = status
    event = AuditEvent(draft_id=draft.id, actor=actor.strip(), action=status,
                       detail={"comment": comment, "revision": draft.revision,
                               "previous": previous})
    session.add(event)
    session.flush()
    return event


def _block_changed(base: Revision, draft: Draft, index: int) -> bool:
    # Compared by content: a later revision that left this block as it was (an edit of
    # another block, a re-translation of other paragraphs) is no conflict.
    before = base.blocks or []
    now = draft.blocks or []
    if index >= len(before) or index >= len(now):
        return True
    return before[index] != now[index]


def revisions(session: Session, draft: Draft) -> list[Revision]:
    """The draft's revisions, newest first."""
    return list(session.scalars(
        select(Revision).where(Revision.draft_id == draft.id).order_by(Revision.number.desc())))


def audit_log(session: Session, draft: Draft) -> list[AuditEvent]:
    """Everything that happened to the draft, newest first."""
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.draft_id == draft.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())))


def _revision_lines(revision: Revision) -> list[str]:
    # One line per field of each block, numbered like the UI, so a diff shows which block
    # and which field changed; the text is shown escaped, so nothing needs rendering.
    lines = [f"title: {revision.title}"]
    for number, data in enumerate(revision.blocks or [], start=1):
        block = Block.from_dict(data)
        for key, value in block.segments():
            lines.append(f"[{number}] {block.kind} {key}: {value}")
    return lines


def diff(session: Session, draft: Draft, number: int, against: int | None = None) -> RevisionDiff:
    """The diff from revision ``against`` (default: the one before) to revision ``number``."""
    by_number = {r.number: r for r in revisions(session, draft)}
    if number not in by_number:
        raise ReviewError(f"draft {draft.id} has no revision {number}")
    if against is None:
        older = [n for n in by_number if n < number]
        against = max(older) if older else None
    new = by_number[number]
    old_lines = _revision_lines(by_number[against]) if against in by_number else []
    lines = list(difflib.unified_diff(old_lines, _revision_lines(new),
                                      fromfile=f"revision {against or 0}",
                                      tofile=f"revision {number}", lineterm="", n=1))
    return RevisionDiff(old=against or 0, new=number, lines=lines)

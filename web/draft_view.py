"""What the reviewer's draft page shows, built from a draft: rows of aligned parts, warnings,
edited blocks, the team's blocks in place, a readable history, and a block's editor form.

Every piece of stored HTML goes through the pipeline's sanitizer before it is marked safe.
Lists, tables and figures are split into parts (an item, a row, a caption) so the source and
the translation line up part by part, wide or stacked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any, Sequence

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, defer, load_only

from pipeline.db.models import Draft, Revision
from pipeline.document import Block
from pipeline.drafts import review
from pipeline.drafts.compose import BlockTemplates
from pipeline.drafts.history import field_label, history
from pipeline.drafts.render import render_blocks
from pipeline.drafts.sanitize import clean_html, clean_inline
from pipeline.drafts.team_blocks import team_blocks

PARTS_CACHE = 8192  # block pairs whose views (sanitized parts) are kept between requests
HISTORY_LIMIT = 30  # revisions shown on the page; older ones are a click away in the raw diff
_LINK_START = re.compile(r"<a(?=[\s>])")


@dataclass
class Part:
    """One aligned pair: a piece of the source and the same piece of the translation."""

    source: Markup
    translation: Markup
    label: str = ""  # "item 2", "caption", ... ; "" for a whole block


@dataclass
class Field:
    """One editable field of a block, as the editor shows it."""

    key: str
    label: str
    value: str
    rich: bool  # inline HTML (rich editor) rather than plain text


@dataclass
class BlockEditor:
    """One block's editor form: its fields with the text to show and the revision it edits.

    ``conflict`` is an edit conflict shown beside the fields; ``reason`` the typed "why".
    """

    index: int
    revision: int
    fields: list[Field]
    conflict: dict | None = None
    reason: str = ""


class NoEditor(LookupError):
    """The draft has no such block, no such revision, or nothing in the block to edit."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class BlockView:
    """What the page shows of one block pair: its aligned parts, the translated block's kind
    and whether it has an editor (whose form is fetched when it is opened)."""

    parts: tuple[Part, ...]
    kind: str
    editable: bool


@dataclass
class Row:
    """One block of the page: what it shows, its warnings, whether a person edited it."""

    index: int
    view: BlockView
    checks: Sequence[dict]
    edited: bool
    source_lang: str = ""
    target_lang: str = ""


def untabbable(html: str) -> Markup:
    """Sanitized HTML whose links are out of the tab order (the source column is read, not
    followed: one draft had 1,464 of them before the first editor)."""
    return Markup(_LINK_START.sub('<a tabindex="-1"', html))


def _inline(html: str) -> str:
    return clean_inline(html)


def _whole(block: Block | None) -> str:
    if block is None:
        return ""
    try:
        return render_blocks([block])
    except (TypeError, KeyError, ValueError):
        return ""


def _list_parts(source: Block | None, translated: Block | None) -> list[tuple[str, str, str]]:
    src = list(source.items) if source else []
    dst = list(translated.items) if translated else []
    ordered = (translated or source).ordered
    parts = []
    for i in range(max(len(src), len(dst))):
        marker = f"{i + 1}." if ordered else "•"
        cell = '<span class="marker" aria-hidden="true">{}</span> {}'
        parts.append((cell.format(marker, _inline(src[i])) if i < len(src) else "",
                      cell.format(marker, _inline(dst[i])) if i < len(dst) else "",
                      f"item {i + 1}"))
    return parts


def _table_row(cells: tuple[str, ...], header: bool) -> str:
    tag = "th" if header else "td"
    return clean_html("<table><tbody><tr>" + "".join(
        f"<{tag}>{cell}</{tag}>" for cell in cells) + "</tr></tbody></table>")


def _table_parts(source: Block | None, translated: Block | None) -> list[tuple[str, str, str]]:
    src = list(source.rows) if source else []
    dst = list(translated.rows) if translated else []
    header_rows = (translated or source).header_rows
    return [(_table_row(src[r], r < header_rows) if r < len(src) else "",
             _table_row(dst[r], r < header_rows) if r < len(dst) else "", f"row {r + 1}")
            for r in range(max(len(src), len(dst)))]


def _figure_parts(source: Block | None, translated: Block | None) -> list[tuple[str, str, str]]:
    def image(block: Block | None) -> str:
        if block is None or not block.src:
            return ""
        return clean_html(f'<img src="{escape(block.src)}" alt="{escape(block.alt)}">')

    def plain(label: str, value: str) -> str:
        return f'<span class="part-label">{label}:</span> {escape(value)}' if value else ""

    parts = [(image(source), image(translated), "image"),
             (_inline(source.caption) if source else "",
              _inline(translated.caption) if translated else "", "caption"),
             (plain("Alt text", source.alt if source else ""),
              plain("Alt text", translated.alt if translated else ""), "alt text"),
             (plain("Credit", source.credit if source else ""),
              plain("Credit", translated.credit if translated else ""), "credit")]
    return [part for part in parts if part[0] or part[1]]


_SPLITTERS = {"list": _list_parts, "table": _table_parts, "figure": _figure_parts}


def block_parts(source: Block | None, translated: Block | None) -> list[Part]:
    """The aligned parts of one block pair: its items, rows or figure parts, or the whole."""
    kind = (translated or source).kind if (translated or source) else ""
    splitter = _SPLITTERS.get(kind)
    if splitter is None:
        return [Part(untabbable(_whole(source)), Markup(_whole(translated)))]
    return [Part(untabbable(s), Markup(t), label) for s, t, label in splitter(source, translated)]


@lru_cache(maxsize=PARTS_CACHE)
def _cached_view(source_json: str, translated_json: str) -> BlockView:
    # Sanitizing is most of a long draft page's server time, and a reviewer reloads the same
    # page after every save with one block changed: the view depends only on the two blocks.
    source = _from_dict(json.loads(source_json))
    translated = _from_dict(json.loads(translated_json))
    return BlockView(tuple(block_parts(source, translated)),
                     translated.kind if translated else "",
                     bool(translated and review.editable_keys(translated)))


def block_view(source: dict | None, translated: dict | None) -> BlockView:
    """The :class:`BlockView` of two stored block dicts, remembered between requests."""
    return _cached_view(json.dumps(source, sort_keys=True),
                        json.dumps(translated, sort_keys=True))


def block_fields(block: Block) -> list[Field]:
    """The block's editable fields with their current values."""
    values = dict(block.segments())
    values.setdefault("credit", block.credit)
    return [Field(key, field_label(key), values.get(key, ""), key not in review.PLAIN_KEYS)
            for key in review.editable_keys(block)]


def _from_dict(data: dict | None) -> Block | None:
    try:
        return Block.from_dict(data) if data else None
    except (TypeError, KeyError, ValueError):
        return None


def edited_blocks(audit: list[Any]) -> set[int]:
    """Indexes of blocks a person has edited, from the audit log."""
    return {event.detail.get("block") for event in audit
            if event.action == "edited" and isinstance(event.detail, dict)
            and isinstance(event.detail.get("block"), int)}


def rows(draft: Draft, edited: set[int]) -> tuple[list[Row], list[dict]]:
    """The page's rows, and the warnings of no block (-1: the title, or none at all)."""
    source_blocks = (draft.article.structure or {}).get("blocks", [])
    translated_blocks = draft.blocks or []
    checks: dict[int, list[dict]] = {}
    for check in draft.checks or []:
        if isinstance(check, dict):
            index = check.get("block")
            checks.setdefault(index if isinstance(index, int) and index >= 0 else -1,
                              []).append(check)
    source_lang = draft.source_lang or draft.article.source_lang or ""
    out = []
    # Once the views are cached, a row costs two dict lookups and a Row: no block is parsed
    # and nothing else is built per row (a 300-block page makes 300 of them per request).
    for index in range(max(len(source_blocks), len(translated_blocks))):
        view = block_view(source_blocks[index] if index < len(source_blocks) else None,
                          translated_blocks[index] if index < len(translated_blocks) else None)
        out.append(Row(index, view, checks.get(index, ()), index in edited, source_lang,
                       draft.target_lang))
    return out, checks.get(-1, [])


def _blocks_at(session: Session, draft: Draft, revision: int | None) -> list[dict]:
    if revision is None or revision == draft.revision:
        return draft.blocks or []
    found = session.scalars(select(Revision).options(load_only(Revision.blocks)).where(
        Revision.draft_id == draft.id, Revision.number == revision)).one_or_none()
    if found is None:
        raise NoEditor(f"draft {draft.id} has no revision {revision}")
    return found.blocks or []


def _editor(draft: Draft, blocks: list[dict], index: int, revision: int) -> BlockEditor:
    block = _from_dict(blocks[index]) if 0 <= index < len(blocks) else None
    fields = block_fields(block) if block else []
    if not fields:
        raise NoEditor(f"draft {draft.id} has no block {index + 1} to edit")
    return BlockEditor(index, revision, fields)


def block_editor(session: Session, draft: Draft, index: int,
                 revision: int | None = None) -> BlockEditor:
    """The editor of block ``index`` as it was in ``revision`` (the one the reviewer's page
    shows; the current one when None): saving it is then checked against that revision, so
    a block someone changed since is a conflict, not a silent overwrite."""
    return _editor(draft, _blocks_at(session, draft, revision), index,
                   revision or draft.revision)


def original_parts(draft: Draft, index: int) -> list[Markup]:
    """The source block ``index`` in its parts (items, rows, caption...), for reading beside
    an editor that has a page of its own."""
    source_blocks = (draft.article.structure or {}).get("blocks", [])
    if not 0 <= index < len(source_blocks):
        return []
    return [part.source for part in block_view(source_blocks[index], None).parts]


def reopened_editor(draft: Draft, index: int, typed: dict[str, str], reason: str = "",
                    conflict: dict | None = None) -> BlockEditor | None:
    """The editor of a block whose save failed, open again with the reviewer's text (the
    cleaned text of a conflict, else what was typed) at the draft's current revision; None
    when the draft has no such block to edit."""
    try:
        editor = _editor(draft, draft.blocks or [], index, draft.revision)
    except NoEditor:
        return None
    kept = conflict["yours"] if conflict else typed
    for each in editor.fields:
        each.value = kept.get(each.key, each.value)
    editor.conflict, editor.reason = conflict, reason
    return editor


def recent_revisions(session: Session, draft: Draft, limit: int | None = HISTORY_LIMIT
                     ) -> list[Revision]:
    """The newest ``limit`` revisions and the one before them (their base), newest first,
    without their composed HTML: hours of editing make many revisions of a long article."""
    query = (select(Revision).options(defer(Revision.html))
             .where(Revision.draft_id == draft.id).order_by(Revision.number.desc()))
    if limit is not None:
        query = query.limit(limit + 1)
    return list(session.scalars(query))


@lru_cache(maxsize=32)
def _clean_article(html: str) -> str:
    return clean_html(html)


def preview(draft: Draft) -> Markup:
    """The composed article as exported, sanitized again (rows of older versions included);
    remembered by its text, since a long article costs tens of milliseconds to clean."""
    return Markup(_clean_article(draft.html or ""))


def page_context(session: Session, draft: Draft, templates: BlockTemplates,
                 audit: list[Any], revisions: list[Any]) -> dict[str, Any]:
    """Everything the draft page needs beyond the draft itself."""
    edited = edited_blocks(audit)
    body, general = rows(draft, edited)
    team = team_blocks(templates, draft.target_lang, draft.html or "",
                       draft.block_uses or None)
    return {
        "rows": body, "general_checks": general, "edited": sorted(edited), "saved": None,
        "editor": None,
        "preview": preview(draft),
        "warning_count": len(draft.checks or []),
        "team": {position: [{"block": block, "html": Markup(clean_html(block.html))}
                            for block in blocks] for position, blocks in team.items()},
        "history": history(revisions, limit=HISTORY_LIMIT),
    }

"""A draft's history as a person reads it: per block, which words changed and which markup.

A raw diff of HTML shows ``<a href="...">`` noise; a reviewer wants "12 meses" struck through
beside "21 meses", and "link removed: https://..." said in words. Revisions are compared
block by block, field by field, newest first.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Sequence

from pipeline.checks.rules import links
from pipeline.document import Block
from pipeline.extract.inline import plain_text

TITLE = -1
_TOKENS = re.compile(r"\S+\s*|\s+")  # a word with the space after it
_EMPHASIS = {"em": "emphasis", "i": "emphasis", "strong": "bold", "b": "bold"}
_PHRASE = re.compile(r"<(em|i|strong|b)\b[^>]*>(.*?)</\1>", re.IGNORECASE | re.DOTALL)
KEEP_AROUND = 6  # unchanged words shown around a change; the rest is elided


@dataclass(frozen=True)
class Words:
    """A run of words: unchanged (``same``), ``added``, ``removed``, or ``elided`` (…)."""

    op: Literal["same", "added", "removed", "elided"]
    text: str


@dataclass
class FieldChange:
    """One changed field of a block (``html``, ``items.2``, ``caption``, ``title`` ...)."""

    key: str
    words: list[Words]
    markup: list[str]  # "link added: URL", "emphasis removed: “text”", ...

    @property
    def label(self) -> str:
        return field_label(self.key)


def field_label(key: str) -> str:
    """What a person calls a field: ``items.2`` is "Item 3", ``rows.1.0`` "Row 2, cell 1"."""
    head, _, rest = key.partition(".")
    if head == "items":
        return f"Item {int(rest) + 1}"
    if head == "rows":
        r, c = rest.split(".")
        return f"Row {int(r) + 1}, cell {int(c) + 1}"
    return {"html": "Text", "caption": "Caption", "alt": "Alt text", "credit": "Credit",
            "cite": "Quoted by", "title": "Title"}.get(key, key)


@dataclass
class BlockChange:
    """The changed fields of one block in one revision."""

    index: int  # -1: the title
    fields: list[FieldChange]


@dataclass
class RevisionChanges:
    """What one revision changed, who made it and why."""

    number: int
    author: str
    note: str
    created_at: datetime | None
    blocks: list[BlockChange] = field(default_factory=list)


def word_diff(old: str, new: str) -> list[Words]:
    """The word-level difference between two plain texts, long unchanged runs elided."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    runs: list[Words] = []
    # Words are compared without their spaces: "meses" at the end equals "meses " before.
    matcher = difflib.SequenceMatcher(None, [t.strip() for t in a], [t.strip() for t in b],
                                      autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            runs.extend(_elide("".join(a[i1:i2]), first=not runs, last=i2 == len(a)))
            continue
        if tag in ("delete", "replace"):
            runs.append(Words("removed", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            runs.append(Words("added", "".join(b[j1:j2])))
    return runs


def _elide(text: str, first: bool, last: bool) -> list[Words]:
    if first and last:  # nothing changed in the words (only markup did): show them all
        return [Words("same", text)]
    words = _TOKENS.findall(text)
    keep = KEEP_AROUND
    head = [] if first else words[:keep]
    tail = [] if last else words[-keep:]
    if len(words) <= len(head) + len(tail) + 2:
        return [Words("same", text)]
    parts = []
    if head:
        parts.append(Words("same", "".join(head)))
    parts.append(Words("elided", " … "))
    if tail:
        parts.append(Words("same", "".join(tail)))
    return parts


def _phrases(html: str) -> Counter:
    return Counter((_EMPHASIS[m.group(1).lower()], plain_text(m.group(2)))
                   for m in _PHRASE.finditer(html))


def markup_changes(old_html: str, new_html: str) -> list[str]:
    """Link and emphasis changes between two inline HTML strings, in words."""
    old_links, new_links = Counter(links(old_html)), Counter(links(new_html))
    said = [f"link removed: {href}" for href in (old_links - new_links).elements()]
    said += [f"link added: {href}" for href in (new_links - old_links).elements()]
    old_phrases, new_phrases = _phrases(old_html), _phrases(new_html)
    said += [f"{kind} removed: “{text}”" for kind, text in (old_phrases - new_phrases).elements()]
    said += [f"{kind} added: “{text}”" for kind, text in (new_phrases - old_phrases).elements()]
    return said


def _fields(data: dict[str, Any] | None) -> dict[str, str]:
    if not data:
        return {}
    block = Block.from_dict(data)
    values = dict(block.segments())
    if block.credit:
        values["credit"] = block.credit
    return values


def block_changes(index: int, old: dict | None, new: dict | None) -> BlockChange | None:
    """How block ``index`` changed from ``old`` to ``new`` (block dicts); None when it did not."""
    if old == new:
        return None
    before, after = _fields(old), _fields(new)
    changed = []
    for key in list(after) + [k for k in before if k not in after]:
        old_html, new_html = before.get(key, ""), after.get(key, "")
        if old_html == new_html:
            continue
        changed.append(FieldChange(key, word_diff(plain_text(old_html), plain_text(new_html)),
                                   markup_changes(old_html, new_html)))
    return BlockChange(index, changed) if changed else None


def history(revisions: Sequence[Any], block: int | None = None,
            limit: int | None = None) -> list[RevisionChanges]:
    """Changes of each revision against the one before, newest first.

    ``revisions`` are Revision rows newest first (as ``review.revisions`` returns them);
    ``block`` keeps only that block's changes (-1: the title) and the revisions that made
    them.
    """
    ordered = sorted(revisions, key=lambda r: r.number)
    out: list[RevisionChanges] = []
    for previous, current in zip([None, *ordered], ordered):
        entry = RevisionChanges(current.number, current.author, current.note, current.created_at)
        if previous is not None:
            entry.blocks = _changes(previous, current, block)
            if block is not None and not entry.blocks:
                continue
        elif block is not None:
            continue
        out.append(entry)
    out.reverse()
    return out[:limit] if limit else out


def _changes(previous: Any, current: Any, only: int | None) -> list[BlockChange]:
    changes: list[BlockChange] = []
    if only in (None, TITLE) and previous.title != current.title:
        changes.append(BlockChange(TITLE, [FieldChange(
            "title", word_diff(previous.title, current.title), [])]))
    old, new = previous.blocks or [], current.blocks or []
    indices = range(max(len(old), len(new))) if only is None else [only] if only >= 0 else []
    for index in indices:
        change = block_changes(index, old[index] if index < len(old) else None,
                               new[index] if index < len(new) else None)
        if change is not None:
            changes.append(change)
    return changes

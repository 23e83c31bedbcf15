"""Cutting over-long segments into pieces and packing pieces into as few requests as fit."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])\s+")
_PLACEHOLDER = re.compile(r"<\s*/?\s*x\s*\d+\s*/?\s*>", re.I)


@dataclass(frozen=True)
class Pack:
    """Indexes into the piece list that travel in one request, in reading order."""

    indexes: tuple[int, ...]


def split_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters, at sentence ends if possible,
    else at spaces, never inside a placeholder tag."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for unit in _units(text, limit):
        candidate = f"{current} {unit}" if current else unit
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                pieces.append(current)
            current = unit
    if current:
        pieces.append(current)
    return pieces


def _units(text: str, limit: int) -> list[str]:
    """Sentences, and words for sentences longer than ``limit``."""
    units: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if len(sentence) <= limit:
            units.append(sentence)
            continue
        for word in sentence.split(" "):
            while len(word) > limit:
                cut = _safe_cut(word, limit)
                units.append(word[:cut])
                word = word[cut:]
            if word:
                units.append(word)
    return units


def _safe_cut(word: str, limit: int) -> int:
    for match in _PLACEHOLDER.finditer(word):
        if match.start() < limit < match.end():
            return match.start() or match.end()
    return limit


def pack(sizes: list[int], max_chars: int, max_segments: int | None = None,
         overhead: int = 0) -> list[Pack]:
    """Group pieces (given by size) into packs within the limits, in few packs.

    First-fit decreasing: big pieces first, small ones fill the gaps, which gets within a
    pack of the ceil(total / max_chars) minimum for the sizes articles have. Each pack is
    then put back into reading order so the engine still sees neighbouring text together.
    """
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    bins: list[list[int]] = []
    room: list[int] = []
    for index in order:
        cost = sizes[index] + overhead
        for b, free in enumerate(room):
            if cost <= free and (max_segments is None or len(bins[b]) < max_segments):
                bins[b].append(index)
                room[b] -= cost
                break
        else:
            bins.append([index])
            room.append(max_chars - cost)
    packs = [Pack(tuple(sorted(members))) for members in bins]
    return sorted(packs, key=lambda p: p.indexes[0])

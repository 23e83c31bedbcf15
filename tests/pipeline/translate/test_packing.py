from __future__ import annotations

import math
import random

from pipeline.translate.packing import pack, split_text


def test_pack_stays_within_limits_and_near_the_minimum():
    rng = random.Random(1)
    sizes = [rng.randint(20, 900) for _ in range(200)]
    packs = pack(sizes, 5000, overhead=1)
    assert sorted(i for p in packs for i in p.indexes) == list(range(200))
    assert all(sum(sizes[i] + 1 for i in p.indexes) <= 5000 for p in packs)
    assert len(packs) <= math.ceil(sum(sizes) / 5000) + 1
    assert all(list(p.indexes) == sorted(p.indexes) for p in packs)


def test_pack_respects_the_segment_count_limit():
    packs = pack([1] * 120, 10_000, max_segments=50)
    assert [len(p.indexes) for p in packs] == [50, 50, 20]


def test_long_text_is_split_at_sentences_and_never_inside_a_placeholder():
    text = " ".join(f"Sentence <x{i}>number</x{i}> {i} is here." for i in range(1, 60))
    pieces = split_text(text, 200)
    assert all(len(piece) <= 200 for piece in pieces)
    assert " ".join(pieces) == text
    assert all(piece.endswith(".") for piece in pieces)
    long_word = "a" * 450
    assert [len(p) for p in split_text(long_word, 200)] == [200, 200, 50]

"""Long lists sent to the database in statements of bounded size."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# Values per statement: far below SQLite's limit on bound parameters (32,766) and
# PostgreSQL's (65,535), even for multi-row inserts of a dozen columns.
BATCH = 500


def batches(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``; nothing for an empty sequence."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    for start in range(0, len(items), size):
        yield items[start:start + size]

"""Bounded statements: every item once, in order, no slice longer than asked."""
import pytest

from pipeline.db.batches import BATCH, batches
from pipeline.reasons import first_line


def test_batches_cover_every_item_once_in_order():
    items = list(range(2 * BATCH + 7))
    slices = list(batches(items))
    assert [len(s) for s in slices] == [BATCH, BATCH, 7]
    assert [i for s in slices for i in s] == items


def test_no_batches_for_nothing_and_a_size_below_one_is_refused():
    assert list(batches([])) == []
    with pytest.raises(ValueError):
        list(batches([1], size=0))


def test_first_line_keeps_the_cause_and_drops_the_rest():
    assert first_line(RuntimeError("locked\n[SQL: UPDATE jobs ...]")) == "locked"
    assert first_line(RuntimeError("")) == "RuntimeError"

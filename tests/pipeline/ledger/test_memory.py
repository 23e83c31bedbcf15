"""Translation memory: what is accepted, how entries are keyed, reviewers' entries."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pipeline.db.models import TranslationMemory
from pipeline.db.session import session_scope, upgrade
from pipeline.ledger import memory
from pipeline.translate.acceptance import unacceptable
from tests.stubs.translators import MYMEMORY_QUOTA

SOURCE = "The council <x1>voted</x1> on the budget."


@pytest.mark.parametrize("translation, reason", [
    ("", "empty"),
    ("<x1></x1>", "empty"),
    ("  ", "empty"),
    (SOURCE, "echo"),
    ("The  council <x1>voted</x1> on the  budget.", "echo"),
    (MYMEMORY_QUOTA, "quota"),
    ("De raad <x1>stemde</x1> over de begroting.", None),
])
def test_unacceptable_results(translation, reason):
    assert unacceptable(SOURCE, translation) == reason


def test_names_and_figures_may_come_back_unchanged():
    assert unacceptable("Angela Merkel", "Angela Merkel") is None
    assert unacceptable("1,234", "1,234") is None
    assert unacceptable("<x1/>", "<x1/>") is None
    # Quoting a warning the source itself contains is a translation, not a warning.
    assert unacceptable("The MYMEMORY WARNING text", "De MYMEMORY WARNING tekst") is None


def test_remember_stores_good_results_once_and_never_bad_ones(sqlite_url):
    upgrade(sqlite_url)
    args = ("libre", "fp", "g1", "en", "nl")
    with session_scope(sqlite_url) as session:
        assert memory.remember(session, *args, [(SOURCE, "De raad <x1>stemde</x1>.")]) == 1
        assert memory.remember(session, *args, [
            (SOURCE, "De raad <x1>stemde</x1> anders."),  # the first one stays
            ("The council met today.", ""),
            ("The council met today.", "The council met today."),
            ("The council met today.", MYMEMORY_QUOTA)]) == 0
    with session_scope(sqlite_url) as session:
        rows = session.scalars(select(TranslationMemory)).all()
        assert [(r.source_text, r.translation) for r in rows] == [
            (SOURCE, "De raad <x1>stemde</x1>.")]
        key = memory.segment_key(*args, "The  council <x1>voted</x1>\non the budget.")
        assert memory.lookup(session, [key]).keys() == {key}  # whitespace normalized


def test_every_part_of_the_key_matters():
    base = ("libre", "fp", "g1", "en", "nl", SOURCE)
    keys = {memory.segment_key(*base)}
    for position, other in enumerate(("deepl", "fp2", "g2", "de", "es", SOURCE + "!")):
        changed = list(base)
        changed[position] = other
        keys.add(memory.segment_key(*changed))
    assert len(keys) == 7


def test_a_reviewers_entry_replaces_the_earlier_reviewers(sqlite_url):
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        memory.remember_human(session, "en", "nl", SOURCE, "De raad <x1>stemde</x1>.", "rita")
        memory.remember_human(session, "en", "nl", SOURCE, "De raad <x1>koos</x1>.", "rob")
    with session_scope(sqlite_url) as session:
        key = memory.human_key("en", "nl", SOURCE)
        entry = memory.lookup(session, [key])[key]
        assert (entry.translation, entry.author, entry.origin, entry.provider) == (
            "De raad <x1>koos</x1>.", "rob", "human", "human")
        assert session.scalar(select(func.count()).select_from(TranslationMemory)) == 1

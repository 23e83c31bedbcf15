"""The ledger the translate stage hands the provider chain: memory, budgets, progress."""

from __future__ import annotations

import pytest

from pipeline.db.session import session_scope, upgrade
from pipeline.errors import BudgetExceeded
from pipeline.ledger import budget
from pipeline.ledger.database import DatabaseLedger
from pipeline.translate.markup import encode
from pipeline.translate.translator import Unit
from pipeline.vocabulary import SegmentOrigin

TEXT = "The council <b>voted</b> on the budget."


class Engine:
    """Just what the memory keys of a provider are made of."""

    supports_markup = True

    def __init__(self, name: str) -> None:
        self.name = name
        self.base_url = f"https://{name}.example"


def _unit(text: str = TEXT) -> Unit:
    return Unit(block_index=0, key="html", source=text, is_plain=False, masked=None,
                encoded=encode(text), unmasked=encode(text))


def test_recall_finds_what_was_remembered_in_the_chain_s_order(sqlite_url):
    upgrade(sqlite_url)
    first, second = Engine("libre"), Engine("apertium")
    unit = _unit()
    with session_scope(sqlite_url) as session:
        ledger = DatabaseLedger(session, glossary_version="g1")
        ledger.remember(first, "en", "nl", [(unit.encoded.markup, "libre's raad")])
        ledger.remember(second, "en", "nl", [(unit.encoded.markup, "apertium's raad")])
        hit = ledger.recall([unit], [second, first], "en", "nl")[id(unit)]
        assert (hit.translation, hit.provider, hit.origin) == ("apertium's raad", "apertium",
                                                               SegmentOrigin.memory)
        assert ledger.recall([unit], [first], "en", "es") == {}  # another language
        # Another glossary may change the text: its entries are not this one's.
        assert DatabaseLedger(session, "g2").recall([unit], [first], "en", "nl") == {}


def test_reserve_keeps_to_the_daily_budget_and_release_gives_characters_back(sqlite_url):
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        ledger = DatabaseLedger(session, daily_budget=100)
        ledger.reserve("libre", 80)
        with pytest.raises(BudgetExceeded):
            ledger.reserve("libre", 30)
        ledger.release("libre", 50)
        ledger.reserve("libre", 30)
        assert budget.usage_today(session) == {"libre": 60}


def test_progress_goes_to_the_services_hook():
    told: list[tuple[str, dict]] = []
    ledger = DatabaseLedger(None, on_progress=lambda stage, **detail: told.append((stage,
                                                                                    detail)))
    ledger.progress("libre", 3, 10)
    assert told == [("translating", {"done": 3, "total": 10, "provider": "libre"})]

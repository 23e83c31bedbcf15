"""Daily character budgets: atomic reservations, release, usage per provider and day."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

from pipeline.db.session import session_scope, upgrade
from pipeline.errors import BudgetExceeded, TransientError
from pipeline.ledger import budget


def test_reserve_release_and_usage(db_url):
    upgrade(db_url)
    with session_scope(db_url) as session:
        budget.reserve(session, "libre", 600, 1000)
        budget.reserve(session, "libre", 400, 1000)
        budget.reserve(session, "google", 5, None)  # unlimited: counted all the same
        with pytest.raises(BudgetExceeded) as caught:
            budget.reserve(session, "libre", 1, 1000)
        budget.release(session, "libre", 100)
        budget.reserve(session, "libre", 100, 1000)
        assert budget.usage_today(session) == {"google": 5, "libre": 1000}
    error = caught.value
    assert isinstance(error, TransientError)  # a queued job waits rather than fails
    assert error.reason.startswith("provider libre daily character budget of 1000 exceeded")
    assert error.resume_at == budget.next_midnight()
    assert 0 < error.retry_after <= 24 * 3600


def test_reservations_survive_the_callers_rollback(sqlite_url):
    upgrade(sqlite_url)
    with pytest.raises(RuntimeError), session_scope(sqlite_url) as session:
        budget.reserve(session, "libre", 70, None)
        raise RuntimeError("the job failed after sending")
    with session_scope(sqlite_url) as session:
        assert budget.usage_today(session) == {"libre": 70}


def test_next_midnight_is_utc():
    moment = datetime(2026, 11, 28, 23, 59, tzinfo=timezone.utc)
    assert budget.next_midnight(moment) == datetime(2026, 11, 29, tzinfo=timezone.utc)
    assert budget.today(moment) == "2026-11-28"


@pytest.mark.postgres
def test_concurrent_reservations_never_pass_the_budget_on_postgresql(pg_url):
    upgrade(pg_url)
    granted: list[int] = []
    refused: list[int] = []
    start = threading.Barrier(16)

    def worker(number: int) -> None:
        start.wait()
        for _ in range(5):
            try:
                with session_scope(pg_url) as session:
                    budget.reserve(session, "deepl", 70, 2000)
                granted.append(number)
            except BudgetExceeded:
                refused.append(number)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 2000 // 70
    assert len(refused) == 16 * 5 - len(granted)
    with session_scope(pg_url) as session:
        assert budget.usage_today(session) == {"deepl": len(granted) * 70}

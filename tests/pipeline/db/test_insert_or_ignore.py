"""insert_or_ignore tells a new row from an existing one on both databases."""

from __future__ import annotations

from pipeline.db.models import ProviderUsage
from pipeline.db.session import insert_or_ignore, session_scope, upgrade


def test_reports_whether_the_row_was_added(db_url):
    upgrade(db_url)
    values = {"provider": "libre", "day": "2026-11-28", "chars": 0}
    with session_scope(db_url) as session:
        assert insert_or_ignore(session, ProviderUsage, values, ["provider", "day"]) is True
        assert insert_or_ignore(session, ProviderUsage, values, ["provider", "day"]) is False

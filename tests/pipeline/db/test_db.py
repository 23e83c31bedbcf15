"""The unit of work's helpers on both databases."""

from __future__ import annotations

from pipeline.db.models import Source
from pipeline.db.session import insert_or_ignore, session_scope, upgrade


def test_insert_or_ignore_tells_whether_it_inserted(db_url):
    upgrade(db_url)
    values = {"name": "news", "url": "https://news.example/rss", "kind": "feed",
              "target_lang": "nl", "schedule": "nightly", "enabled": True}
    with session_scope(db_url) as session:
        assert insert_or_ignore(session, Source, values, ["name"]) is True
    with session_scope(db_url) as session:
        assert insert_or_ignore(session, Source, values, ["name"]) is False
        assert session.query(Source).count() == 1

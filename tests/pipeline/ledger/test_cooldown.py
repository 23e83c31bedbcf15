"""Provider cool-downs live in the database: every session and process sees them."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pipeline.db.session import session_scope, upgrade
from pipeline.ledger import cooldown

REPO = Path(__file__).resolve().parents[3]


def test_a_pause_is_seen_by_another_session_and_another_process(db_url):
    upgrade(db_url)
    with session_scope(db_url) as first:
        until = cooldown.pause(first, "libre", 90, "libre: HTTP 429 rate limited")
    with session_scope(db_url) as second:
        seen, reason = cooldown.paused_until(second, "libre")
        assert abs((seen - until).total_seconds()) < 1e-3
        assert reason == "libre: HTTP 429 rate limited"
        assert cooldown.paused_until(second, "apertium") is None
    code = ("from pipeline.ledger import cooldown; from pipeline.db.session import session_scope\n"
            f"with session_scope({db_url!r}) as s: print(cooldown.paused_until(s, 'libre')[1])")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           cwd=REPO, timeout=60)
    assert other.stdout.strip() == "libre: HTTP 429 rate limited", other.stderr


def test_a_shorter_pause_never_cuts_a_longer_one(sqlite_url):
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        long = cooldown.pause(session, "mymemory", 3600, "quota")
        cooldown.pause(session, "mymemory", 10, "429")
        until, reason = cooldown.paused_until(session, "mymemory")
        assert (until, reason) == (long, "quota")
        assert cooldown.cooldowns(session) == {"mymemory": long}


def test_a_pause_ends(sqlite_url):
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        cooldown.pause(session, "libre", 1, "429")
    with session_scope(sqlite_url) as session:
        from pipeline.db.models import ProviderCooldown

        session.get(ProviderCooldown, "libre").until = (
            datetime.now(timezone.utc) - timedelta(seconds=1))
    with session_scope(sqlite_url) as session:
        assert cooldown.paused_until(session, "libre") is None
        assert cooldown.cooldowns(session) == {}

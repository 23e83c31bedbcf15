"""Is a database already at the newest migration? Answered without importing Alembic.

Every command on the embedded SQLite database makes sure its schema is current. Alembic's
import and script scan cost about half a second on a small machine, most of the time of a
``status``; the migration files themselves say which revisions exist (``revision = '...'``
and ``down_revision = '...'``), so the heads can be read from them directly, and Alembic is
only loaded when there is something to migrate.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

VERSIONS_DIR = Path(__file__).resolve().parent / "migrations" / "versions"
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


def migration_heads(versions_dir: Path = VERSIONS_DIR) -> set[str]:
    """The revisions no other migration builds on."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions_dir.glob("*.py"):
        for name, value in _ASSIGNMENT.findall(path.read_text(encoding="utf-8")):
            found = set(_QUOTED.findall(value))
            (revisions if name == "revision" else parents).update(found)
    return revisions - parents


def is_at_head(engine) -> bool:
    """Whether the database's ``alembic_version`` names exactly the current heads; False
    when it cannot tell (no table yet, unreadable), so the caller migrates."""
    try:
        with engine.connect() as connection:
            current = {row[0] for row in connection.execute(
                text("SELECT version_num FROM alembic_version"))}
    except SQLAlchemyError:
        return False
    heads = migration_heads()
    return bool(heads) and current == heads

"""Engine, the unit of work shared by CLI, tasks and web, and schema upgrades."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


_ENGINES: dict[str, Engine] = {}


def get_engine(url: str) -> Engine:
    """One engine per database URL per process."""
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = _create_engine(url)
    return engine


def after_fork() -> None:
    """In a forked child: drop the parent's pooled connections without closing them.

    A socket shared by two processes garbles both sessions; the parent keeps its own.
    """
    for engine in _ENGINES.values():
        engine.dispose(close=False)


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            # WAL lets readers (status, web) work while a writer holds the lock.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=8)
def _session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error, always close."""
    session = _session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str):
    """An Alembic config pointing at the shipped migrations and ``url``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema at ``url`` up to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def is_current(url: str) -> bool:
    """Whether the database at ``url`` is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(url))
    with get_engine(url).connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == set(script.get_heads())


def insert_or_ignore(session: Session, model: type, values: dict, conflict_columns: list[str]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL; True when a row was added.

    Idempotency comes from the unique constraint, not from a lock: two workers inserting the
    same row both succeed and exactly one row exists afterwards.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(model).values(**values).on_conflict_do_nothing(
        index_elements=conflict_columns
    )
    return session.execute(statement).rowcount == 1

"""The unit of work shared by CLI, tasks and web, inserts that ignore duplicates, and schema
upgrades (Alembic is loaded only for those: :mod:`pipeline.db.migrate`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pipeline.db.engine import MIGRATIONS_DIR, after_fork, get_engine  # noqa: F401 - used here and by callers of this module


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


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema at ``url`` up to ``revision``."""
    from pipeline.db import migrate  # lazy: Alembic loads only when the schema is read or changed

    migrate.upgrade(url, revision)


def is_current(url: str) -> bool:
    """Whether the database at ``url`` is at the newest migration (asks Alembic)."""
    from pipeline.db import migrate  # lazy: Alembic loads only when the schema is read or changed

    return migrate.is_current(url)


def insert_or_ignore(session: Session, model: type, values: dict, conflict_columns: list[str]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL; True when a row was added.

    Idempotency comes from the unique constraint, not from a lock: two workers inserting the
    same row both succeed and exactly one row exists afterwards.
    """
    return insert_many_or_ignore(session, model, [values], conflict_columns) == 1


def insert_many_or_ignore(
    session: Session, model: type, rows: list[dict], conflict_columns: list[str],
) -> int:
    """:func:`insert_or_ignore` for many rows in one statement; how many were added."""
    if not rows:
        return 0
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    # RETURNING rather than rowcount: psycopg reports rowcount -1 for this statement. On the
    # table, not the mapped class: the ORM's bulk-insert bookkeeping is not needed here.
    # Column defaults still apply, the mapped class's Python-side ones included.
    key = list(model.__table__.primary_key.columns)
    statement = insert(model.__table__).on_conflict_do_nothing(
        index_elements=conflict_columns
    ).returning(*key)
    # Parameters as a list: one compiled statement however many rows, sent in batches
    # (SQLAlchemy's "insertmanyvalues"), with the ids of the rows actually inserted.
    return len(session.execute(statement, rows).all())


@contextmanager
def own_transaction(session: Session) -> Iterator[Session]:
    """A short transaction of its own on ``session``'s engine, committed on exit.

    For facts that must outlive the caller's unit of work even when it rolls back, and that
    other workers must see at once: characters reserved from a budget (they may already be
    sent), a provider's cool-down, a paid-for translation in the memory. When ``session`` is
    bound to a connection rather than an engine, the work joins that session instead.
    """
    bind = session.get_bind()
    if not isinstance(bind, Engine) or _sqlite_writing(session):
        yield session
        return
    with Session(bind) as own:
        try:
            yield own
            own.commit()
        except BaseException:
            own.rollback()
            raise


def _sqlite_writing(session: Session) -> bool:
    """Whether ``session`` holds SQLite's write lock, which a second connection would wait on.

    pysqlite opens a transaction only at the first INSERT/UPDATE/DELETE, so a session that
    has only read does not block the short transaction of :func:`own_transaction`.
    """
    if session.get_bind().dialect.name != "sqlite" or not session.in_transaction():
        return False
    raw = session.connection().connection.dbapi_connection
    return bool(getattr(raw, "in_transaction", False))


# SQLSTATEs of a write that lost a race with another transaction: serialization failure,
# deadlock, unique violation. Retrying with fresh data, or a 409, is the answer; not a 500.
WRITE_CONFLICT_STATES = frozenset({"40001", "40P01", "23505"})


def is_write_conflict(error: BaseException) -> bool:
    """Whether a database error means another transaction changed the same rows first."""
    if not isinstance(error, DBAPIError):
        return False
    state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if state in WRITE_CONFLICT_STATES:
        return True
    # SQLite names no state; a unique constraint that fails on a revision number is the same
    # lost race.
    return isinstance(error, IntegrityError) and "UNIQUE constraint failed" in str(error.orig)

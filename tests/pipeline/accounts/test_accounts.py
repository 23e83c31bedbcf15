"""Accounts on SQLite and PostgreSQL: the 0003 migration, tokens, sessions, login limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect

from pipeline.accounts import users as accounts
from pipeline.db.models import LoginSession, utcnow
from pipeline.db.session import get_engine, session_scope, upgrade


@pytest.fixture
def database(db_url):
    upgrade(db_url)
    return db_url


def test_migration_0003_goes_up_and_down(db_url):
    upgrade(db_url, "0002")
    assert "users" not in inspect(get_engine(db_url)).get_table_names()
    upgrade(db_url, "0003")
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert {"users", "api_tokens", "login_sessions", "login_attempts"} <= tables
    from alembic import command

    from pipeline.db.migrate import alembic_config

    command.downgrade(alembic_config(db_url), "0002")
    get_engine(db_url).dispose()
    assert "users" not in inspect(get_engine(db_url)).get_table_names()
    upgrade(db_url)
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from pipeline.db.models import Base

    with get_engine(db_url).connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_tokens_are_hashed_checked_and_revocable(database):
    with session_scope(database) as session:
        user = accounts.create_user(session, "rita", "reviewer", "a long password")
        first = accounts.create_token(session, user, "laptop")
        second = accounts.create_token(session, user)
        user_id = user.id
    assert first.secret != second.secret and first.secret.startswith("td_")
    with session_scope(database) as session:
        assert accounts.user_for_token(session, first.secret).id == user_id
        assert first.token.token_hash == accounts.digest(first.secret)
        accounts.revoke_token(session, first.token.id)
        accounts.revoke_token(session, first.token.id)  # twice is harmless
    with session_scope(database) as session:
        assert accounts.user_for_token(session, first.secret) is None
        assert accounts.user_for_token(session, second.secret).id == user_id
        assert accounts.user_for_token(session, "") is None
        assert accounts.revoke_token(session, 99999) is None


@pytest.mark.parametrize("name,role,password,reason", [
    ("", "reviewer", None, "user name"), ("two words", "reviewer", None, "user name"),
    ("x", "boss", None, "unknown role"), ("x", "admin", "short", "at least 8"),
])
def test_bad_accounts_are_refused(database, name, role, password, reason):
    with session_scope(database) as session:
        with pytest.raises(accounts.AccountError, match=reason):
            accounts.create_user(session, name, role, password)


def test_names_are_unique(database):
    with session_scope(database) as session:
        accounts.create_user(session, "olga", "operator")
    with session_scope(database) as session:
        with pytest.raises(accounts.AccountError, match="already exists"):
            accounts.create_user(session, "olga", "admin")


def test_password_login_limits_and_sessions(database):
    with session_scope(database) as session:
        accounts.create_user(session, "ada", "admin", "a long password")
    with session_scope(database) as session:
        assert accounts.check_login(session, "ada", "wrong", "10.0.0.1") is None
        assert accounts.check_login(session, "nobody", "wrong", "10.0.0.1") is None
        user = accounts.check_login(session, "ada", "a long password", "10.0.0.1")
        login, secret = accounts.start_session(session, user)
    with session_scope(database) as session:
        found = accounts.find_session(session, secret)
        assert found is not None and found.user.name == "ada" and found.csrf_token
        assert accounts.find_session(session, secret + "x") is None
        session.get(LoginSession, found.id).expires_at = utcnow() - timedelta(seconds=1)
    with session_scope(database) as session:
        assert accounts.find_session(session, secret) is None  # expired
    with session_scope(database) as session:
        for _ in range(accounts.MAX_FAILURES_PER_NAME):
            accounts.check_login(session, "ada", "wrong", "10.0.0.2")
    with session_scope(database) as session:
        with pytest.raises(accounts.TooManyAttempts):
            accounts.check_login(session, "ada", "a long password", "10.0.0.2")
        # Failures from one address do not lock the name out elsewhere.
        assert accounts.check_login(session, "ada", "a long password", "10.0.0.3") is not None

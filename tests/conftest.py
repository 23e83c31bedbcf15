"""Shared fixtures: settings isolated per test, SQLite and real PostgreSQL databases."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest

PG_ADMIN_URL = os.environ.get("TRANSDRAFT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test sees the developer's TRANSDRAFT_* variables or writes to the working dir."""
    for name in list(os.environ):
        if name.startswith("TRANSDRAFT_") and name != "TRANSDRAFT_TEST_PG":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    from config.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'transdraft.db'}"


def _pg_available() -> bool:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any connection failure means "not running"
        return False


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The real PostgreSQL; started if it is installed but down, else the test fails loudly."""
    if not _pg_available():
        subprocess.run("pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
                       shell=True, check=False)
    if not _pg_available():
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    from sqlalchemy import create_engine, text

    name = f"transdraft_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    yield url
    from pipeline.db.session import get_engine

    get_engine(url).dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request) -> str:
    """Run a test on both databases."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="module")
def _module_stub():
    # One server for a test module: each StubServer takes a moment to shut down.
    from tests.stubs.server import StubServer

    with StubServer({}) as server:
        yield server


@pytest.fixture
def blank_site(_module_stub):
    """The module's stub site with no routes and no recorded requests; a test sets ``routes``."""
    _module_stub.routes = {}
    _module_stub.requests.clear()
    return _module_stub


# The real WordPress of the publishing tests (started once, on first use).
from tests.wordpress import _wordpress_server, wordpress  # noqa: E402,F401

"""Shared fixtures: settings isolated per test, SQLite and real PostgreSQL databases; the
marks of tests that need an outside service, and their skip (or, in CI, failure) without it."""

from __future__ import annotations

import os
import uuid

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from config.settings import get_settings
from pipeline.accounts import users
from pipeline.db.session import get_engine
from tests import services
from tests.stubs.server import StubServer

# The real WordPress of the publishing tests (started once, on first use).
from tests.wordpress import _wordpress_server, wordpress  # noqa: F401

PG_ADMIN_URL = services.PG_ADMIN_URL


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test gets the marks its fixtures declare with ``services.needs`` (directly or through
    other fixtures), and ``postgres`` for the "postgres" case of a module's own database
    fixture (``params=["sqlite", "postgres"]``)."""
    for item in items:
        marks: list[str] = []
        # The definitions this test really uses (the last of each name: a module may override
        # a fixture); pytest keeps them on the item's private _fixtureinfo.
        fixtures = getattr(item, "_fixtureinfo", None)
        for definitions in fixtures.name2fixturedefs.values() if fixtures else ():
            marks += services.declared_marks(definitions[-1].func)
        callspec = getattr(item, "callspec", None)
        if callspec and "postgres" in callspec.params.values():
            marks.append("postgres")
        for mark in dict.fromkeys(marks):
            if item.get_closest_marker(mark) is None:
                item.add_marker(mark)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before any fixture starts: one clear reason instead of a connection error.
    for mark in dict.fromkeys(mark.name for mark in item.iter_markers()):
        services.check(mark)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item):
    # Where every service is required (.ci/run), a skip of any kind is a hole in the run.
    outcome = yield
    report = outcome.get_result()
    if services.REQUIRE and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped although TRANSDRAFT_TEST_REQUIRE_SERVICES=1: {reason}"


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes():
    """argon2 at its lowest cost in the test process (as argon2-cffi's CHEAPEST profile): with
    the real parameters each new user costs 0.16 s of CPU, most of a web test. Hashes made
    either way verify either way: argon2 reads the parameters from the hash."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test sees the developer's TRANSDRAFT_* variables or writes to the working dir."""
    for name in list(os.environ):
        if name.startswith("TRANSDRAFT_") and not name.startswith("TRANSDRAFT_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'transdraft.db'}"


@pytest.fixture(scope="session")
@services.needs("postgres")
def pg_server() -> str:
    """The real PostgreSQL (started if it is installed but down), else the test is skipped."""
    services.check("postgres")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"transdraft_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    yield url
    get_engine(url).dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """Run a test on both databases."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="module")
def _module_stub():
    # One server for a test module: each StubServer takes a moment to shut down.
    with StubServer({}) as server:
        yield server


@pytest.fixture
def blank_site(_module_stub):
    """The module's stub site with no routes and no recorded requests; a test sets ``routes``."""
    _module_stub.routes = {}
    _module_stub.requests.clear()
    return _module_stub


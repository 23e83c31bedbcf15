"""The outside software some tests need, and what such a test does when it is missing.

A test that needs a service carries its mark (``postgres``, ``redis``, ``browser``,
``apertium``, ``wordpress``), and one that starts processes or sleeps carries ``slow``. A
fixture declares the marks of the tests that use it with ``@needs(...)``; tests/conftest.py
adds them at collection (so ``-m`` selects on them) and, before a test starts, skips it with
the reason when its service is missing. Under ``TRANSDRAFT_TEST_REQUIRE_SERVICES=1``
(``.ci/run`` sets it after installing and starting everything) a missing service fails the
test instead: a CI run never passes by skipping.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import NoReturn, TypeVar

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

REQUIRE = os.environ.get("TRANSDRAFT_TEST_REQUIRE_SERVICES") == "1"
PG_ADMIN_URL = os.environ.get("TRANSDRAFT_TEST_PG",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TRANSDRAFT_TEST_REDIS", "redis://127.0.0.1:6379/5")
CHROMIUM = "/usr/bin/chromium"  # Debian's; the browser tests never download one
WORDPRESS_TREE = Path("/usr/share/wordpress")  # Debian's wordpress package

Fixture = TypeVar("Fixture", bound=Callable)


def needs(*marks: str) -> Callable[[Fixture], Fixture]:
    """Declare the marks of every test that uses the decorated fixture (put it under
    ``@pytest.fixture``): the service it reaches, ``slow`` when it starts processes."""

    def declare(fixture: Fixture) -> Fixture:
        fixture.test_marks = marks
        return fixture

    return declare


def declared_marks(function: Callable) -> tuple[str, ...]:
    return getattr(function, "test_marks", ())


def missing(reason: str) -> NoReturn:
    """Skip the running test for ``reason``, or fail it when every service is required."""
    if REQUIRE:
        pytest.fail(f"{reason} (TRANSDRAFT_TEST_REQUIRE_SERVICES=1: nothing may be skipped)",
                    pytrace=False)
    pytest.skip(reason)


def _pg_answers() -> bool:
    engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        return True
    except SQLAlchemyError:  # refused, unknown host, bad password: not usable
        return False
    finally:
        engine.dispose()


@cache
def postgres_problem() -> str | None:
    """Why the real PostgreSQL cannot be used; it is started first if installed but down."""
    if _pg_answers():
        return None
    if shutil.which("pg_ctlcluster") and Path("/etc/postgresql").is_dir():
        subprocess.run("pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
                       shell=True, check=False, capture_output=True)
        if _pg_answers():
            return None
    return f"PostgreSQL is not reachable at {PG_ADMIN_URL} (set TRANSDRAFT_TEST_PG)"


@cache
def redis_problem() -> str | None:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        client.ping()
        return None
    except redis.RedisError:
        return f"Redis is not reachable at {REDIS_URL} (set TRANSDRAFT_TEST_REDIS)"
    finally:
        client.close()


@cache
def browser_problem() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing: apt-get install chromium"
    return None


@cache
def apertium_problem() -> str | None:
    if shutil.which("apertium-apy") is None:
        return "apertium-apy is not installed: apt-get install apertium-apy apertium-eng-spa"
    return None


@cache
def wordpress_problem() -> str | None:
    packages = []
    if not (WORDPRESS_TREE / "wp-load.php").exists():
        packages.append("wordpress")
    if shutil.which("php") is None:
        packages.append("php-cli")
    elif "mysqli" not in subprocess.run(["php", "-m"], capture_output=True, text=True).stdout:
        packages.append("php-mysql")
    if shutil.which("mariadbd") is None and not Path("/usr/sbin/mariadbd").exists():
        packages.append("mariadb-server")
    if packages:
        return (f"the WordPress tests need the Debian packages {', '.join(packages)} "
                "(.ci/run installs them)")
    return None


PROBLEMS = {"postgres": postgres_problem, "redis": redis_problem, "browser": browser_problem,
            "apertium": apertium_problem, "wordpress": wordpress_problem}


def check(mark: str) -> None:
    """Skip or fail the running test when the service behind ``mark`` is missing."""
    problem = PROBLEMS[mark]() if mark in PROBLEMS else None
    if problem:
        missing(problem)

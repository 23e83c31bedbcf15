"""Web fixtures: a migrated database with users and a draft, and a client of the app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from config.settings import Settings
from pipeline.db.session import session_scope, upgrade
from tests.web.factories import make_draft, make_users


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory):
    # Migrating and hashing passwords once; each test gets a copy of the file.
    path = tmp_path_factory.mktemp("seed") / "seed.db"
    url, users, draft_id = _seed(f"sqlite:///{path}")
    from pipeline.db.session import get_engine

    get_engine(url).dispose()
    return path, users, draft_id


@pytest.fixture
def seeded(_seeded_template, tmp_path):
    """(database URL, accounts by role, draft id) on a fresh SQLite database."""
    import shutil

    path, users, draft_id = _seeded_template
    target = tmp_path / "web.db"
    shutil.copy(path, target)
    return f"sqlite:///{target}", users, draft_id


def _seed(url: str):
    upgrade(url)
    with session_scope(url) as session:
        users = make_users(session)
        draft_id = make_draft(session).id
    return url, users, draft_id


@pytest.fixture
def seeded_pg(pg_url):
    return _seed(pg_url)


def make_client(url: str, publish=None, **settings) -> TestClient:
    from web.app import create_app

    app = create_app(Settings(database_url=url, **settings), publish=publish)
    return TestClient(app, base_url="http://testserver")


@pytest.fixture
def client(seeded):
    url, _users, _draft = seeded
    with make_client(url) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client: TestClient, name: str, password: str) -> str:
    """Sign in through the form like a browser; returns the session's CSRF token."""
    import re

    page = client.get("/login")
    nonce = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"name": name, "password": password,
                                           "csrf_token": nonce}, follow_redirects=False)
    assert response.status_code == 303, response.text
    landing = client.get(response.headers["location"], headers={"Accept": "text/html"})
    return re.search(r'name="csrf_token" value="([^"]+)"', landing.text).group(1)

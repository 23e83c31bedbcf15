"""Web fixtures: a migrated database with users and a draft, a client of the app, a client
signed in as a reviewer, and for the browser tests a real server and Debian's chromium."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright

from config.settings import Settings
from pipeline.db.session import session_scope, upgrade
from tests.services import CHROMIUM, needs
from tests.web.factories import PASSWORD, make_draft, make_users
from web.app import create_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HTML = {"Accept": "text/html"}


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


@pytest.fixture
def reviewer(seeded):
    """(client signed in as reviewer1, its CSRF token, draft id, database URL)."""
    url, users, draft_id = seeded
    with make_client(url) as client:
        csrf = login(client, "reviewer1", PASSWORD)
        yield client, csrf, draft_id, url


# --- the browser tests: the app under uvicorn, driven by Playwright in Debian's chromium ---


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(seeded):
    """(base URL, database URL, draft id) of the app served on a free local port."""
    url, users, draft_id = seeded
    port = _free_port()
    app = create_app(Settings(database_url=url))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", url, draft_id
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
@needs("browser", "slow")  # a chromium process per test
def browser():
    """Debian's chromium, never a downloaded one (tests/services.py skips or fails a test
    whose browser is missing)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking"])
        yield browser
        browser.close()


def sign_in(page, base: str, name: str) -> None:
    """Sign ``name`` in through the form, in the browser."""
    page.goto(f"{base}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")

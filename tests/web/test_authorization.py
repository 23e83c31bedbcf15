"""Every route of the app against anonymous, a bad token and each role.

The matrix is built from the app's own route table: a route added without an entry in
ROLES (or PUBLIC) fails ``test_every_route_is_in_the_matrix``.
"""

from __future__ import annotations

import pytest

from pipeline.accounts import users as accounts
from pipeline.db.models import User
from pipeline.db.session import session_scope
from pipeline.jobs.intake import enqueue
from tests.web.conftest import bearer, make_client

PUBLIC = {("GET", "/openapi.json"), ("GET", "/healthz"), ("GET", "/login"), ("POST", "/login"),
          ("GET", "/static/{path}")}
EVERYONE = {"admin", "operator", "reviewer"}
REVIEW = {"admin", "reviewer"}
OPERATE = {"admin", "operator"}
ADMIN = {"admin"}
ROLES = {
    ("GET", "/"): EVERYONE,
    ("POST", "/logout"): EVERYONE,
    ("GET", "/metrics"): OPERATE,
    ("POST", "/api/jobs"): OPERATE,
    ("GET", "/api/jobs"): OPERATE,
    ("GET", "/api/jobs/{job_id}"): OPERATE,
    ("POST", "/api/jobs/{job_id}/retry"): OPERATE,
    ("GET", "/api/drafts"): REVIEW,
    ("GET", "/api/drafts/{draft_id}"): REVIEW,
    ("PATCH", "/api/drafts/{draft_id}"): REVIEW,
    ("POST", "/api/drafts/{draft_id}/approve"): REVIEW,
    ("POST", "/api/drafts/{draft_id}/reject"): REVIEW,
    ("GET", "/api/drafts/{draft_id}/history"): REVIEW,
    ("GET", "/api/drafts/{draft_id}/export"): REVIEW,
    ("GET", "/drafts"): REVIEW,
    ("GET", "/drafts/{draft_id}"): REVIEW,
    ("POST", "/drafts/{draft_id}/blocks/{index}"): REVIEW,
    ("POST", "/drafts/{draft_id}/title"): REVIEW,
    ("POST", "/drafts/{draft_id}/approve"): REVIEW,
    ("POST", "/drafts/{draft_id}/reject"): REVIEW,
    ("GET", "/drafts/{draft_id}/export"): REVIEW,
    ("POST", "/drafts/{draft_id}/checks/dismiss"): REVIEW,
    ("GET", "/drafts/{draft_id}/blocks/{index}/history"): REVIEW,
    ("GET", "/drafts/{draft_id}/blocks/{index}/editor"): REVIEW,
    ("GET", "/jobs"): OPERATE,
    ("POST", "/jobs"): OPERATE,
    ("POST", "/jobs/{job_id}/retry"): OPERATE,
    ("GET", "/admin/users"): ADMIN,
    ("POST", "/admin/users"): ADMIN,
    ("POST", "/admin/users/{user_id}/tokens"): ADMIN,
    ("POST", "/admin/tokens/{token_id}/revoke"): ADMIN,
    ("POST", "/api/drafts/{draft_id}/publish"): REVIEW,
    ("POST", "/drafts/{draft_id}/publish"): REVIEW,
    ("GET", "/api/sites"): ADMIN,
    ("POST", "/api/sites"): ADMIN,
    ("DELETE", "/api/sites/{site_name}"): ADMIN,
    ("POST", "/api/sites/{site_name}/test"): ADMIN,
    ("GET", "/admin/sites"): ADMIN,
    ("POST", "/admin/sites"): ADMIN,
    ("POST", "/admin/sites/{site_name}/remove"): ADMIN,
    ("POST", "/admin/sites/{site_name}/test"): ADMIN,
    ("POST", "/admin/users/{user_id}/{action}"): ADMIN,
    ("GET", "/api/users"): ADMIN,
    ("GET", "/api/audit"): ADMIN,
    ("PATCH", "/api/users/{name}"): ADMIN,
    ("PUT", "/api/users/{name}/password"): ADMIN,
    ("DELETE", "/api/users/{name}"): ADMIN,
    ("GET", "/api/tokens"): EVERYONE,
    ("POST", "/api/tokens"): EVERYONE,
    ("DELETE", "/api/tokens/{token_id}"): EVERYONE,
}


@pytest.fixture
def world(seeded):
    url, users, draft_id = seeded
    with session_scope(url) as session:
        job_id = enqueue(session, ["https://example.org/news/a"], "nl").new[0].id
        spare = session.query(User).filter_by(name="reviewer1").one()
        spare_token = accounts.create_token(session, spare, "spare").token.id
        # Account changes land on a user no test client signs in as.
        other = accounts.create_user(session, "spare1", "reviewer", "spare password")
        ids = {"draft_id": draft_id, "job_id": job_id, "index": 0, "user_id": spare.id,
               "token_id": spare_token, "site_name": "no-such-site", "name": other.name,
               "action": "enable",
               "admin_id": session.query(User).filter_by(name="admin1").one().id}
    with make_client(url) as client:
        yield client, users, ids


def _routes():
    from config.settings import Settings
    from web.app import create_app, route_table

    return route_table(create_app(Settings(database_url="sqlite://")))


def test_every_route_is_in_the_matrix():
    routes = set(_routes())
    assert routes - PUBLIC == set(ROLES), "a route without an authorization entry"


def _call(client, method, path, ids, headers):
    url = path.format(**ids)
    kwargs = {"headers": {"Accept": "text/html" if not path.startswith("/api") else
                          "application/json", **headers}, "follow_redirects": False}
    if method in ("POST", "PATCH", "PUT"):
        kwargs["json"] = {}
    return client.request(method, url, **kwargs)


@pytest.mark.parametrize("route", sorted(ROLES), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_matrix(world, route):
    client, users, ids = world
    method, path = route
    if path == "/admin/users/{user_id}/tokens":  # tokens are minted for oneself only
        ids = {**ids, "user_id": ids["admin_id"]}
    anonymous = _call(client, method, path, ids, {})
    assert anonymous.status_code == 401, anonymous.text
    for bad in ("Bearer td_not-a-token", "Bearer ", "Basic YWRtaW46YWRtaW4=", "td_raw"):
        response = _call(client, method, path, ids, {"Authorization": bad})
        assert response.status_code == 401, (bad, response.text)
    for role, account in users.items():
        response = _call(client, method, path, ids, bearer(account.token))
        if role in ROLES[route]:
            assert response.status_code not in (401, 403), (role, response.text[:300])
        else:
            assert response.status_code == 403, (role, response.text[:300])


def test_public_routes_answer_without_credentials(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/static/app.css").status_code == 200


def test_revoked_and_inactive_credentials_are_refused(seeded):
    url, users, draft_id = seeded
    with make_client(url) as client:
        token = users["reviewer"].token
        assert client.get("/api/drafts", headers=bearer(token)).status_code == 200
        with session_scope(url) as session:
            token_row = session.query(accounts.ApiToken).filter_by(
                token_hash=accounts.digest(token)).one()
            accounts.revoke_token(session, token_row.id)
        assert client.get("/api/drafts", headers=bearer(token)).status_code == 401
        admin = users["admin"].token
        with session_scope(url) as session:
            session.query(User).filter_by(name="admin1").one().active = False
        assert client.get("/api/drafts", headers=bearer(admin)).status_code == 401


def test_cookie_session_follows_the_same_roles(seeded):
    from tests.web.conftest import login

    url, users, draft_id = seeded
    with make_client(url) as client:
        login(client, "operator1", users["operator"].password)
        html = {"Accept": "text/html"}
        assert client.get("/jobs", headers=html).status_code == 200
        assert client.get(f"/drafts/{draft_id}", headers=html).status_code == 403
        assert client.get("/api/jobs").status_code == 200
        assert client.get("/api/drafts").status_code == 403

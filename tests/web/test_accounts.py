"""Accounts over the API and the admin page: tokens only for oneself, offboarding that ends
sessions and tokens at once, the last admin kept, every change audited with its credential.
On both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pipeline.db.models import ApiToken, AuditEvent, User
from pipeline.db.session import session_scope
from tests.web.conftest import _seed, bearer, login, make_client
from tests.web.factories import PASSWORD

HTML = {"Accept": "text/html"}


@pytest.fixture
def world(db_url):
    url, users, draft_id = _seed(db_url)
    with make_client(url) as client:
        yield url, client, users, draft_id


def _user_id(url: str, name: str) -> int:
    with session_scope(url) as session:
        return session.scalars(select(User.id).where(User.name == name)).one()


def test_an_admin_cannot_mint_a_token_for_someone_else(world):
    url, client, users, draft_id = world
    admin = users["admin"]
    reviewer_id = _user_id(url, "reviewer1")
    # The admin page's token form, aimed at another user, by bearer and by session.
    refused = client.post(f"/admin/users/{reviewer_id}/tokens", data={"label": "x"},
                          headers={**bearer(admin.token), **HTML})
    assert refused.status_code == 403
    with TestClient(client.app) as browser:
        csrf = login(browser, admin.name, PASSWORD)
        assert browser.post(f"/admin/users/{reviewer_id}/tokens", headers=HTML, data={
            "csrf_token": csrf, "label": "x"}).status_code == 403
    # The API mints for the caller only, whatever the body says.
    assert client.post("/api/tokens", json={"user": "reviewer1"},
                       headers=bearer(admin.token)).status_code == 422
    mine = client.post("/api/tokens", json={"label": "ci"}, headers=bearer(admin.token))
    assert mine.status_code == 201 and mine.json()["user"] == admin.name
    with session_scope(url) as session:
        owners = set(session.scalars(select(User.name).join(ApiToken, ApiToken.user_id == User.id)))
    assert owners == {"admin1", "operator1", "reviewer1"}  # the seeded ones and admin1's new


def test_audit_events_name_the_acting_user_and_credential(world):
    url, client, users, draft_id = world
    admin = users["admin"]
    approved = client.post(f"/api/drafts/{draft_id}/approve", json={"comment": "ok"},
                           headers=bearer(admin.token))
    assert approved.status_code == 200, approved.text
    with TestClient(client.app) as browser:
        csrf = login(browser, "reviewer1", PASSWORD)
        assert browser.post(f"/api/drafts/{draft_id}/reject", json={"comment": "no"},
                            headers={"X-CSRF-Token": csrf}).status_code == 200
    with session_scope(url) as session:
        token_id = session.scalars(select(ApiToken.id).join(User, ApiToken.user_id == User.id)
                                   .where(User.name == "admin1")).one()
        events = {e.action: e for e in session.scalars(
            select(AuditEvent).where(AuditEvent.draft_id == draft_id))}
        admin_id, reviewer_id = _user_id(url, "admin1"), _user_id(url, "reviewer1")
        assert (events["approved"].actor, events["approved"].actor_id,
                events["approved"].credential) == ("admin1", admin_id, f"token:{token_id}")
        assert (events["rejected"].actor, events["rejected"].actor_id,
                events["rejected"].credential) == ("reviewer1", reviewer_id, "session")


def test_disabling_ends_sessions_and_tokens_at_once(world):
    url, client, users, _ = world
    admin, reviewer = bearer(users["admin"].token), users["reviewer"]
    with TestClient(client.app) as browser:
        login(browser, reviewer.name, PASSWORD)
        assert browser.get("/api/drafts").status_code == 200
        listed = client.get("/api/users", headers=admin).json()["users"]
        row = next(u for u in listed if u["name"] == reviewer.name)
        assert (row["active"], row["tokens"], row["sessions"]) == (True, 1, 1)
        changed = client.patch(f"/api/users/{reviewer.name}", json={"active": False},
                               headers=admin)
        assert changed.status_code == 200 and changed.json()["active"] is False
        assert changed.json()["tokens"] == 0 and changed.json()["sessions"] == 0
        assert browser.get("/api/drafts").status_code == 401
        assert client.get("/api/drafts", headers=bearer(reviewer.token)).status_code == 401
        assert client.patch(f"/api/users/{reviewer.name}", json={"active": True},
                            headers=admin).status_code == 200
        # Back in with the password; the old token stays revoked.
        login(browser, reviewer.name, PASSWORD)
        assert browser.get("/api/drafts").status_code == 200
        assert client.get("/api/drafts", headers=bearer(reviewer.token)).status_code == 401
    with session_scope(url) as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
                   if e.draft_id is None]
        assert ["user_disabled", "user_enabled"] == [a for a in actions if a.startswith("user_")]


def test_password_and_role_changes_end_access(world):
    url, client, users, _ = world
    admin, operator = bearer(users["admin"].token), users["operator"]
    with TestClient(client.app) as browser:
        login(browser, operator.name, PASSWORD)
        assert client.put(f"/api/users/{operator.name}/password", json={"password": "short"},
                          headers=admin).status_code == 422
        assert client.put(f"/api/users/{operator.name}/password",
                          json={"password": "a brand new password"}, headers=admin
                          ).status_code == 204
        assert browser.get("/api/jobs").status_code == 401
        assert client.get("/api/jobs", headers=bearer(operator.token)).status_code == 401
        login(browser, operator.name, "a brand new password")
        assert browser.get("/api/jobs").status_code == 200
        promoted = client.patch(f"/api/users/{operator.name}", json={"role": "reviewer"},
                                headers=admin)
        assert promoted.status_code == 200 and promoted.json()["role"] == "reviewer"
        assert browser.get("/api/jobs").status_code == 401  # the session carried the old role


def test_the_last_active_admin_stays(world):
    url, client, users, _ = world
    admin = bearer(users["admin"].token)
    for call in (lambda: client.patch("/api/users/admin1", json={"active": False}, headers=admin),
                 lambda: client.patch("/api/users/admin1", json={"role": "operator"},
                                      headers=admin)):
        refused = call()
        assert refused.status_code == 409 and "last active admin" in refused.json()["detail"]
    assert client.delete("/api/users/admin1", headers=admin).status_code == 409
    assert client.delete("/api/users/nobody", headers=admin).status_code == 404
    assert client.delete("/api/users/reviewer1", headers=admin).status_code == 204
    assert client.get("/api/drafts", headers=bearer(users["reviewer"].token)).status_code == 401
    # On the admin page too.
    admin_id = _user_id(url, "admin1")
    page = client.post(f"/admin/users/{admin_id}/disable", headers={**admin, **HTML})
    assert page.status_code == 409 and "last active admin" in page.text
    with session_scope(url) as session:
        removed = session.scalars(select(AuditEvent).where(AuditEvent.action == "user_removed")
                                  ).one()
        assert removed.detail["user"] == "reviewer1" and removed.actor == "admin1"


def test_tokens_are_listed_and_revoked_by_their_owner(world):
    url, client, users, _ = world
    reviewer, operator = bearer(users["reviewer"].token), bearer(users["operator"].token)
    mine = client.get("/api/tokens", headers=reviewer).json()["tokens"]
    assert [t["user"] for t in mine] == ["reviewer1"] and "token" not in mine[0]
    assert client.get("/api/tokens?user=operator1", headers=reviewer).status_code == 403
    assert client.delete(f"/api/tokens/{mine[0]['id']}", headers=operator).status_code == 404
    assert client.delete(f"/api/tokens/{mine[0]['id']}", headers=reviewer).status_code == 204
    assert client.get("/api/tokens", headers=reviewer).status_code == 401


def test_a_new_sign_in_can_end_older_sessions(seeded):
    url, users, _ = seeded
    with make_client(url, single_session=True) as first:
        login(first, "reviewer1", PASSWORD)
        with TestClient(first.app) as second:
            login(second, "reviewer1", PASSWORD)
            assert second.get("/api/drafts").status_code == 200
        assert first.get("/api/drafts").status_code == 401


def test_the_admin_page_offboards_and_shows_the_changes(world):
    url, client, users, _ = world
    reviewer = users["reviewer"]
    reviewer_id = _user_id(url, reviewer.name)
    with TestClient(client.app) as browser:
        csrf = login(browser, "admin1", PASSWORD)

        def act(action: str, **data):
            return browser.post(f"/admin/users/{reviewer_id}/{action}", headers=HTML,
                                data={"csrf_token": csrf, **data})

        assert "is now operator" in act("role", role="operator").text
        assert client.get("/api/drafts", headers=bearer(reviewer.token)).status_code == 401
        assert act("password", password="short").status_code == 422
        assert "Password of reviewer1 changed" in act("password", password="a new password").text
        assert "disabled" in act("disable").text and "enabled" in act("enable").text
        assert act("promote").status_code == 404
        page = act("remove")
        assert "User reviewer1 removed" in page.text
        for action in ("user_role_changed", "user_password_changed", "user_disabled",
                       "user_enabled", "user_removed"):
            assert action in page.text
        assert "a new password" not in page.text
    events = client.get("/api/audit", headers=bearer(users["admin"].token)).json()["events"]
    assert [e["action"] for e in events][:5] == ["user_removed", "user_enabled", "user_disabled",
                                                "user_password_changed", "user_role_changed"]
    assert {(e["actor"], e["credential"]) for e in events[:5]} == {("admin1", "session")}

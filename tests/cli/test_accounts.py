"""``users list|disable|enable|role|passwd|remove`` and ``tokens list|revoke``, in process,
on both databases; every change audited with credential "cli"."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from pipeline.accounts import audit
from pipeline.accounts import users as accounts
from pipeline.db.models import AuditEvent, LoginSession, User
from pipeline.db.session import session_scope, upgrade


@pytest.fixture
def transdraft(monkeypatch, db_url):
    from typer.testing import CliRunner

    from cli.main import app

    upgrade(db_url)
    monkeypatch.setenv("TRANSDRAFT_DATABASE_URL", db_url)

    def run(*args, stdin=None):
        result = CliRunner().invoke(app, list(args), input=stdin)
        return SimpleNamespace(code=result.exit_code, stdout=result.stdout,
                               stderr=result.stderr)

    yield run
    audit.act_as(None)  # the command set this test's context; leave none behind


def _seed(url):
    with session_scope(url) as session:
        admin = accounts.create_user(session, "ada", "admin", "ada password")
        rita = accounts.create_user(session, "rita", "reviewer", "rita password")
        token = accounts.create_token(session, rita, "laptop")
        accounts.start_session(session, rita)
        accounts.create_token(session, admin)
        return token.secret, token.token.id


def test_offboarding_from_the_command_line(transdraft, db_url):
    secret, token_id = _seed(db_url)
    added = transdraft("users", "add", "otto", "--role", "operator")
    assert added.code == 0 and added.stdout.strip().splitlines()[-1].startswith("td_")
    assert transdraft("users", "remove", "otto").code == 0
    listed = transdraft("users", "list", "--format", "json")
    assert listed.code == 0, listed.stderr
    rows = {u["name"]: u for u in json.loads(listed.stdout)["users"]}
    assert (rows["rita"]["role"], rows["rita"]["tokens"], rows["rita"]["sessions"]) == \
        ("reviewer", 1, 1)
    assert "password" not in listed.stdout.replace("has_password", "")

    tokens = transdraft("tokens", "list", "rita", "--format", "json")
    assert [t["id"] for t in json.loads(tokens.stdout)["tokens"]] == [token_id]
    assert secret not in tokens.stdout

    assert transdraft("users", "disable", "rita").code == 0
    with session_scope(db_url) as session:
        assert accounts.user_for_token(session, secret) is None
        assert session.scalars(select(LoginSession)).all() == [] or all(
            s.user.name != "rita" for s in session.scalars(select(LoginSession)))
    assert transdraft("users", "enable", "rita").code == 0
    assert transdraft("users", "role", "rita", "operator").code == 0
    assert transdraft("users", "role", "rita", "boss").code == 2
    changed = transdraft("users", "passwd", "rita", "--password-stdin", stdin="a new password\n")
    assert changed.code == 0 and "a new password" not in changed.stdout
    with session_scope(db_url) as session:
        assert accounts.check_login(session, "rita", "a new password", "cli") is not None

    last = transdraft("users", "disable", "ada")
    assert last.code == 1 and last.stderr.startswith("error:") and "last active admin" in last.stderr
    assert transdraft("users", "remove", "ada").code == 1
    missing = transdraft("users", "disable", "nobody")
    assert missing.code == 1 and "no user named 'nobody'" in missing.stderr
    assert transdraft("tokens", "revoke", "99999").code == 1
    assert transdraft("tokens", "revoke", "2147483648").code == 2  # out of range: usage error
    assert transdraft("users", "remove", "rita").code == 0
    with session_scope(db_url) as session:
        assert session.scalars(select(User.name)).all() == ["ada"]
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == [
        "user_created", "user_removed", "user_disabled", "user_enabled", "user_role_changed",
        "user_password_changed", "user_removed"]
    assert {(e.actor, e.credential) for e in events} == {("cli", "cli")}

"""``users add``, ``drafts approve|reject``: the real command, in process, on the shared services.

In process (typer's runner) rather than a subprocess per call: eleven calls stay quick.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from pipeline.db.models import AuditEvent, Draft
from pipeline.db.session import session_scope, upgrade
from tests.web.factories import make_draft


@pytest.fixture
def transdraft(monkeypatch):
    from typer.testing import CliRunner

    from cli.main import app

    def run(*args, env=None, stdin=None):
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(app, list(args), input=stdin)
        return SimpleNamespace(code=result.exit_code, stdout=result.stdout,
                               stderr=result.stderr)

    return run


def test_users_add_prints_a_working_token_last(transdraft, sqlite_url):
    env = {"TRANSDRAFT_DATABASE_URL": sqlite_url}
    run = transdraft("users", "add", "rita", "--role", "reviewer", "--password-stdin",
                     env=env, stdin="a long password\n")
    assert run.code == 0, run.stderr
    token = run.stdout.strip().splitlines()[-1]
    assert token.startswith("td_") and "a long password" not in run.stdout
    from pipeline.accounts import users as accounts

    with session_scope(sqlite_url) as session:
        user = accounts.user_for_token(session, token)
        assert (user.name, user.role) == ("rita", "reviewer")
        assert accounts.check_login(session, "rita", "a long password", "cli") is not None
    again = transdraft("users", "add", "rita", "--role", "admin", env=env)
    assert (again.code, again.stderr.strip()) == (1, "error: user rita already exists")
    bad = transdraft("users", "add", "x", "--role", "boss", env=env)
    assert bad.code == 2
    empty = transdraft("users", "add", "y", "--role", "admin", "--password-stdin", env=env,
                       stdin="\n")
    assert empty.code == 1 and empty.stderr.startswith("error:")


def test_drafts_approve_and_reject(transdraft, sqlite_url):
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        draft_id = str(make_draft(session).id)
    env = {"TRANSDRAFT_DATABASE_URL": sqlite_url}
    no_comment = transdraft("drafts", "reject", draft_id, "--by", "rita", env=env)
    assert no_comment.code == 2
    blank = transdraft("drafts", "reject", draft_id, "--by", "rita", "--comment", " ", env=env)
    assert blank.code == 1 and "comment" in blank.stderr
    rejected = transdraft("drafts", "reject", draft_id, "--by", "rita", "--comment", "tone",
                          env=env)
    assert rejected.code == 0, rejected.stderr
    approved = transdraft("drafts", "approve", draft_id, "--by", "otto", "--comment", "ok",
                          env=env)
    assert approved.code == 0, approved.stderr
    twice = transdraft("drafts", "approve", draft_id, "--by", "otto", env=env)
    assert twice.code == 1 and "already approved" in twice.stderr
    missing = transdraft("drafts", "approve", "9999", "--by", "otto", env=env)
    assert (missing.code, missing.stderr.strip()) == (1, "error: no draft with id 9999")
    shown = json.loads(transdraft("drafts", "show", draft_id, "--format", "json", env=env).stdout)
    assert shown["status"] == "approved"
    with session_scope(sqlite_url) as session:
        assert session.get(Draft, int(draft_id)).status == "approved"
        events = [(e.action, e.actor, e.detail.get("comment"))
                  for e in session.query(AuditEvent).order_by(AuditEvent.id)]
    assert events[1:] == [("rejected", "rita", "tone"), ("approved", "otto", "ok")]


def test_drafts_approve_names_the_revision(transdraft, db_url):
    from pipeline.drafts import review
    from tests.web.factories import templates

    upgrade(db_url)
    with session_scope(db_url) as session:
        draft = make_draft(session)
        draft_id = str(draft.id)
        review.edit_block(session, draft, 0, {"html": "Nieuw."}, "rita", templates())
    env = {"TRANSDRAFT_DATABASE_URL": db_url}
    stale = transdraft("drafts", "approve", draft_id, "--by", "otto", "--revision", "1", env=env)
    assert stale.code == 1
    assert stale.stderr.startswith("error: ") and "revision 1" in stale.stderr \
        and "revision 2" in stale.stderr
    shown = json.loads(transdraft("drafts", "show", draft_id, "--format", "json", env=env).stdout)
    assert (shown["status"], shown["revision"], shown["approved_revision"]) == (
        "pending_review", 2, None)
    approved = transdraft("drafts", "approve", draft_id, "--by", "otto", "--revision", "2",
                          env=env)
    assert approved.code == 0, approved.stderr
    assert approved.stdout.strip() == f"draft {draft_id} revision 2 approved by otto"
    shown = json.loads(transdraft("drafts", "show", draft_id, "--format", "json", env=env).stdout)
    assert (shown["status"], shown["approved_revision"]) == ("approved", 2)


@pytest.mark.slow  # a transdraft serve process
def test_serve_answers_health_and_the_api(tmp_path, sqlite_url):
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    from tests.cli.conftest import REPO

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSDRAFT_")}
    env.update(PYTHONPATH=str(REPO), TRANSDRAFT_DATABASE_URL=sqlite_url)
    server = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port)],
                              env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        assert health.json() == {"status": "ok", "database": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/api/drafts").status_code == 401
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert "Bearer" not in output

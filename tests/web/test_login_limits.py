"""Login limits stop guessing without locking the real user out."""

from __future__ import annotations

import re
import threading

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from pipeline.accounts import users as accounts
from pipeline.db.models import LoginAttempt, utcnow
from pipeline.db.session import session_scope
from tests.web.conftest import make_client
from tests.web.factories import PASSWORD


def _try(client, name, password, headers=None):
    page = client.get("/login")
    nonce = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": nonce},
                       follow_redirects=False, headers=headers or {})


def _attempts(url: str) -> int:
    with session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(LoginAttempt))


def test_the_real_user_signs_in_while_an_attacker_hammers_their_name(seeded):
    url, users, _ = seeded
    app = make_client(url).app
    with TestClient(app, client=("203.0.113.66", 4000)) as attacker, \
            TestClient(app, client=("198.51.100.7", 5000)) as user:
        stop = threading.Event()
        answers: list[int] = []

        def hammer() -> None:
            while not stop.is_set() and len(answers) < 40:
                answers.append(_try(attacker, "reviewer1", "guess").status_code)

        thread = threading.Thread(target=hammer)
        thread.start()
        try:
            while len(answers) < 8:  # the attacker is past the limit
                stop.wait(0.05)
            signed_in = [_try(user, "reviewer1", PASSWORD).status_code for _ in range(3)]
        finally:
            stop.set()
            thread.join()
    assert signed_in == [303, 303, 303]
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
    # Refused attempts are not stored: the lock ends when the window does.
    assert _attempts(url) == 5 + 3


def test_the_attempts_table_is_pruned_on_every_attempt(seeded):
    url, users, _ = seeded
    with session_scope(url) as session:
        old = utcnow() - accounts.ATTEMPT_WINDOW * 2
        session.add_all(LoginAttempt(user_name=f"n{i}", address="192.0.2.1", succeeded=False,
                                     created_at=old) for i in range(200))
    with make_client(url) as client:
        assert _try(client, "reviewer1", "wrong").status_code == 401
    assert _attempts(url) == 1


def test_forwarded_for_counts_only_from_trusted_proxies(seeded, monkeypatch):
    monkeypatch.setattr(accounts, "MAX_FAILURES_PER_ADDRESS", 4)
    url, users, _ = seeded
    # Untrusted peer: rotating X-Forwarded-For does not escape the per-address limit.
    with TestClient(make_client(url).app, client=("127.0.0.1", 1)) as client:
        codes = [_try(client, f"nobody{i}", "x", {"X-Forwarded-For": f"10.9.0.{i}"}).status_code
                 for i in range(6)]
    assert codes == [401] * 4 + [429] * 2
    # Behind a trusted proxy, the forwarded address is the client.
    app = make_client(url, trusted_proxies=["127.0.0.1"]).app
    with TestClient(app, client=("127.0.0.1", 2)) as client:
        codes = [_try(client, "operator1", PASSWORD, {"X-Forwarded-For": f"10.8.0.{i}"}
                      ).status_code for i in range(2)]
        spoofed = _try(client, "nobody", "x", {"X-Forwarded-For": "10.7.0.1, 127.0.0.1"})
    assert codes == [303, 303] and spoofed.status_code == 401
    with session_scope(url) as session:
        addresses = set(session.scalars(select(LoginAttempt.address)))
    assert {"10.8.0.0", "10.8.0.1", "10.7.0.1"} <= addresses

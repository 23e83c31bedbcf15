"""Failures an operator meets first: one short line, cause first, no payload, no waiting.

The provider hosts here do not exist (``.invalid`` never resolves) or listen nowhere (a
closed port on 127.0.0.1), which is what an offline machine looks like.
"""

from __future__ import annotations

import json
import socket
import time

import pytest

from tests.stubs.server import Response, StubServer

ARTICLE_PATH = "/news/harbour"


@pytest.fixture
def site(seed_html):
    with StubServer({ARTICLE_PATH: lambda request: Response(200, seed_html)}) as server:
        yield server


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path, **extra) -> dict[str, str]:
    return {"TRANSDRAFT_DATABASE_URL": f"sqlite:///{tmp_path / 'op.db'}",
            "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1", **extra}


def _translate_in_process(url: str, env: dict[str, str], monkeypatch):
    """Run ``translate`` here, recording every time.sleep instead of sleeping: the waits
    are what this is about, and wall-clock bounds are unreliable on a busy machine."""
    from typer.testing import CliRunner

    from cli.main import app

    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    result = CliRunner().invoke(app, ["translate", url, "--to", "es"], env=env)
    monkeypatch.undo()
    return result, slept


@pytest.mark.parametrize("provider, setting, host, cause", [
    ("google", "TRANSDRAFT_GOOGLE_URL", "translate.nowhere.invalid", "DNS lookup failed"),
    ("libre", "TRANSDRAFT_LIBRE_URL", "127.0.0.1", "connection refused"),
])
def test_unreachable_provider_fails_at_once_with_one_actionable_line(
        transdraft, site, tmp_path, monkeypatch, provider, setting, host, cause):
    where = (f"https://{host}/m" if host != "127.0.0.1"
             else f"http://127.0.0.1:{_closed_port()}")
    env = _env(tmp_path, TRANSDRAFT_PROVIDER=provider, **{setting: where})
    run, slept = _translate_in_process(site.url(ARTICLE_PATH), env, monkeypatch)
    assert run.exit_code == 1, run.stderr
    lines = run.stderr.strip().splitlines()
    error = lines[-1]
    assert error == (f"error: cannot reach {host} ({cause}): check the network or choose "
                     "another provider with --provider or TRANSDRAFT_PROVIDER")
    assert len(error) <= len("error: ") + 200
    assert not any(line.startswith("error:") for line in lines[:-1])
    # No retries to sit through (the old code slept 0.5 s, then 10 s twice: 24.5 s in all).
    assert sum(slept) == 0, slept

    job = json.loads(transdraft("jobs", "show", "1", "--format", "json", env=env).stdout)
    assert job["state"] == "failed"
    assert job["last_error"].startswith(f"cannot reach {host} ({cause})")
    assert "Marrow" not in job["last_error"] and "%20" not in job["last_error"]
    assert len(job["last_error"]) <= 300
    # Nothing left the machine, so nothing counts against a budget.
    status = transdraft("status", env=env)
    assert "characters sent today (UTC): none" in status.stdout

    # Again at once: the provider is paused now; the cause still comes first, with no wait.
    again, slept = _translate_in_process(site.url(ARTICLE_PATH), env, monkeypatch)
    assert again.stderr.splitlines()[-1].startswith(f"error: cannot reach {host} ({cause})")
    assert f"({provider} paused until " in again.stderr
    assert sum(slept) == 0, slept


def test_a_long_reason_is_stored_short_and_printed_shorter(transdraft, tmp_path):
    from pipeline.reasons import reason_line

    payload = "q=" + "Word%20" * 400
    raw = (f"google: connection failed (HTTPSConnectionPool(host='x'): Max retries exceeded "
           f"with url: https://translate.example/m?{payload}\n[SQL: UPDATE jobs SET x=?]\n"
           "[parameters: ('secret',)])")
    stored = reason_line(raw)
    shown = reason_line(raw, 200)
    assert len(stored) <= 300 and len(shown) <= 200
    assert "\n" not in stored
    assert "Word" not in stored and "SQL" not in stored and "secret" not in stored
    assert stored.startswith("google: connection failed")

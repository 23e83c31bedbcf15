"""``enqueue``, ``jobs list|show|retry`` and ``up --no-web`` as an operator runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.cli.conftest import REPO
from tests.services import REDIS_URL, needs
from tests.stubs.server import StubServer
from tests.stubs.site import ArticleSite
from tests.stubs.translators import libre_routes

DOWN_BROKER = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


@pytest.fixture
def env(sqlite_url):
    return {"TRANSDRAFT_DATABASE_URL": sqlite_url, "TRANSDRAFT_BROKER_URL": DOWN_BROKER}


@pytest.fixture
@needs("redis")
def broker():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}")
    client.delete("fetch", "translate", "compose", "dispatch", "sweep")
    yield client
    client.delete("fetch", "translate", "compose", "dispatch", "sweep")


def test_enqueue_reports_new_duplicate_and_invalid_and_sends_the_new_jobs(
        transdraft, sqlite_url, broker, tmp_path):
    (tmp_path / "urls.txt").write_text(
        "# a comment\nhttps://news.example.org/a\n\nhttps://news.example.org/b?utm_source=x\n")
    env = {"TRANSDRAFT_DATABASE_URL": sqlite_url, "TRANSDRAFT_BROKER_URL": REDIS_URL}
    run = transdraft("enqueue", "https://news.example.org/b", "ftp://news.example.org/c",
                     "--file", "urls.txt", "--to", "es", env=env)
    assert run.code == 0, run.stderr
    assert run.stdout.splitlines() == [
        "new 2, duplicate 1, invalid 1",
        "duplicate: https://news.example.org/b?utm_source=x: job 2 is queued",
        "invalid: ftp://news.example.org/c: invalid URL: unsupported scheme 'ftp'",
    ]
    assert run.stderr == ""  # no progress bar when stderr is not a terminal
    messages = [json.loads(raw) for raw in broker.lrange("fetch", 0, -1)]
    assert sorted(m["headers"]["argsrepr"] for m in messages) == ["[1]", "[2]"]
    assert {m["headers"]["task"] for m in messages} == {"transdraft.fetch"}

    listed = json.loads(transdraft("jobs", "list", "--format", "json", env=env).stdout)
    assert [(job["id"], job["state"], job["target_lang"]) for job in listed] == [
        (2, "queued", "es"), (1, "queued", "es")]


def test_enqueue_while_up_runs_leaves_the_jobs_to_it_and_sends_nothing(
        transdraft, sqlite_url, broker):
    """Under `transdraft up` a broker message is read by nobody: a live runner's heartbeat
    in the database keeps enqueue from sending one; once the runner stops, jobs are sent."""
    from config.settings import Settings
    from pipeline.db.session import upgrade
    from worker.local import LocalRunner

    upgrade(sqlite_url)
    env = {"TRANSDRAFT_DATABASE_URL": sqlite_url, "TRANSDRAFT_BROKER_URL": REDIS_URL}
    runner = LocalRunner(Settings(database_url=sqlite_url, broker_url=REDIS_URL), threads=1,
                         extract_processes=0)
    runner._beat()  # what its scheduler thread does every few seconds while `up` runs
    try:
        run = transdraft("enqueue", "https://news.example.org/up-a", env=env)
        assert run.code == 0, run.stderr
        assert "`transdraft up` is running on this database" in run.stderr
        assert broker.llen("fetch") == 0
    finally:
        runner.stop()  # says it goes: its heartbeat row is removed
    run = transdraft("enqueue", "https://news.example.org/up-b", env=env)
    assert run.code == 0 and run.stderr == ""
    assert broker.llen("fetch") == 1


def test_enqueue_from_stdin_exit_status_when_all_invalid_or_all_duplicate(transdraft, env):
    run = transdraft("enqueue", "--file", "-", env=env,
                     stdin="https://news.example.org/x\nhttps://news.example.org/x#top\n")
    assert run.code == 0 and run.stdout.startswith("new 1, duplicate 1, invalid 0")
    # The broker is down: the job is kept queued and the operator is told.
    assert "1 new jobs were not sent" in run.stderr

    again = transdraft("enqueue", "https://news.example.org/x", env=env)
    assert again.code == 0 and again.stdout.startswith("new 0, duplicate 1, invalid 0")

    bad = transdraft("enqueue", "notaurl", "mailto:a@b.c", env=env)
    assert bad.code == 1
    assert bad.stdout.splitlines()[0] == "new 0, duplicate 0, invalid 2"
    assert bad.stderr.strip() == "error: every URL was invalid (2); no job was made"

    nothing = transdraft("enqueue", env=env)
    assert nothing.code == 2
    states = json.loads(transdraft("status", "--format", "json", env=env).stdout)["jobs"]
    assert states["queued"] == 1


@pytest.fixture
def in_process():
    """The command run in this process (quicker than a subprocess for many short calls)."""
    from typer.testing import CliRunner

    from cli.main import app
    from tests.cli.conftest import Run

    def run(*args: str, env: dict[str, str]) -> Run:
        result = CliRunner().invoke(app, list(args), env=env)
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


def test_jobs_show_and_retry(in_process, env, sqlite_url):
    from pipeline.db.models import Job
    from pipeline.db.session import session_scope

    transdraft = in_process

    transdraft("enqueue", "https://news.example.org/1", "https://news.example.org/2", env=env)
    with session_scope(sqlite_url) as session:
        for job in session.query(Job):
            job.state, job.last_error = "failed", "fetch failed: HTTP 404 Not Found"

    shown = transdraft("jobs", "show", "1", "--format", "json", env=env)
    document = json.loads(shown.stdout)
    assert document["state"] == "failed"
    assert document["last_error"] == "fetch failed: HTTP 404 Not Found"
    assert "last_error: fetch failed: HTTP 404 Not Found" in \
        transdraft("jobs", "show", "1", env=env).stdout

    one = transdraft("jobs", "retry", "1", env=env)
    assert one.code == 0 and one.stdout.startswith("queued again: 1")
    again = transdraft("jobs", "retry", "1", env=env)
    assert again.code == 1 and again.stderr.strip() == "error: job 1 is queued, not failed"
    rest = transdraft("jobs", "retry", "--failed", env=env)
    assert rest.code == 0 and rest.stdout.startswith("queued again: 1")
    failed = json.loads(transdraft("jobs", "list", "--state", "failed", "--format", "json",
                                   env=env).stdout)
    assert failed == []

    missing = transdraft("jobs", "show", "99", env=env)
    assert missing.code == 1 and missing.stderr.strip() == "error: no job 99"
    assert transdraft("jobs", "retry", env=env).code == 2
    assert transdraft("jobs", "list", "--state", "lost", env=env).code == 2


def test_up_runs_queued_jobs_without_a_broker(transdraft, env, sqlite_url, tmp_path):
    with ArticleSite(4) as site, StubServer(libre_routes()) as libre:
        env = {**env, "TRANSDRAFT_PROVIDER": "libre", "TRANSDRAFT_LIBRE_URL": libre.base_url,
               "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1", "TRANSDRAFT_FETCH_HOST_RATE": "0"}
        assert transdraft("enqueue", *site.urls()[:3], env=env).code == 0
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TRANSDRAFT_")}
        environment.update(env, PYTHONPATH=str(REPO))
        up = subprocess.Popen([sys.executable, "-m", "cli", "up", "--no-web", "--concurrency",
                               "3", "--extract-processes", "1"], env=environment,
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
        try:
            # Jobs enqueued while it runs are picked up from the database as well.
            assert transdraft("enqueue", site.urls()[3], env=env).code == 0
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                states = json.loads(transdraft("status", "--format", "json", env=env).stdout)
                if states["jobs"]["done"] == 4:
                    break
                time.sleep(0.5)
            assert states == {"jobs": {"queued": 0, "running": 0, "done": 4, "failed": 0},
                              "drafts": {"pending_review": 4, "approved": 0, "rejected": 0}}
        finally:
            up.send_signal(signal.SIGTERM)
            _, stderr = up.communicate(timeout=30)
        assert up.returncode == 0, stderr
        assert "transdraft up: 3 runners, 1 extraction process and the scheduler" in stderr


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_up_serves_the_api_and_runs_what_it_accepts(transdraft, env, tmp_path):
    """`up` with the web app: jobs posted to the API become drafts the API then shows."""
    import httpx

    with ArticleSite(3) as site, StubServer(libre_routes()) as libre:
        env = {**env, "TRANSDRAFT_PROVIDER": "libre", "TRANSDRAFT_LIBRE_URL": libre.base_url,
               "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1", "TRANSDRAFT_FETCH_HOST_RATE": "0"}
        added = transdraft("users", "add", "olga", "--role", "admin", env=env)
        assert added.code == 0, added.stderr
        headers = {"Authorization": f"Bearer {added.stdout.splitlines()[-1]}"}
        port = _free_port()
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TRANSDRAFT_")}
        environment.update(env, PYTHONPATH=str(REPO))
        up = subprocess.Popen([sys.executable, "-m", "cli", "up", "--port", str(port)],
                              env=environment, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(base + "/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            posted = httpx.post(base + "/api/jobs", headers=headers,
                                json={"urls": site.urls(), "target_lang": "es"})
            assert posted.status_code == 202, posted.text
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                drafts = httpx.get(base + "/api/drafts", headers=headers).json()
                if drafts["total"] == 3:
                    break
                time.sleep(0.5)
            assert drafts["total"] == 3, drafts
            assert {item["target_lang"] for item in drafts["items"]} == {"es"}
        finally:
            up.send_signal(signal.SIGTERM)
            _, stderr = up.communicate(timeout=30)
        assert up.returncode == 0, stderr


@pytest.mark.slow  # transdraft processes
def test_enqueue_shows_a_progress_bar_only_on_a_terminal(env, tmp_path):
    import pty

    (tmp_path / "urls.txt").write_text("".join(f"https://bar.example/{n}\n" for n in range(40)))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRANSDRAFT_")}
    environment.update(env, PYTHONPATH=str(REPO), COLUMNS="100")
    controller, terminal = pty.openpty()
    run = subprocess.Popen([sys.executable, "-m", "cli", "enqueue", "--file", "urls.txt"],
                           env=environment, cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=terminal, text=True)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed: the command ended
            break
        if not chunk:
            break
        shown += chunk
    stdout, _ = run.communicate(timeout=60)
    os.close(controller)
    assert run.returncode == 0
    assert stdout.startswith("new 40, duplicate 0, invalid 0")  # the summary stays plain
    assert b"enqueueing" in shown  # rich's bar was drawn on the terminal

"""Following work: ``enqueue --wait``, ``jobs watch``, ``up``'s log lines, and a
``translate`` that finds its article's job in another process's hands."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest

from tests.cli.conftest import REPO
from tests.stubs.server import StubServer
from tests.stubs.site import ArticleSite
from tests.stubs.translators import libre_routes


def _environment(env: dict[str, str]) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRANSDRAFT_")}
    environment.update(env, PYTHONPATH=str(REPO))
    return environment


def test_enqueue_wait_under_up_logs_and_watch(transdraft, sqlite_url, tmp_path):
    from pipeline.db.session import upgrade

    upgrade(sqlite_url)  # two first commands at once would both create the tables
    with ArticleSite(2) as site, StubServer(libre_routes()) as libre:
        env = {"TRANSDRAFT_DATABASE_URL": sqlite_url, "TRANSDRAFT_BROKER_URL": "none",
               "TRANSDRAFT_PROVIDER": "libre", "TRANSDRAFT_LIBRE_URL": libre.base_url,
               "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1", "TRANSDRAFT_FETCH_HOST_RATE": "0"}
        up = subprocess.Popen([sys.executable, "-m", "cli", "up", "--no-web",
                               "--extract-processes", "0"], env=_environment(env),
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
        try:
            missing = site.server.url("/news/404")
            run = transdraft("enqueue", *site.urls(), missing, "--wait", env=env)
        finally:
            up.send_signal(signal.SIGTERM)
            _, log = up.communicate(timeout=30)
    assert run.code == 1, run.stderr
    assert run.stdout.startswith("new 3, duplicate 0, invalid 0")
    lines = run.stderr.splitlines()
    assert "note: no broker configured: the 3 new jobs stay queued for `transdraft up`" in lines
    assert any(re.fullmatch(rf"job 1 done: draft \d  {re.escape(site.urls()[0])}", line)
               for line in lines), lines
    failed = [line for line in lines if line.startswith("job 3 failed at fetch: ")]
    assert failed and failed[0].endswith(missing) and "404" in failed[0]
    assert "jobs: 2 done, 1 failed" in lines
    assert lines[-1] == "error: 1 of 3 jobs failed"
    # `up` says when each job starts, ends and fails, without -v.
    for expected in ("job 1 started: ", "job 1 done: draft ", "job 3 failed at fetch: "):
        assert expected in log, log

    watched = transdraft("jobs", "watch", "1", "2", env=env)
    assert watched.code == 0 and "jobs: 2 done, 0 failed" in watched.stderr
    assert transdraft("jobs", "watch", "3", env=env).code == 1
    unknown = transdraft("jobs", "watch", "1", "99", env=env)
    assert (unknown.code, unknown.stderr) == (1, "error: no job 99\n")
    nothing = transdraft("jobs", "watch", env=env)
    assert (nothing.code, nothing.stdout) == (0, "no job is queued or running\n")


def test_translate_waits_for_the_job_another_process_runs(transdraft, sqlite_url):
    from config.settings import Settings
    from pipeline.db.models import Job
    from pipeline.db.session import session_scope, upgrade
    from pipeline.jobs.intake import enqueue
    from pipeline.jobs.lease import claim
    from pipeline.jobs.services import Services
    from pipeline.jobs.stages import run_stage

    def finish_claimed(job_id: int, services: Services) -> None:
        """What `up` does with the job it has claimed: run its stages to the end."""
        while True:
            with session_scope(sqlite_url) as session:
                if run_stage(session, session.get(Job, job_id), services).next_stage is None:
                    return

    upgrade(sqlite_url)
    with ArticleSite(1) as site, StubServer(libre_routes()) as libre:
        env = {"TRANSDRAFT_DATABASE_URL": sqlite_url, "TRANSDRAFT_PROVIDER": "libre",
               "TRANSDRAFT_LIBRE_URL": libre.base_url,
               "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1"}
        url = site.urls()[0]
        with session_scope(sqlite_url) as session:  # `up` took the job a moment ago
            job_id = enqueue(session, [url], "nl").new[0].id
            assert claim(session, job_id, timedelta(seconds=120)) is not None
        settings = Settings(database_url=sqlite_url, provider=["libre"],
                            libre_url=libre.base_url, fetch_allow_hosts=["127.0.0.1"])

        waiting = subprocess.Popen([sys.executable, "-m", "cli", "translate", url, "--to", "nl"],
                                   env=_environment(env), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        try:
            first = waiting.stderr.readline()  # it says it waits before it waits
            assert first.startswith(f"job {job_id} is running in another process"), first
            finish_claimed(job_id, Services(settings))  # `up` finishes the job
            stdout, stderr = waiting.communicate(timeout=60)
        finally:
            waiting.kill()
    assert waiting.returncode == 0, stderr
    assert stdout.strip() == "1"
    assert "error" not in stderr and "fetching" not in stderr  # nothing run twice


@pytest.mark.slow  # a transdraft process
def test_watch_draws_a_bar_on_a_terminal_and_stdout_stays_clean(sqlite_url, tmp_path):
    import pty

    from pipeline.db.session import session_scope, upgrade
    from pipeline.jobs.intake import enqueue
    from pipeline.jobs.lifecycle import mark_failed

    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        jobs = enqueue(session, ["https://a.example/1", "https://a.example/2"], "nl").new
        mark_failed(jobs[1], "not an article: no main text found")
        queued_id = jobs[0].id

    drawn = threading.Event()

    def finish_soon() -> None:  # once the bar is on the terminal, however slow the start
        drawn.wait(timeout=60)
        time.sleep(0.5)
        with session_scope(sqlite_url) as session:
            mark_failed(session.get(type(jobs[0]), queued_id), "fetch refused: private address")

    controller, terminal = pty.openpty()
    worker = threading.Thread(target=finish_soon)
    worker.start()
    watch = subprocess.Popen([sys.executable, "-m", "cli", "jobs", "watch"],
                             env=_environment({"TRANSDRAFT_DATABASE_URL": sqlite_url,
                                               "COLUMNS": "100"}),
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=terminal, text=True)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
        drawn.set()
    stdout, _ = watch.communicate(timeout=60)
    worker.join()
    os.close(controller)
    assert watch.returncode == 1
    assert stdout == ""
    screen = shown.decode("utf-8", "replace")
    assert "running 0  queued 1" in screen  # the live bar, while job 1 was still queued
    assert "jobs: 0 done, 1 failed" in screen
    assert "fetch refused: private address" in screen

"""``transdraft sources`` end to end: add, list, run, remove, and ``status``, with exit codes."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Run
from tests.pipeline.sources import feeds
from tests.stubs.server import Response, StubServer

ITEMS = [{"link": f"https://news.example/story/{n}", "title": f"Story {n}"} for n in range(3)]


@pytest.fixture(scope="module")
def site():
    routes = {
        "/rss": lambda r: Response(body=feeds.rss(ITEMS), content_type="application/rss+xml"),
        "/sitemap.xml": lambda r: Response(body=feeds.sitemap([("https://news.example/s/1", None)]),
                                           content_type="application/xml"),
        "/broken": lambda r: Response(body="<rss><channel><<<", content_type="text/xml"),
        "/page": lambda r: Response(body="<!DOCTYPE html><html><body><p>Hi</p></body></html>"),
    }
    with StubServer(routes) as server:
        yield server


@pytest.fixture
def td(transdraft, tmp_path):
    """``transdraft`` with a database of its own and the stub site allowed."""
    env = {"TRANSDRAFT_DATABASE_URL": f"sqlite:///{tmp_path / 'sources.db'}",
           "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1", "TRANSDRAFT_TARGET_LANG": "nl"}
    return lambda *args: transdraft(*args, env=env)


@pytest.fixture
def inproc(tmp_path):
    """The same command in this process: quicker where a subprocess shows nothing more."""
    from typer.testing import CliRunner

    from cli.main import app

    env = {"TRANSDRAFT_DATABASE_URL": f"sqlite:///{tmp_path / 'inproc.db'}",
           "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1"}

    def run(*args: str) -> Run:
        result = CliRunner().invoke(app, list(args), env=env)
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            result.exception
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


def error_line(run) -> str:
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr
    return lines[0]


def test_add_list_run_status_remove(td, site):
    added = td("sources", "add", site.url("/rss"))
    assert added.code == 0, added.stderr
    assert added.stdout.startswith(
        f"added source 127.0.0.1: feed {site.url('/rss')} -> nl, nightly, 3 articles listed now")
    sitemap = td("sources", "add", site.url("/sitemap.xml"), "--name", "maps", "--to", "DE",
                 "--schedule", "30 */6 * * *")
    assert sitemap.code == 0, sitemap.stderr
    assert "added source maps: sitemap" in sitemap.stdout and "-> de, 30 */6 * * *" in sitemap.stdout

    listed = json.loads(td("sources", "list", "--format", "json").stdout)
    assert [(s["name"], s["kind"], s["target_lang"], s["schedule"], s["last_run"])
            for s in listed] == [("127.0.0.1", "feed", "nl", "nightly", None),
                                 ("maps", "sitemap", "de", "30 */6 * * *", None)]

    first = td("sources", "run", "127.0.0.1")
    assert first.code == 0, first.stderr
    assert "127.0.0.1: done" in first.stdout and "found 3  new 3  changed 0  skipped 0" in first.stdout
    again = td("sources", "run")  # every enabled source
    assert again.code == 0, again.stderr
    assert "127.0.0.1: done" in again.stdout and "new 0  changed 0  skipped 3" in again.stdout
    assert "maps: done" in again.stdout and "found 1  new 1" in again.stdout

    status = td("status", "--format", "json")
    assert json.loads(status.stdout) == {
        "jobs": {"queued": 4, "running": 0, "done": 0, "failed": 0},
        "drafts": {"pending_review": 0, "approved": 0, "rejected": 0}}
    text = td("status").stdout
    assert "sources:" in text and "127.0.0.1: done" in text and "skipped 3" in text

    removed = td("sources", "remove", "maps")
    assert removed.code == 0 and removed.stdout.strip() == "removed source maps"
    assert [s["name"] for s in json.loads(td("sources", "list", "--format", "json").stdout)] == [
        "127.0.0.1"]


def test_a_failed_source_run_exits_1_with_its_reason_after_the_others_ran(inproc, site):
    td = inproc
    assert td("sources", "add", site.url("/broken"), "--kind", "feed", "--name", "broken").code == 0
    assert td("sources", "add", site.url("/rss"), "--name", "good").code == 0
    run = td("sources", "run")
    assert run.code == 1
    assert error_line(run).startswith("error: 1 of 2 source runs failed: broken: feed unreadable")
    assert "good: done" in run.stdout and "new 3" in run.stdout
    listed = td("sources", "list").stdout.splitlines()
    assert listed[0].startswith("broken  feed  ->nl  nightly  next ")
    assert listed[1].startswith("    failed ") and "error: feed unreadable" in listed[1]
    assert listed[3].startswith("    done ") and "found 3  new 3  changed 0  skipped 0" in listed[3]


def test_bad_input(inproc, site):
    td = inproc
    assert td("sources", "add", site.url("/rss"), "--kind", "rss").code == 2
    assert td("sources", "add", site.url("/rss"), "--schedule", "every night").code == 2
    assert td("sources", "list", "--format", "xml").code == 2
    assert td("sources", "run", "a", "--due").code == 2
    page = td("sources", "add", site.url("/page"))
    assert page.code == 1 and "the URL serves an HTML page" in error_line(page)
    assert "invalid URL" in error_line(td("sources", "add", "ftp://news.example/feed", "--kind", "feed"))
    assert error_line(td("sources", "add", "ftp://news.example/feed")) == \
        "error: invalid URL: unsupported scheme 'ftp'"
    assert "no source named 'nope'" in error_line(td("sources", "run", "nope"))
    assert "no source named 'nope'" in error_line(td("sources", "remove", "nope"))
    assert td("sources", "add", site.url("/rss"), "--name", "n1").code == 0
    twin = td("sources", "add", site.url("/rss?utm_source=x"), "--kind", "feed")
    assert twin.code == 1 and "source 'n1' already reads" in error_line(twin)
    taken = td("sources", "add", site.url("/sitemap.xml"), "--name", "n1")
    assert taken.code == 1 and "a source named 'n1' exists already" in error_line(taken)
    bad_name = td("sources", "add", site.url("/sitemap.xml"), "--name", "two words")
    assert bad_name.code == 1 and "invalid name" in error_line(bad_name)
    # Added just now, nightly: its first slot is still to come.
    due = td("sources", "run", "--due")
    assert due.code == 0 and due.stdout.strip() == "nothing to run (no source is due)"
    assert td("sources", "list").stdout.count("never run") == 1
    assert td("sources", "disable", "n1").stdout.strip() == "disabled source n1"
    assert json.loads(td("sources", "list", "--format", "json").stdout)[0]["enabled"] is False
    assert td("sources", "run").stdout.strip() == "nothing to run (no enabled source)"
    assert td("sources", "enable", "n1").code == 0
    quiet = td("sources", "add", site.url("/sitemap.xml"), "--skip-existing")
    assert quiet.code == 0 and "remembered 1 articles listed now" in quiet.stdout
    assert "found 1  new 0  changed 0  skipped 1" in td("sources", "run", "127.0.0.1").stdout
    assert "no source named 'nope'" in error_line(td("sources", "disable", "nope"))

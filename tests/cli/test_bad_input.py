"""Every bad input ends in exit 1 with one clear ``error:`` line, no traceback, quickly."""

from __future__ import annotations

import gzip
import json
import time
import zlib

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.services import needs
from tests.stubs.server import Response, StubServer
from tests.stubs.translators import libre_routes

NAV_ONLY = """<html><head><title>Home</title></head><body>
<nav><ul><li><a href="/a">News</a></li><li><a href="/b">Sport</a></li>
<li><a href="/c">Weather</a></li></ul></nav><footer>© Example</footer></body></html>"""


def _bomb() -> list[bytes]:
    # 2 GB of zeros once inflated; sent as a few MB of gzip.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    parts = [compressor.compress(chunk) for _ in range(2048)]
    return [b"".join(parts) + compressor.flush()]


def _redirect(location: str) -> Response:
    return Response(302, b"", {"Location": location})


def _routes(bomb: list[bytes]) -> dict:
    big = b"<html><body><p>" + b"x" * (11 * 1024 * 1024) + b"</p></body></html>"
    return {
        "/pdf": lambda r: Response(200, b"%PDF-1.7 ...", content_type="application/pdf"),
        "/image": lambda r: Response(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png"),
        "/binary": lambda r: Response(200, bytes(range(256)) * 8, content_type="application/octet-stream"),
        "/untyped": lambda r: Response(200, bytes(range(256)) * 8, content_type=None),
        "/huge": lambda r: Response(200, iter([big[i:i + 65536] for i in range(0, len(big), 65536)])),
        "/bomb": lambda r: Response(200, iter(bomb), {"Content-Encoding": "gzip"}),
        "/broken-gzip": lambda r: Response(200, gzip.compress(b"<html>" * 1000)[:-40] + b"garbage!" * 5,
                                           {"Content-Encoding": "gzip"}),
        "/loop-a": lambda r: _redirect("/loop-b"),
        "/loop-b": lambda r: _redirect("/loop-a"),
        **{f"/chain-{i}": (lambda i: lambda r: _redirect(f"/chain-{i + 1}"))(i) for i in range(7)},
        "/to-private": lambda r: _redirect("http://10.0.0.1/admin"),
        "/to-metadata": lambda r: _redirect("http://169.254.169.254/latest/meta-data/"),
        "/to-file": lambda r: _redirect("file:///etc/passwd"),
        "/missing": lambda r: Response(404, b"<html><body>Not here</body></html>"),
        "/crash": lambda r: Response(500, b"<html><body>Oops</body></html>"),
        "/empty": lambda r: Response(200, b""),
        "/nav": lambda r: Response(200, NAV_ONLY),
    }


@pytest.fixture(scope="module")
@needs("slow")  # a 2 GB gzip bomb is made first
def site():
    with StubServer(_routes(_bomb())) as server:
        yield server


@pytest.fixture(scope="module")
def libre():
    with StubServer(libre_routes()) as server:
        yield server


def _translate(url: str, env: dict[str, str]):
    runner = CliRunner()
    started = time.monotonic()
    result = runner.invoke(app, ["translate", url, "--to", "nl"], env=env)
    return result, time.monotonic() - started


def _assert_clean_failure(result, expected: str) -> None:
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception  # no crash
    # Plain progress lines (stderr is not a terminal) may come first; the error is one line,
    # the last one.
    lines = result.stderr.strip().splitlines()
    assert [line for line in lines if line.startswith("error: ")] == lines[-1:], result.stderr
    assert expected in lines[-1], lines[-1]
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""


SITE_CASES = [
    ("/pdf", "unsupported content type application/pdf"),
    ("/image", "unsupported content type image/png"),
    ("/binary", "unsupported content type application/octet-stream"),
    ("/untyped", "unsupported content type"),
    ("/huge", "too large: over 10 MB"),
    ("/bomb", "too large: over 10 MB"),
    ("/broken-gzip", "broken content encoding"),
    ("/loop-a", "redirect loop"),
    ("/chain-0", "too many redirects (over 5)"),
    ("/to-private", "fetch refused: private address"),
    ("/to-metadata", "fetch refused: private address"),
    ("/to-file", "fetch refused: redirect to unsupported scheme 'file'"),
    ("/missing", "HTTP 404"),
    ("/crash", "HTTP 500"),
    ("/empty", "empty body"),
    ("/nav", "not an article: no main text found"),
]


@pytest.mark.parametrize("path,expected", SITE_CASES, ids=[c[0] for c in SITE_CASES])
def test_bad_pages_fail_cleanly_and_are_recorded(path, expected, site, libre, sqlite_url):
    env = {"TRANSDRAFT_DATABASE_URL": sqlite_url, "TRANSDRAFT_PROVIDER": "libre",
           "TRANSDRAFT_LIBRE_URL": libre.base_url, "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1"}
    result, elapsed = _translate(site.url(path), env)
    _assert_clean_failure(result, expected)
    assert elapsed < 60
    # The job is kept, failed, with the reason a person can act on.
    status = CliRunner().invoke(app, ["status", "--format", "json"], env=env)
    assert json.loads(status.stdout)["jobs"]["failed"] == 1


BAD_URLS = [
    ("http://", "invalid URL"),
    ("not a url", "invalid URL"),
    ("http://exa mple.com/x", "invalid URL"),
    ("ftp://example.com/file.html", "unsupported scheme 'ftp'"),
    ("file:///etc/passwd", "unsupported scheme 'file'"),
    ("javascript:alert(1)", "invalid URL"),
    ("data:text/html,<p>hi</p>", "invalid URL"),
    ("gopher://example.com/", "unsupported scheme 'gopher'"),
]

PRIVATE_SPELLINGS = [
    "http://127.0.0.1/", "http://localhost/", "http://LOCALHOST./", "http://app.localhost/",
    "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/",
    "http://2130706433/", "http://0x7f000001/", "http://0x7f.0.0.1/", "http://0177.0.0.1/",
    "http://127.1/", "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/",
    "http://169.254.169.254/", "http://0.0.0.0/", "http://0/", "http://224.0.0.1/",
    "http://100.64.0.1/", "http://[fe80::1]/", "http://[fc00::1]/", "http://[::]/",
    "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::]/", "https://127.0.0.1:8443/x",
]


@pytest.mark.parametrize("url,expected", BAD_URLS, ids=[c[0] for c in BAD_URLS])
def test_malformed_urls_and_schemes(url, expected, sqlite_url):
    result, _ = _translate(url, {"TRANSDRAFT_DATABASE_URL": sqlite_url})
    _assert_clean_failure(result, expected)


@pytest.mark.parametrize("url", PRIVATE_SPELLINGS)
def test_every_private_address_spelling_is_refused(url, sqlite_url):
    result, elapsed = _translate(url, {"TRANSDRAFT_DATABASE_URL": sqlite_url})
    _assert_clean_failure(result, "fetch refused: private address")
    assert elapsed < 10


def test_stalled_server_fails_within_a_minute_with_default_timeouts(transdraft, sqlite_url):
    stall = StubServer({"/slow": lambda r: Response(200, iter([b"<html>"] + [b""] * 0), delay=120)})
    with stall:
        started = time.monotonic()
        run = transdraft("translate", stall.url("/slow"),
                         env={"TRANSDRAFT_DATABASE_URL": sqlite_url,
                              "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1"}, timeout=90)
        elapsed = time.monotonic() - started
    assert run.code == 1
    last = run.stderr.splitlines()[-1]
    assert last.startswith("error: fetch timed out") and run.stderr.count("error:") == 1
    assert "Traceback" not in run.stderr
    assert elapsed < 60


def test_usage_errors_exit_2(sqlite_url):
    runner = CliRunner()
    env = {"TRANSDRAFT_DATABASE_URL": sqlite_url}
    assert runner.invoke(app, ["translate"], env=env).exit_code == 2
    assert runner.invoke(app, ["translate", "http://example.org/", "--provider", "babelfish"],
                         env=env).exit_code == 2
    assert runner.invoke(app, ["drafts", "show", "abc"], env=env).exit_code == 2
    assert runner.invoke(app, ["drafts", "list", "--status", "lost"], env=env).exit_code == 2
    assert runner.invoke(app, ["status", "--format", "xml"], env=env).exit_code == 2


def test_unknown_draft_and_invalid_template_are_work_failures(tmp_path, sqlite_url):
    runner = CliRunner()
    env = {"TRANSDRAFT_DATABASE_URL": sqlite_url}
    _assert_clean_failure(runner.invoke(app, ["drafts", "show", "999"], env=env),
                          "no draft with id 999")
    (tmp_path / "blocks" / "header").mkdir(parents=True)
    (tmp_path / "blocks" / "header" / "10-broken.html.j2").write_text("<p>{{ article.title </p>")
    result = runner.invoke(app, ["translate", "http://example.org/a"],
                           env={**env, "TRANSDRAFT_BLOCKS_DIR": str(tmp_path / "blocks")})
    _assert_clean_failure(result, "header/10-broken.html.j2")


def test_invalid_setting_is_a_clear_error(sqlite_url):
    result = CliRunner().invoke(app, ["status"], env={"TRANSDRAFT_DATABASE_URL": sqlite_url,
                                                      "TRANSDRAFT_CHAR_BUDGET_DAILY": "lots"})
    _assert_clean_failure(result, "invalid settings: char_budget_daily")

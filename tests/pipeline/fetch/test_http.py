"""fetch() against stub sites on 127.0.0.1: what is fetched, and how every bad answer fails.

The stubs run on loopback, which the guard refuses; tests allow 127.0.0.1 explicitly.
"""

from __future__ import annotations

import gzip
import socket
import struct
import time
import tracemalloc
import zlib
from collections.abc import Iterator

import pytest

from config.settings import Settings
from pipeline.errors import FetchFailed, FetchRefused, FetchUnavailable, InvalidURL
from pipeline.fetch.http import fetch
from tests.stubs.server import Response

ARTICLE = ("<!DOCTYPE html><html><head><title>Story</title></head>"
           "<body><article><p>The text of the story.</p></article></body></html>")
RUSSIAN = ("Съешь же ещё этих мягких французских булок, да выпей чаю. "
           "Широкая электрификация южных губерний даст мощный толчок подъёму сельского хозяйства. "
           "В чащах юга жил бы цитрус? Да, но фальшивый экземпляр!")


@pytest.fixture
def site(blank_site):
    return blank_site


def allowing(**overrides) -> Settings:
    """Settings that let fetch reach the stub on 127.0.0.1."""
    return Settings(fetch_allow_hosts=["127.0.0.1"], **overrides)


def page(body=ARTICLE, **kwargs):
    return lambda request: Response(body=body, **kwargs)


def fails(url: str, settings: Settings, error: type[Exception], within: float = 5.0) -> str:
    """Fetch ``url``, expect ``error`` within ``within`` seconds; return its reason."""
    start = time.monotonic()
    with pytest.raises(error) as caught:
        fetch(url, settings)
    assert time.monotonic() - start < within
    return caught.value.reason


# --- what a good fetch returns -------------------------------------------------------------

def test_fetches_html_and_describes_the_page(site):
    site.routes = {"/story": page()}
    result = fetch(site.url("/story?id=1&utm_source=feed#top"), allowing())
    assert result.html == ARTICLE
    assert result.url == result.final_url == site.url("/story?id=1")
    assert (result.status, result.content_type, result.encoding) == (200, "text/html", "utf-8")
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    request = site.requests[0]
    assert request.query == {"id": ["1"]}  # tracking parameters are not even sent
    assert request.headers["user-agent"].startswith("transdraft/")
    assert request.headers["host"] == f"127.0.0.1:{site.port}"


def test_xhtml_is_accepted(site):
    site.routes = page(content_type="application/xhtml+xml; charset=utf-8")
    assert fetch(site.url(), allowing()).content_type == "application/xhtml+xml"


def test_html_without_content_type_is_sniffed(site):
    site.routes = page(content_type=None)
    result = fetch(site.url(), allowing())
    assert result.html == ARTICLE and result.content_type == "text/html"


@pytest.mark.parametrize("encoding, compress", [
    ("gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
])
def test_compressed_bodies_are_decoded(encoding, compress, site):
    body = compress(ARTICLE.encode())
    site.routes = page(body, headers={"Content-Encoding": encoding})
    assert fetch(site.url(), allowing()).html == ARTICLE


# --- the SSRF guard on the first hop and on every redirect ---------------------------------

def test_loopback_is_refused_before_any_request_without_the_allow_list(site):
    site.routes = page()
    reason = fails(site.url(), Settings(), FetchRefused)
    assert site.requests == []
    assert reason == "fetch refused: private address 127.0.0.1 (loopback)"


def test_allow_list_from_the_environment_is_honoured(monkeypatch, site):
    monkeypatch.setenv("TRANSDRAFT_FETCH_ALLOW_HOSTS", "10.0.0.0/8, 127.0.0.1")
    site.routes = page()
    assert fetch(site.url(), Settings()).html == ARTICLE


@pytest.mark.parametrize("location, shown", [
    ("http://10.0.0.1/admin", "10.0.0.1 (private network)"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 (link-local)"),
    ("http://[::1]:{port}/", "::1 (loopback)"),
    ("http://[::ffff:192.168.0.1]/", "::ffff:c0a8:1 (private network)"),
    ("http://0xa000001/", "10.0.0.1 (private network)"),
    ("http://0300.0250.0.1/", "192.168.0.1 (private network)"),
    ("http://localhost:{port}/", "(localhost)"),
])
def test_redirect_to_a_private_address_is_refused(location, shown, site):
    site.routes = {"/": lambda r: Response(302, headers={"Location": location.format(
        port=site.port)})}
    reason = fails(site.url(), allowing(), FetchRefused)
    assert len(site.requests) == 1
    assert reason == f"fetch refused: private address {shown}"


def test_redirect_to_a_name_of_a_private_address_is_refused(monkeypatch, site):
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host == "intranet.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.1.1", 80))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    site.routes = {"/": lambda r: Response(301, headers={"Location": "http://intranet.example/"})}
    reason = fails(site.url(), allowing(), FetchRefused)
    assert reason == "fetch refused: private address 10.1.1.1 (private network) " \
                     "for host intranet.example"


@pytest.mark.parametrize("location, scheme", [
    ("file:///etc/passwd", "file"), ("ftp://example.com/x", "ftp"), ("gopher://x/", "gopher"),
])
def test_redirect_to_another_scheme_is_refused(location, scheme, site):
    site.routes = {"/": lambda r: Response(302, headers={"Location": location})}
    reason = fails(site.url(), allowing(), FetchRefused)
    assert reason == f"fetch refused: redirect to unsupported scheme '{scheme}' ({location})"


def test_connection_goes_to_the_vetted_address_not_a_second_lookup(monkeypatch, site):
    """DNS rebinding: the name resolves to the stub once, then to somewhere else."""
    answers = iter(["127.0.0.1", "10.255.255.1", "10.255.255.1"])
    lookups = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    site.routes = page()
    result = fetch(f"http://rebind.example:{site.port}/", allowing(fetch_connect_timeout=1))
    assert site.requests[0].headers["host"] == f"rebind.example:{site.port}"
    assert result.html == ARTICLE
    assert lookups == ["rebind.example"]


# --- redirects --------------------------------------------------------------------------

def _chain(length: int) -> dict:
    routes = {f"/r{i}": (lambda i: lambda r: Response(302, headers={
        "Location": f"/r{i + 1}"}))(i) for i in range(length)}
    routes[f"/r{length}"] = page()
    return routes


def test_five_redirects_are_followed(site):
    site.routes = _chain(5)
    result = fetch(site.url("/r0"), allowing())
    assert result.final_url == site.url("/r5") and result.url == site.url("/r0")
    assert result.html == ARTICLE


def test_six_redirects_are_too_many(site):
    site.routes = _chain(6)
    reason = fails(site.url("/r0"), allowing(), FetchFailed)
    assert len(site.requests) == 6
    assert reason == "too many redirects (over 5)"


def test_redirect_loop_is_detected(site):
    site.routes = {"/a": lambda r: Response(302, headers={"Location": "/b"}),
                   "/b": lambda r: Response(307, headers={"Location": "/a?utm_source=x"})}
    reason = fails(site.url("/a"), allowing(), FetchFailed)
    assert len(site.requests) == 2
    assert reason == f"redirect loop: {site.url('/b')} redirects back to {site.url('/a')}"


def test_redirect_without_location_fails(site):
    site.routes = page(status=302, body="")
    assert fails(site.url(), allowing(), FetchFailed) == \
        "HTTP 302 redirect without a Location"


# --- status codes -------------------------------------------------------------------------

@pytest.mark.parametrize("status, reason", [
    (404, "HTTP 404 Not Found"), (410, "HTTP 410 Gone"), (403, "HTTP 403 Forbidden"),
    (400, "HTTP 400 Bad Request"),
])
def test_client_errors_are_permanent(status, reason, site):
    site.routes = page(status=status)
    assert fails(site.url(), allowing(), FetchFailed) == reason


@pytest.mark.parametrize("status, retry_after, expected", [
    (500, None, None), (503, "120", 120.0), (429, "7", 7.0), (502, "soon", None),
])
def test_server_errors_and_rate_limits_are_transient(status, retry_after, expected, site):
    headers = {"Retry-After": retry_after} if retry_after else {}
    site.routes = page(status=status, headers=headers)
    with pytest.raises(FetchUnavailable) as caught:
        fetch(site.url(), allowing())
    assert caught.value.reason.startswith(f"HTTP {status} ")
    assert caught.value.retry_after == expected


def test_retry_after_as_a_date(site):
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 60))
    site.routes = page(status=503, headers={"Retry-After": when})
    with pytest.raises(FetchUnavailable, match="HTTP 503 Service Unavailable") as caught:
        fetch(site.url(), allowing())
    assert 50 < caught.value.retry_after <= 60


def test_connection_refused_is_transient():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reason = fails(f"http://127.0.0.1:{port}/", allowing(), FetchUnavailable)
    assert reason.startswith("fetch unavailable: cannot connect to 127.0.0.1")


# --- bad input URLs -----------------------------------------------------------------------

@pytest.mark.parametrize("url, message", [
    ("ftp://example.com/a", "invalid URL: unsupported scheme 'ftp'"),
    ("file:///etc/passwd", "invalid URL: unsupported scheme 'file'"),
    ("not a url", "invalid URL: missing scheme"),
    ("http://", "invalid URL: no host"),
    ("http://exa mple.com/", "invalid URL: bad host name"),
])
def test_malformed_urls_fail_before_any_network(url, message):
    assert fails(url, Settings(), InvalidURL, within=1).startswith(message)


# --- content types and bodies -------------------------------------------------------------

@pytest.mark.parametrize("content_type, body, reason", [
    ("application/pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40,
     "unsupported content type application/pdf"),
    ("image/png", b"\x89PNG\r\n\x1a\n" + bytes(1000), "unsupported content type image/png"),
    ("application/octet-stream", bytes(range(256)) * 4,
     "unsupported content type application/octet-stream"),
    ("text/plain; charset=utf-8", "just text", "unsupported content type text/plain"),
    (None, b"\x89PNG\r\n\x1a\n" + bytes(1000), "unsupported content type: none given"),
    (None, b"\x00\x01<html>", "unsupported content type: none given"),
    (None, b"plain words, no markup", "unsupported content type: none given"),
])
def test_non_html_is_refused(content_type, body, reason, site):
    site.routes = page(body, content_type=content_type)
    assert fails(site.url(), allowing(), FetchFailed) == reason


@pytest.mark.parametrize("body", [b"", b"  \r\n\t ", (b"" for _ in range(3))])
def test_empty_body_fails(body, site):
    site.routes = page(body)
    assert fails(site.url(), allowing(), FetchFailed) == "empty body"


def test_body_over_the_limit_is_cut_off(site):
    settings = allowing(fetch_max_bytes=1000)
    site.routes = {"/big": page("<p>" + "x" * 1000), "/fits": page("<p>" + "x" * 997)}
    assert fails(site.url("/big"), settings, FetchFailed) == "too large: over 1000 bytes"
    assert len(fetch(site.url("/fits"), settings).html) == 1000


def test_streamed_body_over_the_default_10_mb_is_cut_off(site):
    sent = []

    def endless() -> Iterator[bytes]:
        yield b"<html><body>"
        for _ in range(400):  # 25 MB if read to the end
            sent.append(1)
            yield b"<p>" + b"a" * 65530 + b"</p>"

    site.routes = page(endless())
    reason = fails(site.url(), allowing(), FetchFailed, within=10)
    assert reason == "too large: over 10 MB"
    assert len(sent) < 400  # the fetcher stopped reading


def _gzip_bomb(megabytes: int = 1024) -> Iterator[bytes]:
    """A valid gzip stream of ``megabytes`` MB of zeros, made without holding it in memory.

    After a full flush deflate forgets its history, so every MB of zeros compresses to the
    same ~1 KB block: the stream is the block repeated, about 1 MB per GB.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    megabyte = bytes(1 << 20)
    block = compressor.compress(megabyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    yield b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip header
    for _ in range(megabytes):
        yield block
    crc = 0
    for _ in range(megabytes):  # only reached when a client reads it all
        crc = zlib.crc32(megabyte, crc)
    yield compressor.flush() + struct.pack("<II", crc, (megabytes << 20) & 0xFFFFFFFF)


def test_gzip_bomb_is_cut_off_without_inflating_it(site):
    settings = allowing(fetch_max_bytes=1 << 20)
    site.routes = page(_gzip_bomb(), headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        reason = fails(site.url(), settings, FetchFailed, within=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reason == "too large: over 1 MB"
    assert peak < 8 << 20  # 1 GB when inflated; a few MB were ever held


def test_gzip_bomb_stub_is_a_real_gzip_stream():
    assert gzip.decompress(b"".join(_gzip_bomb(megabytes=3))) == bytes(3 << 20)


@pytest.mark.parametrize("body, detail", [
    (b"this is not gzip at all", "broken content encoding gzip: Error -3"),
    (gzip.compress(ARTICLE.encode())[:-12], "broken content encoding gzip: the stream ends early"),
    (gzip.compress(ARTICLE.encode())[:12] + b"\xff" * 50, "broken content encoding gzip"),
])
def test_broken_gzip_fails(body, detail, site):
    site.routes = page(body, headers={"Content-Encoding": "gzip"})
    assert fails(site.url(), allowing(), FetchFailed).startswith(detail)


def test_unknown_content_encoding_fails(site):
    site.routes = page(b"\x0b\x02\x80hello\x03", headers={"Content-Encoding": "br"})
    assert fails(site.url(), allowing(), FetchFailed) == "unsupported content encoding br"


# --- slow and hostile servers -------------------------------------------------------------

def test_server_that_never_answers_times_out(site):
    settings = allowing(fetch_read_timeout=0.5)
    site.routes = page(delay=5)
    reason = fails(site.url(), settings, FetchUnavailable, within=2)
    assert reason == "fetch timed out: no answer from 127.0.0.1 within 0.5 s"


@pytest.mark.slow  # waits out a deadline by design
def test_total_deadline_bounds_a_stall_shorter_than_the_read_timeout(site):
    settings = allowing(fetch_read_timeout=20, fetch_total_timeout=1)
    site.routes = page(delay=4)
    reason = fails(site.url(), settings, FetchUnavailable, within=2)
    assert reason == "fetch timed out after 1 s"


@pytest.mark.slow  # waits out a deadline by design
def test_server_that_stalls_in_the_middle_of_the_body_times_out(site):
    def stalling() -> Iterator[bytes]:
        yield b"<html><body><p>first part"
        time.sleep(4)
        yield b"</p></body></html>"

    settings = allowing(fetch_read_timeout=20, fetch_total_timeout=1)
    site.routes = page(stalling())
    assert fails(site.url(), settings, FetchUnavailable, within=2) == \
        "fetch timed out after 1 s"


@pytest.mark.slow  # waits out a deadline by design
def test_trickling_server_is_cut_off_at_the_total_deadline(site):
    def trickle() -> Iterator[bytes]:
        yield b"<html><body><p>"
        for _ in range(100):  # one byte every 50 ms: each read is quick, the whole is not
            time.sleep(0.05)
            yield b"a"

    settings = allowing(fetch_read_timeout=1, fetch_total_timeout=1.5)
    site.routes = page(trickle())
    assert fails(site.url(), settings, FetchUnavailable, within=2.5) == \
        "fetch timed out after 1.5 s"


@pytest.mark.slow  # waits out a deadline by design
def test_deadline_covers_the_whole_redirect_chain(site):
    routes = {f"/r{i}": (lambda i: lambda r: Response(302, delay=0.4, headers={
        "Location": f"/r{i + 1}"}))(i) for i in range(5)}
    settings = allowing(fetch_read_timeout=5, fetch_total_timeout=1)
    site.routes = routes
    assert fails(site.url("/r0"), settings, FetchUnavailable, within=2) == \
        "fetch timed out after 1 s"


# --- character sets -----------------------------------------------------------------------

def _russian_page(meta: str = "") -> bytes:
    return (f"<html><head>{meta}<title>Новости</title></head>"
            f"<body><p>{RUSSIAN}</p></body></html>").encode("cp1251")


@pytest.mark.parametrize("content_type, meta", [
    ("text/html; charset=windows-1251", ""),                      # header only
    ("text/html", '<meta charset="windows-1251">'),               # meta charset only
    ("text/html", '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'),
    ("text/html", ""),                                            # nothing: sniffed
    (None, ""),                                                   # no content type at all
])
def test_windows_1251_page_decodes_to_cyrillic(content_type, meta, site):
    site.routes = page(_russian_page(meta), content_type=content_type)
    result = fetch(site.url(), allowing())
    assert RUSSIAN in result.html and "<title>Новости</title>" in result.html
    assert result.encoding == "cp1251"


def test_header_charset_wins_over_meta(site):
    body = '<meta charset="iso-8859-1"><p>Grüße</p>'.encode()
    site.routes = page(body, content_type="text/html; charset=utf-8")
    assert "Grüße" in fetch(site.url(), allowing()).html

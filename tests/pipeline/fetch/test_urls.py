"""URL validation and the canonical form of article URLs."""

from __future__ import annotations

import pytest

from pipeline.errors import InvalidURL
from pipeline.fetch import canonicalize, check_url


@pytest.mark.parametrize("url, expected", [
    ("HTTP://Example.COM/a", "http://example.com/a"),
    ("http://example.com:80/a", "http://example.com/a"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("https://example.com:8443/a", "https://example.com:8443/a"),
    ("http://example.com:443/a", "http://example.com:443/a"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com/a#comments", "https://example.com/a"),
    ("https://example.com/a/./b/../c", "https://example.com/a/c"),
    ("https://example.com/a/b/..", "https://example.com/a/"),
    ("https://example.com/caf\u00e9 au lait", "https://example.com/caf%C3%A9%20au%20lait"),
    ("https://example.com/%7e%c3%a9", "https://example.com/%7E%C3%A9"),
    ("https://B\u00fccher.de/x", "https://xn--bcher-kva.de/x"),
    ("https://example.com./a", "https://example.com/a"),
    ("http://[::FFFF:7F00:1]:8080/", "http://[::ffff:7f00:1]:8080/"),
    ("http://0x7f000001/", "http://127.0.0.1/"),
    ("http://127.1/", "http://127.0.0.1/"),
    ("  https://example.com/a  ", "https://example.com/a"),
])
def test_canonicalize_normalizes_spelling(url, expected):
    assert canonicalize(url) == expected


def test_tracking_parameters_are_dropped_and_others_keep_their_order():
    url = ("https://news.example/story?utm_source=tw&id=7&fbclid=abc&page=2&gclid=x&UTM_Medium=s"
           "&dclid=1&msclkid=2&mc_cid=3&mc_eid=4&igshid=5&_ga=6&yclid=7&ref_src=8&a=&b=1")
    assert canonicalize(url) == "https://news.example/story?id=7&page=2&a=&b=1"


def test_same_article_under_different_tracking_gives_one_string():
    variants = [
        "https://news.example/story?id=7",
        "https://NEWS.example:443/story?utm_campaign=spring&id=7#top",
        "https://news.example/story?id=7&fbclid=IwAR0",
        "https://news.example/story?gclid=1&id=7&utm_source=x&utm_medium=y",
    ]
    assert {canonicalize(url) for url in variants} == {"https://news.example/story?id=7"}


def test_only_tracking_parameters_leaves_no_query():
    assert canonicalize("https://news.example/a?utm_source=x&fbclid=y") == "https://news.example/a"


def test_check_url_returns_the_url_stripped():
    assert check_url(" https://example.com/a?b=1#c\n") == "https://example.com/a?b=1#c"


@pytest.mark.parametrize("url, message", [
    ("ftp://example.com/file", "invalid URL: unsupported scheme 'ftp'"),
    ("file:///etc/passwd", "invalid URL: unsupported scheme 'file'"),
    ("javascript:alert(1)", "invalid URL: unsupported scheme 'javascript'"),
    ("mailto:someone@example.com", "invalid URL: unsupported scheme 'mailto'"),
    ("example.com/article", "invalid URL: missing scheme"),
    ("", "invalid URL: empty"),
    ("   ", "invalid URL: empty"),
    ("http://", "invalid URL: no host"),
    ("http:///path", "invalid URL: no host"),
    ("http:example.com", "invalid URL: no host"),
    ("https://:443/", "invalid URL: no host"),
    ("http://user:secret@example.com/", "invalid URL: credentials"),
    ("http://example.com:99999/", "invalid URL: port out of range"),
    ("http://example.com:abc/", "invalid URL: port could not be cast"),
    ("http://example.com:0/", "invalid URL: bad port 0"),
    ("http://[::1/", "invalid URL: invalid ipv6 url"),
    ("http://[fe80::1%25eth0]/", "invalid URL: bad IPv6 address"),
    ("http://exa mple.com/", "invalid URL: bad host name"),
    ("http://a..b/", "invalid URL: bad host name"),
    ("http://1.2.3.999/", "invalid URL: bad IPv4 address"),
    ("http://1.2.3.4.5/", "invalid URL: bad IPv4 address"),
    ("http://example.com/\x00", "invalid URL: contains control characters"),
])
def test_bad_urls_are_refused_with_a_clear_reason(url, message):
    with pytest.raises(InvalidURL) as caught:
        check_url(url)
    assert caught.value.reason.startswith(message)
    with pytest.raises(InvalidURL):
        canonicalize(url)


def test_non_string_is_invalid():
    with pytest.raises(InvalidURL, match="empty"):
        check_url(None)  # type: ignore[arg-type]

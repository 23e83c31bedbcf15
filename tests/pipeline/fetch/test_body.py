"""Body decoding: HTML sniffing, charsets and the size cap, without a network."""

from __future__ import annotations

import zlib

import pytest

from pipeline.errors import FetchFailed
from pipeline.fetch.body import decode_html, format_size, looks_like_html, read_capped


@pytest.mark.parametrize("body", [
    b"<!DOCTYPE html><html></html>", b"\n  <html lang=en>", b"<HEAD><title>x</title>",
    b"\xef\xbb\xbf<!doctype HTML>", b"<!-- generated --><html>", b"<p>text</p>",
])
def test_html_is_recognised(body):
    assert looks_like_html(body)


@pytest.mark.parametrize("body", [
    b"%PDF-1.4", b"\x89PNG\r\n", b"{\"json\": true}", b"plain text", b"<?xml version='1.0'?>",
    b"<htmlx>", b"\x00<html>",
])
def test_other_bodies_are_not_html(body):
    assert not looks_like_html(body)


def test_bom_wins_over_declarations():
    text, encoding = decode_html("\ufeff<p>Grüße</p>".encode("utf-8"), "text/html; charset=cp1251")
    assert (text, encoding) == ("<p>Grüße</p>", "utf-8")


def test_latin1_label_means_windows_1252_as_in_browsers():
    text, encoding = decode_html("<p>“quoted” – €</p>".encode("cp1252"),
                                 "text/html; charset=ISO-8859-1")
    assert text == "<p>“quoted” – €</p>" and encoding == "cp1252"


def test_unknown_declared_charset_falls_back_to_the_next_clue():
    body = '<meta charset="utf-8"><p>Grüße</p>'.encode()
    assert decode_html(body, "text/html; charset=no-such-charset") == (body.decode(), "utf-8")


def test_cap_counts_inflated_bytes():
    compressed = zlib.compress(bytes(100_000))
    assert len(compressed) < 1000
    with pytest.raises(FetchFailed, match="^too large: over 97 KB$"):
        read_capped([compressed], "deflate", 97 * 1024)
    assert read_capped([compressed], "deflate", 100_000) == bytes(100_000)


@pytest.mark.parametrize("size, text", [
    (10 << 20, "10 MB"), (1 << 20, "1 MB"), (512 << 10, "512 KB"), (1000, "1000 bytes"),
])
def test_sizes_read_naturally(size, text):
    assert format_size(size) == text

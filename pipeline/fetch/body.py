"""From response bytes to HTML text: content encoding, size cap, HTML check and charset.

The body is inflated here rather than by httpx because httpx inflates a whole network chunk
at once: 64 KB of a gzip bomb become 64 MB before anyone can count them. Here output comes
in bounded pieces and reading stops at the first byte past the limit.
"""

from __future__ import annotations

import codecs
import re
import zlib
from collections.abc import Iterable, Iterator

import charset_normalizer

from pipeline.errors import FetchFailed

HTML_TYPES = ("text/html", "application/xhtml+xml")
ACCEPT_ENCODING = "gzip, deflate"
GZIP_MAGIC = b"\x1f\x8b"
# What feeds and sitemaps are served as in the wild, besides the */xml and */*+xml types:
# .xml.gz files, "download" types, and feeds mislabelled as text or HTML.
_XML_ALSO = frozenset({"text/plain", "text/html", "application/octet-stream",
                       "application/gzip", "application/x-gzip", "binary/octet-stream"})

_PIECE = 64 * 1024  # most bytes one inflate step may produce
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
# Tags that start an HTML document, after the WHATWG MIME sniffing algorithm.
_HTML_START = re.compile(
    rb"^\s*<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body"
    rb"|br|p|!--)[\s>]", re.IGNORECASE)
# Labels browsers decode as something else (WHATWG Encoding standard).
_ENCODING_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
                     "us-ascii": "cp1252", "ascii": "cp1252", "x-user-defined": "cp1252"}


def media_type(content_type: str | None) -> str:
    """``text/html`` from ``Text/HTML; charset=UTF-8``; "" when there is none."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def may_be_xml(media_type: str) -> bool:
    """Whether a body of ``media_type`` may be a feed or a sitemap (the parser decides)."""
    return media_type.endswith(("/xml", "+xml")) or media_type in _XML_ALSO


def read_capped(raw_chunks: Iterable[bytes], content_encoding: str | None,
                max_bytes: int) -> bytes:
    """The decoded body; :class:`FetchFailed` past ``max_bytes`` or for a broken encoding."""
    body = bytearray()
    for piece in _decoded(raw_chunks, (content_encoding or "identity").strip().lower()):
        body += piece
        if len(body) > max_bytes:
            raise FetchFailed(f"too large: over {format_size(max_bytes)}")
    return bytes(body)


def _decoded(raw_chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    if encoding in ("identity", ""):
        yield from raw_chunks
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise FetchFailed(f"unsupported content encoding {encoding}")
    inflater = None
    try:
        for chunk in raw_chunks:
            data = chunk
            while data:
                if inflater is None or (inflater.eof and encoding != "deflate"):
                    inflater = zlib.decompressobj(_window_bits(encoding, data))  # gzip: a member
                elif inflater.eof:
                    break  # bytes after the end of a deflate stream mean nothing
                piece = inflater.decompress(data, _PIECE)
                data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
                if piece:
                    yield piece
        if inflater is not None:  # None: an empty body, judged by the caller
            rest = inflater.flush()
            if rest:
                yield rest
            if not inflater.eof:
                raise FetchFailed(
                    f"broken content encoding {encoding}: the stream ends early")
    except zlib.error as exc:
        raise FetchFailed(f"broken content encoding {encoding}: {exc}") from None


def _window_bits(encoding: str, first: bytes) -> int:
    if encoding != "deflate":
        return 16 + zlib.MAX_WBITS  # gzip header and trailer
    # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
    wrapped = (len(first) >= 2 and first[0] & 0x0F == 8
               and int.from_bytes(first[:2], "big") % 31 == 0)
    return zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS


def looks_like_html(body: bytes) -> bool:
    """Whether a body sent without a content type starts like an HTML document."""
    head = body[:1024].removeprefix(codecs.BOM_UTF8)
    return b"\x00" not in head and bool(_HTML_START.match(head))


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """``(text, encoding)``: BOM, else the header's charset, else ``<meta>``, else a guess."""
    bom = _bom_encoding(body)
    if bom:  # a BOM wins over any declaration, as in browsers; the codec drops it
        return body.decode(bom, errors="replace"), bom.removesuffix("-sig")
    encoding = (_known(_header_charset(content_type)) or _known(_meta_charset(body))
                or _guess(body))
    return body.decode(encoding, errors="replace"), encoding


def _bom_encoding(body: bytes) -> str | None:
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _header_charset(content_type: str | None) -> str | None:
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'")
    return None


def _meta_charset(body: bytes) -> str | None:
    # Browsers look at the first 1024 bytes; real pages with long heads need a little more.
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii") if match else None


def _known(label: str | None) -> str | None:
    """The Python codec for a charset label, or None for an unknown label."""
    if not label:
        return None
    label = _ENCODING_ALIASES.get(label.lower(), label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _guess(body: bytes) -> str:
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(body).best()
    return _known(best.encoding if best else None) or "cp1252"


def format_size(n: int) -> str:
    """``10 MB`` for 10 * 2**20; bytes when not a round number of KB or MB."""
    for unit, size in (("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"

"""Article URLs: validation and the canonical form under which an article is known.

The canonical form is what makes "one draft per article" work: the same article reached with
different tracking parameters, letter case, default port or fragment gives one string.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

import idna

from pipeline.errors import InvalidURL
from pipeline.validation import url_length_problem

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that only say where a click came from, never which page to show.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid",
    "igshid", "_ga", "_gl", "yclid", "ref_src", "ref_url", "twclid", "ttclid", "li_fat_id",
    "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp", "hsctatracking", "mkt_tok",
    "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "wickedid", "srsltid", "s_cid",
})
TRACKING_PREFIXES = ("utm_",)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HOST_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$")
_HEX = re.compile(r"^0[xX][0-9a-fA-F]*$")
_OCTAL = re.compile(r"^0[0-7]+$")
_DECIMAL = re.compile(r"^[0-9]+$")
_PERCENT_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = "=%:@!$'()*+,;/?-._~"


def check_url(url: str) -> str:
    """Return ``url`` without surrounding whitespace if it is an http(s) URL we can fetch.

    Raises :class:`InvalidURL` saying what is wrong: not a URL, unsupported scheme, no host,
    credentials, bad port or bad host name.
    """
    _split(url)
    return url.strip()


def canonicalize(url: str) -> str:
    """The canonical form of an http(s) URL (see the module docstring); validates it first.

    Lowercase scheme and host, IDNA host as punycode, IPv4 in dotted decimal, no default port,
    no fragment, no tracking parameters (other parameters keep their order), "/" for an empty
    path, dot segments resolved and percent-escapes upper-cased.
    """
    scheme, host, port, path, query = _split(url)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    canonical = urlunsplit((scheme, netloc, _canonical_path(path), _canonical_query(query), ""))
    too_long = url_length_problem(canonical)
    if too_long:  # percent-escaping can lengthen a URL that fitted
        raise InvalidURL(f"invalid URL: canonical form {too_long}")
    return canonical


def host_and_port(url: str) -> tuple[str, int]:
    """The canonical host (IPv6 without brackets) and the effective port of ``url``."""
    scheme, host, port, _, _ = _split(url)
    return host, port if port is not None else DEFAULT_PORTS[scheme]


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Read ``host`` as an IPv4 address in any spelling a URL parser or inet_aton accepts.

    ``127.0.0.1``, ``2130706433``, ``0x7f000001``, ``0x7f.0.0.1``, ``0177.0.0.1`` and ``127.1``
    are all 127.0.0.1. Returns None when ``host`` is a name; raises :class:`InvalidURL` when it
    ends in a number but is no valid address (``1.2.3.999``), as browsers do.
    """
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not parts[-1].isdigit() and _ipv4_number(parts[-1]) is None:
        return None  # a host name, not an address
    numbers = [_ipv4_number(part) for part in parts]
    if len(parts) > 4 or any(n is None for n in numbers):
        raise InvalidURL(f"invalid URL: bad IPv4 address '{host}'")
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        raise InvalidURL(f"invalid URL: bad IPv4 address '{host}'")
    value = last + sum(n << (8 * (3 - i)) for i, n in enumerate(leading))
    return ipaddress.IPv4Address(value)


def _ipv4_number(part: str) -> int | None:
    """One dotted part: decimal, 0x-hexadecimal or 0-octal; None if it is not a number."""
    if _HEX.match(part):
        return int(part[2:] or "0", 16)
    if _OCTAL.match(part):
        return int(part, 8)
    return int(part) if _DECIMAL.match(part) else None


def _split(url: str) -> tuple[str, str, int | None, str, str]:
    """Validate ``url``; return (scheme, canonical host, port, path, query)."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidURL("invalid URL: empty")
    url = url.strip()
    too_long = url_length_problem(url)
    if too_long:
        raise InvalidURL(f"invalid URL: {too_long}")
    if _CONTROL.search(url):
        raise InvalidURL("invalid URL: contains control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", non-numeric port
        raise InvalidURL(f"invalid URL: {str(exc).lower()}") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise InvalidURL("invalid URL: missing scheme (expected http:// or https://)")
    if scheme not in SCHEMES:
        raise InvalidURL(f"invalid URL: unsupported scheme '{scheme}'")
    if not url[len(scheme) + 1:].startswith("//") or not parts.hostname:
        raise InvalidURL("invalid URL: no host")
    if parts.username is not None or parts.password is not None:
        raise InvalidURL("invalid URL: credentials in the URL are not supported")
    if port == 0:
        raise InvalidURL("invalid URL: bad port 0")
    return scheme, _canonical_host(parts.hostname, bracketed="[" in parts.netloc), port, \
        parts.path, parts.query


def _canonical_host(host: str, bracketed: bool) -> str:
    if bracketed:
        try:
            if "%" in host:
                raise ValueError("zone id")
            return ipaddress.IPv6Address(host).compressed
        except ValueError:  # includes zone ids: a fetched URL has no business with them
            raise InvalidURL(f"invalid URL: bad IPv6 address '{host}'") from None
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise InvalidURL(f"invalid URL: bad host name '{host}' ({exc})") from None
    host = host.lower()
    address = parse_ipv4(host)
    if address is not None:
        return str(address)
    name = host[:-1] if host.endswith(".") else host
    if len(name) > 253 or not all(_HOST_LABEL.match(label) for label in name.split(".")):
        raise InvalidURL(f"invalid URL: bad host name '{host}'")
    return name


def _canonical_path(path: str) -> str:
    path = _PERCENT_ESCAPE.sub(lambda m: m.group(0).upper(), quote(path, safe=_PATH_SAFE))
    segments = path.split("/")[1:] if path.startswith("/") else path.split("/")
    resolved: list[str] = []
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == "..":
            if resolved:
                resolved.pop()
        elif segment != ".":
            resolved.append(segment)
            continue
        if last:  # "/a/b/.." means the directory "/a/", keep its trailing slash
            resolved.append("")
    return "/" + "/".join(resolved)


def _canonical_query(query: str) -> str:
    kept = []
    for piece in query.split("&"):
        if not piece:
            continue
        name = unquote_plus(piece.split("=", 1)[0]).lower()
        if name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES):
            continue
        kept.append(_PERCENT_ESCAPE.sub(lambda m: m.group(0).upper(),
                                        quote(piece, safe=_QUERY_SAFE)))
    return "&".join(kept)

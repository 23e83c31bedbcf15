"""The rules every input meets before it reaches the database, shared by the web app's edge,
the CLI and the pipeline's intake.

PostgreSQL refuses what SQLite stores (a NUL byte, an integer past 2**31-1, a string longer
than its column, an unpaired surrogate that cannot be UTF-8), so a value that breaks one of
these rules is refused at the edge with a reason, never turned into a database error.
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.languages import normalize_tag

MAX_ID = 2**31 - 1  # the largest INTEGER primary key on PostgreSQL
MAX_URL_LENGTH = 2048  # the URL columns' size
MAX_LANG_LENGTH = 16  # the language columns' size

# Control characters that have no business in a text parameter: C0 except tab, LF and CR,
# DEL, and C1. NUL is among them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# BCP 47 (RFC 5646) language tags without the grandfathered ones: language, extlang, script,
# region, variants, extensions, private use. "_" is read as "-" (pt_BR).
_BCP47 = re.compile(
    r"^[a-z]{2,3}(?:-[a-z]{3}){0,3}"
    r"(?:-[a-z]{4})?"
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"
    r"(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*"
    r"(?:-x(?:-[a-z0-9]{1,8})+)?$")


class InvalidInput(ValueError):
    """A value that breaks one of the rules; ``reason`` says which, without echoing it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None: NUL, control characters, surrogates."""
    if "\x00" in value:
        return "contains a NUL character"
    surrogate = _SURROGATE.search(value)
    if surrogate:
        return f"contains an unpaired surrogate U+{ord(surrogate.group()):04X} (not valid UTF-8)"
    control = _CONTROL.search(value)
    if control:
        return f"contains the control character U+{ord(control.group()):04X}"
    return None


def check_text(value: str, name: str) -> str:
    """``value`` if it can be stored; InvalidInput naming the parameter otherwise."""
    problem = text_problem(value)
    if problem:
        raise InvalidInput(f"{name} {problem}")
    return value


def id_in_range(value: int) -> bool:
    """Whether ``value`` can be a row id (a larger one names no row: 404, not 500)."""
    return 1 <= value <= MAX_ID


def url_length_problem(url: str) -> str | None:
    """The reason a URL is too long for its column, or None."""
    if len(url) > MAX_URL_LENGTH:
        return f"longer than {MAX_URL_LENGTH} characters ({len(url)})"
    return None


def language_tag(value: str) -> str:
    """The BCP 47 tag in ``value``, lower-cased with "-" separators; InvalidInput if it is not
    one or is longer than the language columns hold."""
    tag = normalize_tag(value)
    if not tag or len(tag) > MAX_LANG_LENGTH or not _BCP47.match(tag):
        shown = "".join(ch if ch.isprintable() else "?" for ch in value[:40])
        raise InvalidInput(f"not a language tag (BCP 47, e.g. nl, pt-BR, zh-Hant): {shown!r}")
    return tag


_CHAR_REF = re.compile(r"&#(?:[xX]0*([0-9a-fA-F]{1,8})|0*([0-9]{1,10}));?")


def _unfit_ref(match: re.Match) -> str:
    hex_digits, decimal = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(decimal)
    if code in (0x9, 0xA, 0xD) or 0x80 <= code <= 0x9F:  # C1 refs mean windows-1252 in HTML
        return match.group()
    if code < 0x20 or code == 0x7F or code in (0xFFFE, 0xFFFF):
        return ""
    return match.group()


def strip_controls(text: str) -> str:
    """``text`` without NUL, other control characters and unpaired surrogates (tab, LF and CR
    stay), raw or as character references: what a fetched page may contain but an XML tree
    and the database cannot."""
    text = _SURROGATE.sub("\ufffd", text)
    text = _CHAR_REF.sub(_unfit_ref, text)
    return _CONTROL.sub("", text)


def printable(value: str, limit: int = 80) -> str:
    """A value safe to quote in a message: control characters shown as "?", cut at ``limit``."""
    cut = value[:limit]
    shown = "".join(ch if unicodedata.category(ch)[0] != "C" or ch == " " else "?" for ch in cut)
    return shown + ("…" if len(value) > limit else "")

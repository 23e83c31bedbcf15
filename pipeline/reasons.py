"""One shape for every failure reason a person reads: one line, cause first, short, no payloads.

Reasons come from many places (HTTP libraries, the database driver, providers) and some of
them carry what must never reach a screen or a job row: request URLs with the article's text
URL-encoded in their query, SQL statements and their parameters, multi-line tracebacks. Every
failure path (the CLI's ``error:`` line, a job's ``last_error``, worker logs) passes its text
through :func:`reason_line`, so the rule lives here once.
"""

from __future__ import annotations

import re
import socket

STORED_LIMIT = 300  # a job's last_error
TERMINAL_LIMIT = 200  # the CLI's error: line

PROVIDER_HINT = "check the network or choose another provider with --provider or TRANSDRAFT_PROVIDER"
DNS_FAILED = "DNS lookup failed"
REFUSED = "connection refused"

# SQLAlchemy appends the statement, its parameters and a link to every driver error.
_SQL_TAIL = re.compile(r"\s*\[(?:SQL|parameters|generated in)[^\]]*\](?:.|\n)*$", re.IGNORECASE)
_BACKGROUND = re.compile(r"\s*\(Background on this error at:[^)]*\)", re.IGNORECASE)
# A query string can hold the text sent (Google's and MyMemory's GET APIs put it there).
_QUERY = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s?#'\"()<>]+)\?[^\s'\"()<>]*", re.IGNORECASE)
_DNS_WORDS = ("name or service not known", "temporary failure in name resolution",
              "nodename nor servname", "getaddrinfo failed", "failed to resolve",
              "no address associated", "name resolution", "errno -2]", "errno -3]",
              "errno -5]", "errno 11001]")
_REFUSED_WORDS = ("connection refused", "errno 111]", "errno 61]", "errno 10061]")


def reason_line(text: object, limit: int = STORED_LIMIT) -> str:
    """``text`` as one line of at most ``limit`` characters, without SQL, parameters or query
    strings; cut at the end (the cause is expected first) with an ellipsis."""
    line = str(text or "")
    line = _SQL_TAIL.sub("", line)
    line = _BACKGROUND.sub("", line)
    line = _QUERY.sub(r"\1?…", line)
    line = " ".join(line.split())
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def first_line(error: BaseException) -> str:
    """The first line of an exception's message (driver errors run on with SQL and payloads)."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def network_cause(error: BaseException) -> str:
    """``DNS lookup failed``, ``connection refused`` or ``connection failed``: what stopped a
    connection, read from the exception chain (libraries wrap the socket error differently)."""
    seen: set[int] = set()
    current: BaseException | None = error
    texts = []
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return DNS_FAILED
        if isinstance(current, ConnectionRefusedError):
            return REFUSED
        texts.append(str(current).lower())
        texts.extend(str(arg).lower() for arg in getattr(current, "args", ()))
        current = current.__cause__ or current.__context__
    joined = " ".join(texts)
    if any(word in joined for word in _DNS_WORDS):
        return DNS_FAILED
    if any(word in joined for word in _REFUSED_WORDS):
        return REFUSED
    return "connection failed"


def unreachable(host: str, cause: str, hint: str = PROVIDER_HINT) -> str:
    """``cannot reach HOST (CAUSE): HINT`` — the host first, then what to do."""
    return f"cannot reach {host or 'the server'} ({cause}): {hint}"


def fails_fast(cause: str) -> bool:
    """Whether a person waiting at a terminal should not sit through retries of this cause:
    a name that does not resolve or a port nobody listens on will not change in seconds."""
    return cause in (DNS_FAILED, REFUSED)

"""One rule at the edge: a request whose path, query or body breaks pipeline.validation's
rules is answered here (404 for an id no row can have, 422 for text the database cannot
store), before any route, so no such value can become a database error.

Checked: every decimal path segment is within the id range; path, query and form values and
every string (and key) of a JSON body have no NUL, other control characters or unpaired
surrogates ("\\ud800" is valid JSON but not UTF-8). Bodies reach this middleware already
bounded by :mod:`web.body_limit`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.validation import MAX_ID, text_problem

CHECKED_BODIES = ("application/json", "application/x-www-form-urlencoded")


class EdgeValidation:
    """ASGI middleware applying the edge rules to every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = _path_refusal(scope.get("path", "")) or _query_refusal(scope)
        if refusal is None and _content_type(scope).startswith(CHECKED_BODIES):
            body, receive = await _buffer(receive)
            refusal = _body_refusal(_content_type(scope), body)
        if refusal is not None:
            await _answer(send, *refusal)
            return
        await self.app(scope, receive, send)


def _problem(loc: list, message: str) -> tuple[int, Any]:
    return 422, [{"loc": loc, "msg": message, "type": "value_error"}]


def _path_refusal(path: str) -> tuple[int, Any] | None:
    for segment in path.split("/"):
        if segment.isascii() and segment.isdigit() and int(segment) > MAX_ID:
            return 404, f"not found: {segment[:20]} is past the largest id ({MAX_ID})"
    problem = text_problem(path)
    if problem:
        return _problem(["path"], f"the path {problem}")
    return None


def _query_refusal(scope: Scope) -> tuple[int, Any] | None:
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        problem = text_problem(name) or text_problem(value)
        if problem:
            return _problem(["query", name[:100]], f"{problem}")
    return None


def _content_type(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return value.decode("latin-1").lower()
    return ""


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole body; return it and a receive that replays it to the app."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _body_refusal(content_type: str, body: bytes) -> tuple[int, Any] | None:
    if not body:
        return None
    if content_type.startswith("application/json"):
        try:
            document = json.loads(body.decode("utf-8"))
        except UnicodeDecodeError:
            return _problem(["body"], "the JSON body is not valid UTF-8")
        except ValueError:  # not JSON: the route's own validation says so
            return None
        for loc, value in _strings(document, ["body"]):
            problem = text_problem(value)
            if problem:
                return _problem(loc, problem)
        return None
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return _problem(["body"], "the form is not valid UTF-8")
    for name, value in pairs:
        problem = text_problem(name) or text_problem(value)
        if problem:
            return _problem(["body", unquote(name)[:100]], problem)
    return None


def _strings(value: Any, loc: list) -> Iterator[tuple[list, str]]:
    """Every string of a JSON document (keys included) with where it is."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, [*loc, index])
    elif isinstance(value, dict):
        for key, item in value.items():
            yield [*loc, key], key
            yield from _strings(item, [*loc, key])


async def _answer(send: Send, status: int, detail: Any) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})

"""The OpenAPI document, made to tell clients the truth about auth and errors.

Applied once to the app (:func:`describe_errors`) rather than written on every route: the
bearer scheme is declared and required by each operation behind :func:`web.deps.allow`;
every operation lists the errors it can answer (401/403 when signed in, 404 for a path with
an id, 409 where a conflict is possible, 413 with a body, 422 with parameters or a body), all
with one shared error body; the UI's HTML routes are left out.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

HTML_ROUTES = ("/", "/login", "/logout")
# Operations that answer 409: a state that forbids the change, or a stale revision.
CONFLICTS = {
    ("post", "/api/jobs/{job_id}/retry"),
    ("patch", "/api/drafts/{draft_id}"),
    ("post", "/api/drafts/{draft_id}/approve"),
    ("post", "/api/drafts/{draft_id}/reject"),
    ("post", "/api/drafts/{draft_id}/publish"),
    ("get", "/api/drafts/{draft_id}/export"),
    ("patch", "/api/users/{name}"),
    ("delete", "/api/users/{name}"),
}
# Operations without a path id that still look something up by name.
LOOKUPS = {("get", "/api/tokens")}
ERROR = {"$ref": "#/components/schemas/Error"}
SCHEMAS = {
    "Error": {
        "title": "Error", "type": "object", "required": ["detail"],
        "description": "Every error: a reason, or for invalid input a list of problems.",
        "properties": {"detail": {"anyOf": [
            {"type": "string"},
            {"type": "array", "items": {"$ref": "#/components/schemas/ErrorItem"}}]}},
    },
    "ErrorItem": {
        "title": "ErrorItem", "type": "object", "required": ["loc", "msg", "type"],
        "properties": {
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"},
                                                         {"type": "integer"}]}},
            "msg": {"type": "string"}, "type": {"type": "string"}},
    },
}
REASONS = {"401": "Not signed in, or the bearer token is unknown or revoked",
           "403": "The role may not do this (or a session write without its CSRF token)",
           "404": "No such resource",
           "409": "The resource's state forbids this now",
           "413": "The request body is over the size limit",
           "422": "Invalid parameters or body"}


def _operations(routes) -> list:
    """Every route with a dependant (path, methods), included routers' ones too."""
    found = []
    for route in routes:
        if hasattr(route, "effective_route_contexts"):  # FastAPI's included routers
            found.extend(_operations(route.effective_route_contexts()))
        elif getattr(route, "dependant", None) is not None and getattr(route, "methods", None):
            found.append(route)
    return found


def _roles(route) -> frozenset[str] | None:
    """The roles the route's auth dependency admits, or None for a public route."""
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        roles = getattr(dependant.call, "roles", None)
        if roles:
            return roles
        stack.extend(dependant.dependencies)
    return None


def _errors(method: str, path: str, operation: dict[str, Any], signed_in: bool) -> list[str]:
    codes = []
    if signed_in:
        codes += ["401", "403"]
    if "{" in path or (method, path) in LOOKUPS:
        codes.append("404")
    if (method, path) in CONFLICTS:
        codes.append("409")
    if "requestBody" in operation:
        codes.append("413")
    if "requestBody" in operation or operation.get("parameters"):
        codes.append("422")
    return codes


def build_document(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with security and error responses filled in."""
    document = get_openapi(title=app.title, version=app.version, description=app.description,
                           routes=app.routes)
    components = document.setdefault("components", {})
    components.setdefault("schemas", {}).update(SCHEMAS)
    for unused in ("HTTPValidationError", "ValidationError"):
        components["schemas"].pop(unused, None)
    components["securitySchemes"] = {"bearer": {
        "type": "http", "scheme": "bearer",
        "description": "An API token (transdraft users add, POST /api/tokens)"}}
    signed_in = {(method.lower(), route.path): _roles(route) is not None
                 for route in _operations(app.routes) for method in route.methods}
    for path in HTML_ROUTES:
        document.get("paths", {}).pop(path, None)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            auth = signed_in.get((method, path), False)
            if auth:
                operation["security"] = [{"bearer": []}]
            responses = operation.setdefault("responses", {})
            for code in _errors(method, path, operation, auth):
                responses[code] = {"description": REASONS[code],
                                   "content": {"application/json": {"schema": ERROR}}}
            if (method, path) == ("get", "/healthz"):
                responses["503"] = {"description": "The database does not answer",
                                    "content": {"application/json": {"schema": {
                                        "$ref": "#/components/schemas/Health"}}}}
            operation["responses"] = dict(sorted(responses.items()))
    return document


def describe_errors(app: FastAPI) -> None:
    """Serve :func:`build_document` at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app)
        return app.openapi_schema

    app.openapi = openapi

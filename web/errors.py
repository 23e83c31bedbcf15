"""How refusals are answered: JSON for the API, a page for a browser.

:data:`HANDLERS` are the app's exception handlers; :func:`review_status` is the one mapping
of a review service's refusal to an HTTP status, for the API and the reviewer's pages alike.
"""

from __future__ import annotations

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from pipeline.drafts import review
from web.auth import Forbidden, NotAuthenticated
from web.routes.login import login_page

# The most specific refusal first: a stale revision or a lost race is a conflict.
REVIEW_STATUS = ((review.ReviewConflict, 409), (review.ReviewError, 422))


def review_status(error: review.ReviewError) -> int:
    """The HTTP status of a review service's refusal: 409 for a conflict, else 422."""
    return next(status for kind, status in REVIEW_STATUS if isinstance(error, kind))


def wants_json(request: Request) -> bool:
    """Whether to answer an error as JSON (the API, metrics, any client not asking for HTML)."""
    return request.url.path.startswith(("/api/", "/metrics")) or \
        "text/html" not in request.headers.get("accept", "")


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    return request.app.state.templates.TemplateResponse(request, "error.html", {
        "identity": getattr(request.state, "identity", None), "title": title,
        "message": message}, status_code=status)


async def not_authenticated(request: Request, error: NotAuthenticated) -> Response:
    """401: the API says why; a browser gets the sign-in form, coming back here after."""
    if wants_json(request):
        return JSONResponse({"detail": error.reason}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})
    return login_page(request, status=401, next_path=request.url.path)


async def forbidden(request: Request, error: Forbidden) -> Response:
    """403 with the reason."""
    if wants_json(request):
        return JSONResponse({"detail": error.reason}, status_code=403)
    return _error_page(request, 403, "Not allowed", error.reason)


async def http_error(request: Request, error: HTTPException) -> Response:
    """A route's HTTPException: its status and detail."""
    if wants_json(request):
        return JSONResponse({"detail": error.detail}, status_code=error.status_code,
                            headers=getattr(error, "headers", None))
    return _error_page(request, error.status_code, f"Error {error.status_code}",
                       str(error.detail))


async def invalid_request(request: Request, error: RequestValidationError) -> Response:
    """422 with where and what, never the submitted values (a password could be one)."""
    problems = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""),
                 "type": e.get("type", "")} for e in error.errors()]
    return JSONResponse({"detail": problems}, status_code=422)


HANDLERS = {NotAuthenticated: not_authenticated, Forbidden: forbidden,
            HTTPException: http_error, RequestValidationError: invalid_request}
